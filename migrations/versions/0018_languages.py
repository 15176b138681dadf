"""a person's language is one of the five the platform is translated into (en, it, pt, es, cs):
German, French and Dutch had no catalog and read as English, so they become English; Czech is new.

Revision ID: 0018_languages
Revises: 0017_usage
Create Date: 2026-11-30 17:00:00

"""

import warnings

import sqlalchemy as sa
from alembic import op

revision = "0018_languages"
down_revision = "0017_usage"
branch_labels = None
depends_on = None

OLD = ("en", "de", "fr", "it", "pt", "es", "nl")
NEW = ("en", "it", "pt", "es", "cs")


def _locale(values):
    return sa.Enum(*values, name="locale", native_enum=False, create_constraint=True, length=32)


def _allow(values, previous):
    """Re-create the locale CHECK with ``values`` (batch: SQLite rebuilds the table)."""
    if op.get_bind().dialect.name == "sqlite":
        # The rebuild cannot reflect the expression index on lower(email) and leaves it out:
        # it is created again right after, as 0001 made it.
        with warnings.catch_warnings(), op.batch_alter_table("user_account") as batch_op:
            warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
            batch_op.alter_column(
                "locale",
                existing_type=_locale(previous),
                type_=_locale(values),
                existing_nullable=False,
            )
        op.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS uq_user_account_email_lower "
            "ON user_account (lower(email))"
        )
        return
    in_list = ", ".join(f"'{v}'" for v in values)
    op.drop_constraint(op.f("ck_user_account_locale"), "user_account", type_="check")
    op.create_check_constraint(op.f("ck_user_account_locale"), "user_account", f"locale IN ({in_list})")


def upgrade():
    op.execute("UPDATE user_account SET locale = 'en' WHERE locale IN ('de', 'fr', 'nl')")
    _allow(NEW, OLD)


def downgrade():
    op.execute("UPDATE user_account SET locale = 'en' WHERE locale = 'cs'")
    _allow(OLD, NEW)
