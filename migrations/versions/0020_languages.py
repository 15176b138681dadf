"""a person's language is one of the five the platform is translated into (en, it, pt, es, cs):
German, French and Dutch had no catalog and read as English, so they become English; Czech is new.

Revision ID: 0020_languages
Revises: 0019_user_position
Create Date: 2026-11-30 17:00:00

"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0020_languages"
down_revision = "0019_user_position"
branch_labels = None
depends_on = None

OLD = ("en", "de", "fr", "it", "pt", "es", "nl")
NEW = ("en", "it", "pt", "es", "cs")


def _locale(values):
    return sa.Enum(*values, name="locale", native_enum=False, create_constraint=True, length=32)


def _allow(values, previous):
    """Re-create the locale CHECK with ``values``.

    SQLite: no batch rebuild (as 0010 and 0019: rebuilding user_account loses its lower(email)
    index, and turns 0019's inline position CHECK into a table constraint that its downgrade's
    DROP COLUMN refuses). The CHECK's list is changed in the stored schema instead, the
    procedure SQLite documents for schema changes that leave the stored rows as they are
    (https://sqlite.org/lang_altertable.html#otheralter: writable_schema, then schema_version
    + 1), and the rows are checked against the new list first."""
    in_list = ", ".join(f"'{v}'" for v in values)
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        table_sql = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'user_account'"
        ).scalar()
        new_sql, found = re.subn(r"locale IN \([^)]*\)", f"locale IN ({in_list})", table_sql)
        if found != 1:
            raise RuntimeError("user_account has no single locale CHECK to change")
        version = conn.exec_driver_sql("PRAGMA schema_version").scalar()
        conn.exec_driver_sql("PRAGMA writable_schema = ON")
        conn.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'user_account'",
            (new_sql,),
        )
        conn.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
        conn.exec_driver_sql("PRAGMA writable_schema = OFF")
        return
    op.drop_constraint(op.f("ck_user_account_locale"), "user_account", type_="check")
    op.create_check_constraint(
        op.f("ck_user_account_locale"), "user_account", f"locale IN ({in_list})"
    )


def upgrade():
    op.execute("UPDATE user_account SET locale = 'en' WHERE locale IN ('de', 'fr', 'nl')")
    _allow(NEW, OLD)


def downgrade():
    op.execute("UPDATE user_account SET locale = 'en' WHERE locale = 'cs'")
    _allow(OLD, NEW)
