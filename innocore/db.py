"""Database foundations: declarative base, naming convention, UTC timestamps, SQLite pragmas."""

from __future__ import annotations

import enum
from contextlib import suppress
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(sa.types.TypeDecorator):
    """An instant, always timezone-aware UTC in Python; refuses naive datetimes.

    PostgreSQL stores ``timestamptz``; SQLite keeps the UTC wall time and we put the zone back on load.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store instants as aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A portable enum stored as its value, with a named CHECK constraint."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda cls: [m.value for m in cls],
        validate_strings=True,
    )


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    """SQLite: foreign keys on, WAL, wait for locks; let SQLAlchemy emit BEGIN itself."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, see _sqlite_begin
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    with suppress(Exception):  # in-memory databases cannot use WAL
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    """SQLite: a plain BEGIN, or BEGIN IMMEDIATE for write transactions that must serialise."""
    if conn.dialect.name != "sqlite":
        return
    immediate = conn.get_execution_options().get("innocore_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_serialised_write(session) -> None:
    """Serialise a check-then-write use case on SQLite: end a read-only transaction and start
    ``BEGIN IMMEDIATE`` before anything is read, so no other writer slips in between our check and
    our insert. On PostgreSQL this does nothing: callers lock the contended row with
    ``SELECT ... FOR UPDATE`` (and constraints are the last line of defence).

    Objects loaded so far stay loaded (nothing was written, so nothing is stale to us).
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.new or session.dirty or session.deleted:
        return  # already writing: SQLite's single writer lock is, or will be, ours
    if session.in_transaction():
        keep = session.expire_on_commit
        session.expire_on_commit = False
        try:
            session.commit()
        finally:
            session.expire_on_commit = keep
    session.connection(execution_options={"innocore_immediate": True})
