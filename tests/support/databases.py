"""Test databases: a temporary SQLite file by default, a fresh PostgreSQL database when asked.

``INNOCORE_TEST_DATABASE_URL=postgresql://root@127.0.0.1:5432/test`` runs the suite on PostgreSQL:
each run creates its own database next to that one and drops it at the end.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

import sqlalchemy as sa

ENV = "INNOCORE_TEST_DATABASE_URL"


def backend() -> str:
    """``"postgresql"`` or ``"sqlite"``: the database this pass runs on."""
    _refuse_in_database_free_test("backend()")
    url = os.environ.get(ENV, "")
    return "postgresql" if url.startswith("postgres") else "sqlite"


def _refuse_in_database_free_test(what: str) -> None:
    from tests.support import passes

    passes.refuse_database_in_free_test(what)


def _pg_admin_engine(url: str) -> sa.Engine:
    url = (
        url.replace("postgresql://", "postgresql+psycopg://", 1)
        if url.startswith("postgresql://")
        else url
    )
    return sa.create_engine(url, isolation_level="AUTOCOMMIT")


class TestDatabase:
    """One throw-away database; ``url`` is what the app is configured with."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self, label: str = "main"):
        _refuse_in_database_free_test("TestDatabase")
        base = os.environ.get(ENV, "")
        self._tmp = None
        if base.startswith("postgres"):
            self.name = f"innocore_test_{label}_{os.getpid()}_{secrets.token_hex(3)}"
            admin = _pg_admin_engine(base)
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
            admin.dispose()
            self._base = base
            self.url = base.rsplit("/", 1)[0] + "/" + self.name
        else:
            self._tmp = tempfile.TemporaryDirectory(prefix="innocore-test-")
            self.name = str(Path(self._tmp.name) / f"{label}.sqlite")
            self.url = f"sqlite:///{self.name}"

    def drop(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            return
        admin = _pg_admin_engine(self._base)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        admin.dispose()


def upgrade(app) -> None:
    """Build the schema the way production does: every migration, to every head."""
    from flask_migrate import upgrade as flask_upgrade

    with app.app_context():
        flask_upgrade()
