"""`flask db upgrade` on an empty database yields exactly the models (autogenerate finds nothing)."""

import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from innocore import create_app
from innocore.extensions import db
from tests.support.databases import TestDatabase, upgrade


@pytest.fixture(scope="module")
def migrated_app():
    database = TestDatabase("migrations")
    app = create_app({"DATABASE_URL": database.url, "SECRET_KEY": "x", "TESTING": True})
    upgrade(app)
    yield app
    with app.app_context():
        db.engine.dispose()
    database.drop()


def test_upgrade_from_empty_matches_models(migrated_app):
    with migrated_app.app_context(), db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        with warnings.catch_warnings():
            # SQLite cannot reflect expression indexes (lower(email)); they are in the migration.
            warnings.filterwarnings("ignore", message=".*expression-based index.*")
            diff = compare_metadata(ctx, db.metadata)
    assert diff == []


def test_case_insensitive_unique_email_exists_in_the_schema(migrated_app):
    import sqlalchemy as sa

    with migrated_app.app_context(), db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO organisation (name, kind, country, created_at) "
                "VALUES ('Org', 'university', 'IT', CURRENT_TIMESTAMP)"
            )
        )
        org_id = conn.execute(sa.text("SELECT id FROM organisation")).scalar()
        insert = sa.text(
            "INSERT INTO user_account (email, name, password_hash, organisation_id, org_role, "
            "is_network_admin, timezone, locale, active, session_epoch, created_at) VALUES "
            "(:e, 'n', 'h', :o, 'member', false, 'UTC', 'en', true, 0, CURRENT_TIMESTAMP)"
        )
        conn.execute(insert, {"e": "a@x.org", "o": org_id})
        with pytest.raises(sa.exc.IntegrityError), conn.begin_nested():
            conn.execute(insert, {"e": "A@X.org", "o": org_id})
