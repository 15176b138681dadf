"""What every booking use case shares: the per-instrument write lock, history, problems, mail."""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from innocore import clock
from innocore.accounts.models import User
from innocore.db import begin_serialised_write
from innocore.errors import DomainError, NotFound, Problem
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.links import absolute_url
from innocore.marks import N_
from innocore.notifications import kinds
from innocore.notifications.services import queue_email
from instruments import rules
from instruments.ics import booking_ics
from instruments.models import Booking, BookingChange, Instrument
from instruments.permissions import can_see_booking

LOCKED = "instruments_locked"  # session.info key: (transaction, {instrument id: instrument})


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
        begin_serialised_write(session)  # usually held already: writers begin IMMEDIATE
        stmt = _policy_stmt()
    else:
        stmt = _policy_stmt_for_update()
    params = {"instrument_id": instrument_id}
    instrument = session.execute(stmt, params).unique().scalar_one_or_none()
    if instrument is None:
        raise NotFound(N_("No such instrument."))
    locked[instrument_id] = instrument
    session.info[LOCKED] = (session.get_transaction(), locked)
    return instrument


def acting_for(actor: User, user: User) -> str | None:
    """The booked person's name when ``actor`` is someone else (``BookingRequest.for_name``),
    so the rules' problems speak about them to the actor; None when they act themselves."""
    return None if actor.id == user.id else user.name


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
        raise NotFound(N_("No such booking."))
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


def notify(
    booking: Booking,
    subject,
    message,
    *,
    method: str = "REQUEST",
    reason=None,
    by: User | None = None,
    kind: str | None = None,
):
    """Queue the owner's e-mail with the booking as an iCalendar invitation (built once).
    ``subject`` and ``message`` are lazy strings (``_l``): written in the owner's language.

    Its kind is ``kind`` when given, else "staff changes" (always sent) when ``by`` is someone
    other than the owner, else "your own bookings" (which the owner may turn off)."""
    if kind is None:
        kind = (
            kinds.STAFF_CHANGES if by is not None and by.id != booking.user_id else kinds.BOOKINGS
        )
    queue_email(
        booking.user,
        _l("%(subject)s: %(instrument)s", subject=subject, instrument=booking.instrument.name),
        "booking_notice",
        kind=kind,
        link=absolute_url("instruments.booking_page", booking_id=booking.id),
        ics=booking_ics(booking, method),
        ics_method=method,
        booking=booking,
        message=message,
        reason=reason,
    )
