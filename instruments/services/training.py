"""Instrument time held for training sessions (called by the training package)."""

from __future__ import annotations

import uuid
from datetime import datetime

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.errors import Forbidden, NotFound
from innocore.extensions import db
from innocore.marks import N_
from innocore.permissions import can_teach_at
from instruments import rules
from instruments.models import ACTIVE_STATUSES, Booking, BookingStatus, Instrument
from instruments.permissions import can_book_for_others
from instruments.queries import busy_between, policy_of
from instruments.services.bookings import finish
from instruments.services.common import (
    flush_or_conflict,
    lock_instrument,
    raise_if,
    record_change,
)


def _may_reserve(actor: User, instrument: Instrument) -> bool:
    return can_book_for_others(actor, instrument) or can_teach_at(actor, instrument.facility)


def reserve_instrument_time(
    actor: User, instrument_id: int, starts_at: datetime, ends_at: datetime, *, purpose: str
) -> Booking:
    """Hold instrument time for a training session: a confirmed booking by facility staff.

    Respects conflicts, downtime and the instrument's status; raises ``DomainError``.
    """
    instrument = lock_instrument(instrument_id)
    if not _may_reserve(actor, instrument):
        raise Forbidden(N_("Only the facility's staff and trainers reserve instrument time."))
    req = rules.BookingRequest(starts_at, ends_at, actor.id, None, purpose)
    problems = (
        rules.interval_problems(req)
        + rules.text_problems(req)
        + rules.status_problems(policy_of(instrument))
    )
    if not problems:
        problems = rules.conflict_problems(req, busy_between([instrument.id], starts_at, ends_at))
    raise_if(problems)
    now = clock.now()
    booking = Booking(
        instrument=instrument,
        user=actor,
        booked_by=actor,
        starts_at=starts_at,
        ends_at=ends_at,
        status=BookingStatus.CONFIRMED,
        purpose=purpose,
        project="",
        for_training=True,
        uid=f"booking-{uuid.uuid4().hex}@innocore",
        sequence=0,
        created_at=now,
        updated_at=now,
    )
    db.session.add(booking)
    flush_or_conflict()
    record_change(booking, actor, "created", N_("training"))
    audit.record(
        actor,
        "booking.reserve_training",
        booking,
        audit.snapshot(booking),
        facility_id=instrument.facility_id,
    )
    return booking


def release_instrument_time(actor: User, booking_id: int, reason: str) -> None:
    """Free instrument time held for a training session."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or not booking.for_training:
        raise NotFound(N_("No such training reservation."))
    if not _may_reserve(actor, booking.instrument):
        raise Forbidden(N_("Only the facility's staff and trainers release instrument time."))
    if booking.status in ACTIVE_STATUSES:
        finish(booking, actor, BookingStatus.CANCELLED, reason)
