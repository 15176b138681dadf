"""0003b_kernel_tables: the kernel's company_invitation and charge_policy come from a kernel
revision placed before 0004_requests; databases at any earlier or later revision upgrade to the
models, keeping their rows."""

from __future__ import annotations

import warnings

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from innocore import create_app
from innocore.extensions import db
from tests.support.appconfig import settings
from tests.support.databases import TestDatabase

KERNEL_TABLES = {"company_invitation", "charge_policy"}


@pytest.fixture
def app(tmp_path):
    database = TestDatabase("kernel-tables")
    app = create_app(settings(database.url, instance=tmp_path))
    yield app
    with app.app_context():
        db.engine.dispose()
    database.drop()


def _tables() -> set[str]:
    with db.engine.connect() as conn:
        return set(sa.inspect(conn).get_table_names())


def _differences() -> list:
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*expression-based index.*")
            return compare_metadata(ctx, db.metadata)


def test_a_database_before_the_kernel_revision_gets_the_tables_from_it_and_back(app):
    with app.app_context():
        upgrade(revision="0003_training")
        assert not KERNEL_TABLES & _tables()
        upgrade(revision="0003b_kernel_tables")
        assert _tables() >= KERNEL_TABLES
        upgrade(revision="0004_requests")  # and back: 0003b drops them, 0004 no longer does
        downgrade(revision="0003_training")
        assert not KERNEL_TABLES & _tables()
        upgrade()
        assert _differences() == []


def test_a_database_past_it_keeps_its_invitations(app):
    with app.app_context():
        upgrade(revision="0004_requests")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO organisation (name, kind, country, created_at) "
                    "VALUES ('Helixa', 'company', 'IT', CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO user_account (email, name, password_hash, organisation_id, "
                    "org_role, is_network_admin, timezone, locale, active, session_epoch, "
                    "created_at) VALUES ('boss@helixa.example', 'Boss', 'h', 1, 'admin', false, "
                    "'UTC', 'en', true, 0, CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO company_invitation (organisation_id, email, token_hash, "
                    "invited_by_id, created_at, expires_at) VALUES (1, 'new@helixa.example', "
                    "'h1', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
        upgrade()
        assert _differences() == []
        with db.engine.connect() as conn:
            emails = conn.execute(sa.text("SELECT email FROM company_invitation")).scalars()
            assert list(emails) == ["new@helixa.example"]
        db.engine.dispose()
