"""`flask db upgrade` on an empty database yields exactly the models (autogenerate finds nothing)."""

import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from innocore import create_app
from innocore.extensions import db
from tests.support.appconfig import settings
from tests.support.databases import TestDatabase, upgrade


@pytest.fixture(scope="module")
def migrated_app(tmp_path_factory):
    database = TestDatabase("migrations")
    app = create_app(settings(database.url, instance=tmp_path_factory.mktemp("instance")))
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


def test_history_has_one_head_so_plain_flask_db_upgrade_works(migrated_app):
    from alembic.script import ScriptDirectory

    with migrated_app.app_context():
        config = migrated_app.extensions["migrate"].migrate.get_config()
        assert ScriptDirectory.from_config(config).get_heads() == [_head(migrated_app)]


def _head(app) -> str:
    from alembic.script import ScriptDirectory

    config = app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_current_head()


def test_a_database_at_the_old_package_heads_upgrades_and_keeps_its_data(tmp_path):
    """Databases made before the history became one line record two heads (the other package
    heads came in as their dependencies)."""
    import sqlalchemy as sa
    from flask_migrate import upgrade as flask_upgrade

    database = TestDatabase("old-heads")
    app = create_app(settings(database.url, instance=tmp_path))
    try:
        with app.app_context():
            flask_upgrade(revision="0005_certification")
            with db.engine.begin() as conn:  # what `upgrade heads` left in databases of old
                conn.execute(sa.text("INSERT INTO alembic_version VALUES ('0004_requests')"))
            with db.engine.begin() as conn:
                conn.execute(
                    sa.text(
                        "INSERT INTO organisation (name, kind, country, created_at) "
                        "VALUES ('Kept', 'university', 'IT', CURRENT_TIMESTAMP)"
                    )
                )
            flask_upgrade()
            with db.engine.connect() as conn:
                version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()
                assert list(version) == [_head(app)]
                names = conn.execute(sa.text("SELECT name FROM organisation")).scalars()
                assert list(names) == ["Kept"]
            db.engine.dispose()
    finally:
        database.drop()


def test_stored_client_secrets_are_sealed_by_the_upgrade_and_still_read(tmp_path):
    import sqlalchemy as sa
    from flask_migrate import upgrade as flask_upgrade

    from innocore.sso.models import SsoConnection

    database = TestDatabase("sealed-secrets")
    app = create_app(settings(database.url, instance=tmp_path))
    try:
        with app.app_context():
            flask_upgrade(revision="0013_booking_series")
            with db.engine.begin() as conn:
                conn.execute(
                    sa.text(
                        "INSERT INTO organisation (name, kind, country, created_at) "
                        "VALUES ('Uni', 'university', 'IT', CURRENT_TIMESTAMP)"
                    )
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO sso_connection (organisation_id, protocol, issuer, "
                        "idp_metadata, client_id, client_secret, email_claim, name_claim, "
                        "affiliation_claim, affiliations, local_passwords, created_at, "
                        "updated_at) SELECT id, 'oidc', 'https://idp.example', '', 'app', "
                        "'s3cret', 'email', 'name', '', '', true, CURRENT_TIMESTAMP, "
                        "CURRENT_TIMESTAMP FROM organisation"
                    )
                )
            flask_upgrade()
            with db.engine.connect() as conn:
                stored = conn.execute(sa.text("SELECT client_secret FROM sso_connection")).scalar()
            assert stored.startswith("fernet:") and "s3cret" not in stored
            assert db.session.scalar(sa.select(SsoConnection)).client_secret == "s3cret"
            assert (tmp_path / "sso_secret.key").stat().st_mode & 0o777 == 0o600
            db.session.remove()
            db.engine.dispose()
    finally:
        database.drop()


def test_recent_revisions_go_down_and_up_again(tmp_path):
    """Every revision since 0010 can be undone (``flask db downgrade``) on both databases, and
    upgrading again gives exactly the models: SQLite's batch rebuilds must drop inline CHECKs
    and unnamed foreign keys with their columns."""
    from flask_migrate import downgrade as flask_downgrade
    from flask_migrate import upgrade as flask_upgrade

    database = TestDatabase("down-and-up")
    app = create_app(settings(database.url, instance=tmp_path))
    try:
        with app.app_context():
            flask_upgrade()
            flask_downgrade(revision="0010_operations")
            flask_upgrade()
            with db.engine.connect() as conn:
                ctx = MigrationContext.configure(conn, opts={"compare_type": True})
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", message=".*expression-based index.*")
                    diff = compare_metadata(ctx, db.metadata)
            assert diff == []
            db.session.remove()
            db.engine.dispose()
    finally:
        database.drop()
