"""Bookings that lost their footing: the user's certificate ended, or the instrument went down.

Both use cases find the active bookings concerned, flag them (or cancel them, when the facility
chose so for certificate ends), and tell the owner and the facility's staff (its contact
address). Called by other services inside their transaction; they flush, never commit.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from innocore import clock
from innocore.accounts.models import User
from innocore.extensions import db
from innocore.links import absolute_url
from innocore.notifications import kinds
from innocore.notifications.services import queue_email
from instruments.eligibility import eligibility_of
from instruments.models import ACTIVE_STATUSES, Booking, BookingStatus, Instrument
from instruments.services.booking_settings import cancels_on_certificate_end
from instruments.services.bookings import finish
from instruments.services.common import notify, record_change


def _active_after(now: datetime):
    return sa.select(Booking).where(Booking.status.in_(ACTIVE_STATUSES), Booking.ends_at > now)


def review_bookings_after_certificate_end(
    user_id: int, competence_id: int, reason: str, actor: User | None = None
) -> list[Booking]:
    """The user's bookings not yet ended, on instruments requiring ``competence_id``, that the
    user no longer holds the competence for (asked through the eligibility seam, so another
    valid certificate still counts): cancelled when the facility chose so, else flagged; the
    user and the facility are told. Returns the bookings changed."""
    now = clock.now()
    rows = db_rows(
        _active_after(now)
        .join(Instrument, Instrument.id == Booking.instrument_id)
        .where(Booking.user_id == user_id, Instrument.required_competence_id == competence_id)
        .order_by(Booking.starts_at)
    )
    changed = []
    for booking in rows:
        instrument = booking.instrument
        held = eligibility_of(user_id, competence_id, booking.starts_at)
        if held.meets(instrument.required_level, booking.ends_at):
            continue
        cancel = cancels_on_certificate_end(instrument.facility_id)
        _flag_or_cancel(booking, actor, f"Certificate no longer valid: {reason}", cancel=cancel)
        changed.append(booking)
    return changed


def flag_bookings_of_down_instrument(instrument: Instrument, reason: str, actor: User) -> list:
    """An instrument went down (high-severity problem report): every active booking not yet
    ended is flagged until staff resolve it; owners and the facility are told."""
    rows = db_rows(
        _active_after(clock.now())
        .where(Booking.instrument_id == instrument.id)
        .order_by(Booking.starts_at)
    )
    for booking in rows:
        _flag_or_cancel(booking, actor, f"Instrument out of service: {reason}", cancel=False)
    return rows


def db_rows(stmt) -> list[Booking]:
    return list(db.session.scalars(stmt))


def _flag_or_cancel(booking: Booking, actor: User | None, reason: str, *, cancel: bool) -> None:
    reason = reason[:300]
    if cancel:
        finish(booking, actor, BookingStatus.CANCELLED, reason)
        subject, message = _l("Booking cancelled"), _l("Your booking is cancelled.")
        notify(booking, subject, message, method="CANCEL", reason=reason, kind=kinds.STAFF_CHANGES)
    else:
        booking.flagged = reason
        booking.updated_at = clock.now()
        record_change(booking, actor, "flagged", reason)
        subject = _l("Your booking needs attention")
        message = _l(
            "Your booking can no longer go ahead as planned; the facility will contact you."
        )
        notify(booking, subject, message, reason=reason, kind=kinds.STAFF_CHANGES)
    queue_email(
        booking.instrument.facility.contact_email,
        _l(
            "%(subject)s: %(instrument)s (%(person)s)",
            subject=subject,
            instrument=booking.instrument.name,
            person=booking.user.name,
        ),
        "booking_notice",
        kind=kinds.STAFF_WORK,
        link=absolute_url("instruments.booking_page", booking_id=booking.id),
        booking=booking,
        message=_l("The booking of %(name)s was cancelled.", name=booking.user.name)
        if cancel
        else _l("The booking of %(name)s was flagged for your attention.", name=booking.user.name),
        reason=reason,
    )
