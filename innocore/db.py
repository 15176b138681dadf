"""Database foundations: declarative base, naming convention, UTC timestamps, SQLite pragmas."""

from __future__ import annotations

import enum
import random
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

T = TypeVar("T")

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


class StoredFile:
    """The columns of a table of uploaded files kept in the database (a challenge's, a
    placement's): mixed into a model that declares its ``id`` and its owner's key. The bytes load
    only when read (``deferred``). ``of_upload`` makes a row from an upload (anything with
    ``filename``, ``content_type`` and ``data``), which ``innocore.uploads`` checked."""

    filename: Mapped[str] = mapped_column(sa.String(200), sort_order=1)
    content_type: Mapped[str] = mapped_column(sa.String(100), sort_order=1)
    size_bytes: Mapped[int] = mapped_column(sort_order=1)
    # nullable as the migrations made it (the service always writes the bytes)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, nullable=True, deferred=True, sort_order=1)
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), sort_order=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), sort_order=1)

    @classmethod
    def of_upload(cls, upload, *, by_id: int, at: datetime, **owner):
        """A row for ``upload`` (its name cut to 200 characters, "file" when empty), uploaded by
        the user ``by_id`` at the UTC instant ``at``; ``owner``: the owner's key column."""
        return cls(
            filename=upload.filename[:200] or "file",
            content_type=upload.content_type,
            size_bytes=len(upload.data),
            data=upload.data,
            uploaded_by_id=by_id,
            created_at=at,
            **owner,
        )


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


# The connection's write state, kept per SQLite connection: True once it holds the write lock
# (BEGIN IMMEDIATE, or a write statement went through); reset at every BEGIN, COMMIT and ROLLBACK.
WRITE_LOCK = "innocore_write_lock"
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _writes_expected() -> bool:
    """Replaced by the app (``innocore.transactions.writes_expected``); alone, every BEGIN is
    immediate: a transaction nobody described may write."""
    return True


def set_write_intent(func: Callable[[], bool]) -> None:
    """Install the function that tells whether the transaction about to begin may write."""
    global _writes_expected
    _writes_expected = func


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    """SQLite: ``BEGIN IMMEDIATE`` for every transaction that may write, a plain ``BEGIN`` for reads.

    A deferred transaction that reads and then writes cannot wait for the write lock: SQLite
    refuses it at once ("database is locked", SQLITE_BUSY_SNAPSHOT) when another writer committed
    after its first read. Taking the lock at BEGIN makes writers queue on the busy timeout
    instead, while readers stay concurrent (WAL). The execution option ``innocore_immediate``
    overrides the intent for one transaction.
    """
    if conn.dialect.name != "sqlite":
        return
    immediate = conn.get_execution_options().get("innocore_immediate")
    if immediate is None:
        immediate = _writes_expected()
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
    conn.info[WRITE_LOCK] = bool(immediate)


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _sqlite_end(conn):
    if conn.dialect.name == "sqlite":
        conn.info[WRITE_LOCK] = False


@event.listens_for(Engine, "after_cursor_execute")
def _sqlite_wrote(conn, cursor, statement, parameters, context, executemany):
    """A write statement that went through means this connection now holds the write lock."""
    if conn.dialect.name == "sqlite" and statement.lstrip()[:7].upper().startswith(_WRITES):
        conn.info[WRITE_LOCK] = True


def holds_write_lock(session) -> bool:
    """SQLite: whether the session's transaction already holds the database's write lock."""
    if not session.in_transaction():
        return False
    return bool(session.connection().info.get(WRITE_LOCK))


_RACE_STATES = {"40001", "40P01", "23505"}  # PostgreSQL: serialization, deadlock, unique key


def lost_race(exc: BaseException) -> bool:
    """Whether a database error means another transaction won a race, so that running the same
    (idempotent) unit of work again is the answer: SQLite's lock wait ran out ("database is
    locked"), PostgreSQL's serialization failure or deadlock, or a unique key inserted first by
    another writer."""
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    if getattr(exc.orig, "sqlstate", None) in _RACE_STATES:
        return True
    text = str(exc.orig)
    if isinstance(exc, sa.exc.OperationalError):
        return "database is locked" in text or "database is busy" in text
    return isinstance(exc, sa.exc.IntegrityError) and "UNIQUE constraint failed" in text


def commit_retrying(session, work: Callable[[], T], *, attempts: int = 5) -> T:
    """Run ``work()`` and commit; if it loses a race (``lost_race``), roll back and run it again,
    at most ``attempts`` times (SQLite waits up to its busy timeout on each). For small units of
    work that must not be lost, such as recording that an e-mail went out. Returns what ``work``
    returned; the last error is raised."""
    for attempt in range(1, attempts + 1):
        try:
            result = work()
            session.commit()
            return result
        except sa.exc.DBAPIError as exc:
            session.rollback()
            if attempt == attempts or not lost_race(exc):
                raise
            time.sleep(random.uniform(0.05, 0.2) * attempt)  # noqa: S311 (jitter, not secrets)
    raise AssertionError("unreachable")


SERIALISED = "innocore_serialised"  # session.info: the transaction declared a writer


def begin_serialised_write(session) -> None:
    """Make sure the session's transaction holds SQLite's write lock before a check-then-write,
    and declare it a writer (see ``innocore.transactions``).

    Requests that change state, jobs and CLI commands begin ``IMMEDIATE`` already, so on SQLite
    this usually does nothing. A read transaction (a GET that records a token's use, a view
    marked ``reads_first`` after its slow part) is committed (nothing was written; objects loaded
    so far stay loaded) and a ``BEGIN IMMEDIATE`` transaction starts, waiting its turn on the busy
    timeout. Pending changes are flushed instead: a deferred transaction that has written holds
    the lock. On PostgreSQL no lock is taken here: callers lock the contended row with
    ``SELECT ... FOR UPDATE`` (and constraints are the last line of defence).
    """
    if session.get_bind().dialect.name == "sqlite" and not holds_write_lock(session):
        _take_write_lock(session)
    session.connection()  # the transaction exists, so it can be named
    session.info[SERIALISED] = session.get_transaction()


def _take_write_lock(session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()
        if holds_write_lock(session):
            return
    if session.in_transaction():
        keep = session.expire_on_commit
        session.expire_on_commit = False
        try:
            session.commit()
        finally:
            session.expire_on_commit = keep
    session.connection(execution_options={"innocore_immediate": True})


def unique_violated(exc: BaseException, name: str, columns: tuple = ()) -> bool:
    """Whether ``exc`` is the database refusing a row because of the unique index or constraint
    ``name`` (PostgreSQL names it; SQLite names an expression index, and lists ``columns``,
    mapped columns such as ``Facility.slug``, for a plain one)."""
    if not isinstance(exc, sa.exc.IntegrityError):
        return False
    named = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    if named:
        return named == name
    text = str(exc.orig)
    if f'"{name}"' in text or f"'{name}'" in text:
        return True
    listed = ", ".join(f"{c.table.name}.{c.name}" for c in columns)
    return bool(listed) and text.endswith(f"UNIQUE constraint failed: {listed}")
