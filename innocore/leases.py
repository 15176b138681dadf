"""Job leases: at most one process runs a given scheduled job at a time, however many schedulers.

One row per job name. A process takes the lease with compare-and-set (free, expired, or already
its own), keeps it alive from a background thread while the job runs, and gives it back at the
end. Portable: plain rows and ``UPDATE ... WHERE``, the same on SQLite and PostgreSQL. A process
that stalls past its lease loses it (the renewal finds another holder) and the next scheduler may
run the job: jobs stay idempotent, so that costs only work, never a second e-mail.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from innocore.db import UTCDateTime
from innocore.extensions import db

log = logging.getLogger(__name__)


class JobLease(db.Model):
    __tablename__ = "job_lease"

    name: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    holder: Mapped[str | None] = mapped_column(sa.String(120))
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<JobLease {self.name} holder={self.holder} until={self.leased_until}>"


def holder_id() -> str:
    """A name for one run of one process: host, process id and a random suffix."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _now() -> datetime:
    # Leases measure real elapsed time between processes: never the app's (testable) clock.
    return datetime.now(UTC)


def _insert_missing(conn: sa.Connection, name: str) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(JobLease).values(name=name, holder=None, leased_until=None)
    conn.execute(stmt.on_conflict_do_nothing(index_elements=["name"]))


def acquire(conn: sa.Connection, name: str, holder: str, seconds: int) -> str | None:
    """Take the lease of job ``name`` for ``seconds`` (compare-and-set, committed by the caller).

    Returns ``None`` when taken, else the current holder's name (another process runs the job).
    """
    _insert_missing(conn, name)
    now = _now()
    taken = conn.execute(
        sa.update(JobLease)
        .where(JobLease.name == name)
        .where(
            sa.or_(
                JobLease.holder.is_(None),
                JobLease.leased_until < now,
                JobLease.holder == holder,
            )
        )
        .values(holder=holder, leased_until=now + timedelta(seconds=seconds))
    ).rowcount
    if taken == 1:
        return None
    return conn.scalar(sa.select(JobLease.holder).where(JobLease.name == name)) or "?"


def renew(conn: sa.Connection, name: str, holder: str, seconds: int) -> bool:
    """Extend a lease we hold; ``False`` if it is no longer ours (we stalled past it)."""
    return (
        conn.execute(
            sa.update(JobLease)
            .where(JobLease.name == name, JobLease.holder == holder)
            .values(leased_until=_now() + timedelta(seconds=seconds))
        ).rowcount
        == 1
    )


def release(conn: sa.Connection, name: str, holder: str) -> None:
    """Give the lease back (only if still ours)."""
    conn.execute(
        sa.update(JobLease)
        .where(JobLease.name == name, JobLease.holder == holder)
        .values(holder=None, leased_until=None)
    )


class Lease:
    """A held lease, renewed every third of its length (from a thread, on a connection of its
    own) until ``close()``; ``lost`` tells whether another process took it meanwhile."""

    def __init__(self, engine: sa.Engine, name: str, holder: str, seconds: int):
        self.engine, self.name, self.holder, self.seconds = engine, name, holder, seconds
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._keep, name=f"lease {name}", daemon=True)
        self._thread.start()

    def _keep(self) -> None:
        while not self._stop.wait(self.seconds / 3):
            try:
                with self.engine.begin() as conn:
                    if not renew(conn, self.name, self.holder, self.seconds):
                        self.lost = True
                        log.warning("lease of job %s lost: another process holds it", self.name)
                        return
            except sa.exc.DBAPIError:
                log.warning("lease of job %s: renewal failed, trying again", self.name)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


@contextmanager
def held(session, engine: sa.Engine, name: str, seconds: int):
    """``with held(session, engine, name, seconds) as lease:`` runs the body while this process
    holds the lease of job ``name``; ``lease`` is ``None`` when another process holds it (the
    body must then skip the job). Taking and giving back commit ``session``; renewals use
    ``engine``."""
    holder = holder_id()
    other = acquire(session.connection(), name, holder, seconds)
    session.commit()
    if other is not None:
        yield None
        return
    lease = Lease(engine, name, holder, seconds)
    try:
        yield lease
    finally:
        lease.stop()
        session.rollback()  # whatever the body left unfinished
        release(session.connection(), name, holder)
        session.commit()
