"""What every booking use case shares: the per-instrument write lock, history, problems, mail."""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, joinedload

from innocore import clock
from innocore.accounts.models import User
from innocore.accounts.services import external_url
from innocore.db import begin_serialised_write
from innocore.errors import DomainError, NotFound, Problem
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.notifications.services import queue_email
from instruments import rules
from instruments.ics import booking_ics
from instruments.models import Booking, BookingChange, Instrument
from instruments.permissions import can_see_booking

WRITE_TX = "instruments_write_tx"  # session.info key: the transaction we serialised on SQLite
WROTE_IN = "instruments_wrote_in"  # session.info key: the last transaction that wrote
LOCKED = "instruments_locked"  # session.info key: (transaction, {instrument id: instrument})
BUSY = Problem(
    "schedule_busy",
    "The schedule changed while this request was being prepared; please try again.",
)


# ---- serialising writes per instrument --------------------------------------------------------


@cache
def _policy_stmt() -> sa.Select:
    """The instrument with everything a booking rule needs (facility, hours, rates): one query.

    Built once (``:instrument_id`` bound at execution): composing it costs more than running it.
    """
    return (
        sa.select(Instrument)
        .where(Instrument.id == sa.bindparam("instrument_id"))
        .options(
            joinedload(Instrument.facility).lazyload(Facility.technology_rows),
            joinedload(Instrument.opening_hours),
            joinedload(Instrument.rates),
        )
        .execution_options(populate_existing=True)
    )


@cache
def _policy_stmt_for_update() -> sa.Select:
    return _policy_stmt().with_for_update(of=Instrument)


def lock_instrument(instrument_id: int) -> Instrument:
    """Serialise writes on one instrument: PostgreSQL row lock, SQLite write transaction.

    Call it at the start of a write use case, before the rules read the schedule. Returns the
    instrument freshly loaded with its facility, opening hours and rates in one query.
    """
    session = db.session()
    tx, locked = session.info.get(LOCKED, (None, {}))
    if tx is not session.get_transaction():
        locked = {}
    if instrument_id in locked:  # already locked and loaded in this transaction
        return locked[instrument_id]
    if session.get_bind().dialect.name == "sqlite":
        _serialise_on_sqlite(session)
        stmt = _policy_stmt()
    else:
        stmt = _policy_stmt_for_update()
    params = {"instrument_id": instrument_id}
    instrument = session.execute(stmt, params).unique().scalar_one_or_none()
    if instrument is None:
        raise NotFound("No such instrument.")
    locked[instrument_id] = instrument
    session.info[LOCKED] = (session.get_transaction(), locked)
    return instrument


def _serialise_on_sqlite(session) -> None:
    """Take SQLite's single write lock before the schedule is read, once per transaction.

    Normally the kernel's ``begin_serialised_write`` ends the read-only transaction and starts
    ``BEGIN IMMEDIATE``. If the caller has already written in this transaction, committing would
    split the caller's unit of work, so we flush instead: a transaction that has written holds
    SQLite's write lock until it ends, and it can only have written on the newest snapshot, so
    the check and the insert that follow are serialised all the same. That flush is refused
    when another writer committed after this transaction first read; we turn that into a clear,
    retryable problem (409) rather than "database is locked".
    """
    tx = session.get_transaction()
    if tx is not None and session.info.get(WRITE_TX) is tx:
        return
    if _has_written(session):
        _flush_or_busy(session)
    if session.info.get(WROTE_IN) is not session.get_transaction():
        begin_serialised_write(session)  # nothing written (even by that flush): start afresh
    session.info[WRITE_TX] = session.get_transaction()


def _flush_or_busy(session) -> None:
    try:
        session.flush()
    except OperationalError as exc:
        if "locked" not in str(exc.orig) and "busy" not in str(exc.orig):
            raise
        session.rollback()
        raise DomainError(BUSY, status=409) from None


def _has_written(session) -> bool:
    """Pending changes, or rows already written in this transaction (flush or ORM DML)."""
    if session.new or session.dirty or session.deleted:
        return True
    return session.info.get(WROTE_IN) is session.get_transaction()


def _flushed(session, _context) -> None:
    session.info[WROTE_IN] = session.get_transaction()


def _executed(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE_IN] = state.session.get_transaction()


# Which transaction wrote last, for every session (SQLAlchemy keeps no reliable public record).
for _name, _hook in (("after_flush", _flushed), ("do_orm_execute", _executed)):
    if not sa.event.contains(Session, _name, _hook):
        sa.event.listen(Session, _name, _hook)


def flush_or_conflict() -> None:
    """Flush; the PostgreSQL exclusion constraint becomes the same conflict problem (409)."""
    try:
        db.session.flush()
    except IntegrityError as exc:
        if "ex_booking_no_overlap" in str(exc.orig) or "23P01" in str(
            getattr(exc.orig, "sqlstate", "")
        ):
            raise DomainError(rules.RACE_CONFLICT, status=409) from None
        raise


def raise_if(problems: list[Problem]) -> None:
    if problems:
        conflict_only = all(p.code == "conflict" for p in problems)
        raise DomainError(problems, status=409 if conflict_only else 422)


# ---- reading, history, mail ------------------------------------------------------------------


def get_booking(actor: User, booking_id: int) -> Booking:
    """A booking the actor may see (their own, or any at a facility they staff); else 404."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or not can_see_booking(actor, booking):
        raise NotFound("No such booking.")
    return booking


def record_change(
    booking: Booking, actor: User | None, action: str, note: str = "", old=None
) -> None:
    db.session.add(
        BookingChange(
            booking_id=booking.id,
            actor_id=actor.id if actor else None,
            changed_at=clock.now(),
            action=action,
            old_starts_at=old[0] if old else None,
            old_ends_at=old[1] if old else None,
            new_starts_at=booking.starts_at,
            new_ends_at=booking.ends_at,
            note=note[:1000],
        )
    )


def notify(booking: Booking, subject: str, message: str, *, method: str = "REQUEST", reason=None):
    """Queue the owner's e-mail with the booking as an iCalendar invitation (built once)."""
    queue_email(
        booking.user,
        f"{subject}: {booking.instrument.name}",
        "booking_notice",
        link=external_url("instruments.booking_page", booking_id=booking.id),
        ics=booking_ics(booking, method),
        ics_method=method,
        booking=booking,
        message=message,
        reason=reason,
    )
