"""The README's first command: `flask innocore demo` migrates and seeds a whole demo network."""

import pytest
import sqlalchemy as sa

from innocore import create_app
from innocore.accounts.models import Organisation, User
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.sso.models import SsoConnection
from tests.support.appconfig import settings
from tests.support.databases import TestDatabase

pytestmark = pytest.mark.slow


def test_demo_command_seeds_every_role_once(tmp_path):
    database = TestDatabase("demo")
    app = create_app(settings(database.url, instance=tmp_path))
    try:
        runner = app.test_cli_runner()
        first = runner.invoke(args=["innocore", "demo"])
        assert first.exit_code == 0, first.output
        assert "Demo network created." in first.output
        assert "demo-InnoCore-2026" in first.output
        second = runner.invoke(args=["innocore", "demo"])
        assert second.exit_code == 0 and "already present" in second.output
        with app.app_context():
            kinds = {o.country for o in db.session.scalars(sa.select(Organisation))}
            zones = set(db.session.scalars(sa.select(Facility.timezone)))
            admins = db.session.scalar(
                sa.select(sa.func.count()).select_from(User).where(User.is_network_admin.is_(True))
            )
            facilities = db.session.scalar(sa.select(sa.func.count()).select_from(Facility))
            sso = [
                (c.organisation.name, c.enabled, c.local_passwords)
                for c in db.session.scalars(sa.select(SsoConnection))
            ]
        # set up for the set-up page, switched off: the demo's provider does not exist
        assert sso == [("University of Valmonte", False, True)]
        assert kinds == {"IT", "DE", "PT"}
        assert zones == {"Europe/Rome", "Europe/Berlin", "Europe/Lisbon"}
        assert (admins, facilities) == (1, 5)
        with app.app_context():
            from innocore.ledger.approvals import pending_approvals

            marco = db.session.scalar(sa.select(User).where(User.name == "Marco Rossi"))
            waiting = [(i.kind, i.person) for i in pending_approvals(marco)]
        # Paula's confocal course passes the lab cost centre's threshold: Marco decides it
        assert waiting == [("enrolment", "Paula Student")]
    finally:
        with app.app_context():
            db.engine.dispose()
        database.drop()
