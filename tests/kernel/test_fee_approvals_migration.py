"""0021_fee_approvals: enrolments and quotes gain ``account_approval``; the way back removes
it, and up again works."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from innocore import create_app
from innocore.extensions import db
from tests.support.appconfig import settings
from tests.support.databases import TestDatabase

TABLES = ("training_enrolment", "quote")


@pytest.fixture
def migrated(tmp_path):
    database = TestDatabase("fee-approvals")
    app = create_app(settings(database.url, instance=tmp_path))
    with app.app_context():
        upgrade(revision="0021_fee_approvals")
    yield app
    with app.app_context():
        db.engine.dispose()
    database.drop()


def _columns(table: str) -> set[str]:
    with db.engine.connect() as conn:
        return {c["name"] for c in sa.inspect(conn).get_columns(table)}


def test_down_and_up_again(migrated):
    with migrated.app_context():
        for table in TABLES:
            assert "account_approval" in _columns(table)
        downgrade(revision="0020_languages")
        for table in TABLES:
            assert "account_approval" not in _columns(table)
        upgrade(revision="0021_fee_approvals")
        for table in TABLES:
            assert "account_approval" in _columns(table)
        db.engine.dispose()
