"""The no-show job: a confirmed booking nobody checked in to by its facility's deadline becomes a
no-show, its slot is released and its user is told (``services.usage.release_no_show``).

Only facilities that set ``no_show_grace_minutes`` take part, and only for bookings starting
after they turned the rule on; instrument time held for training or booked by staff for a service
request is never a no-show. Exactly once under any number of schedulers: each booking is
changed by a compare-and-set under its instrument's lock, and the e-mail and audit follow only
the call that made the change.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from innocore import clock
from innocore.extensions import db
from instruments.models import Booking, BookingStatus, FacilityBookingSettings, Instrument
from instruments.requests.models import RequestBooking
from instruments.services.common import lock_instrument
from instruments.services.usage import release_no_show

BATCH = 200


def _due_stmt(now: datetime) -> sa.Select | None:
    """Ids and instruments of bookings past their facility's no-show deadline, or None when no
    facility has the rule (one query on the settings, a handful of rows)."""
    rules = db.session.execute(
        sa.select(
            FacilityBookingSettings.facility_id,
            FacilityBookingSettings.no_show_grace_minutes,
            FacilityBookingSettings.no_show_since,
        ).where(FacilityBookingSettings.no_show_grace_minutes.is_not(None))
    ).all()
    if not rules:
        return None
    due = sa.or_(
        *(
            sa.and_(
                Instrument.facility_id == fid,
                Booking.starts_at <= now - timedelta(minutes=grace),
                Booking.starts_at >= since,
            )
            for fid, grace, since in rules
        )
    )
    return (
        sa.select(Booking.id, Booking.instrument_id)
        .join(Instrument, Instrument.id == Booking.instrument_id)
        .where(
            Booking.status == BookingStatus.CONFIRMED,
            Booking.checked_in_at.is_(None),
            Booking.for_training.is_(False),
            ~sa.exists(
                sa.select(RequestBooking.booking_id).where(RequestBooking.booking_id == Booking.id)
            ),
            due,
        )
        .order_by(Booking.instrument_id, Booking.id)
        .limit(BATCH)
    )


def release_no_shows(now: datetime | None = None) -> int:
    """Job: mark the due bookings as no-shows (at most ``BATCH`` a run); returns how many this
    run changed (a booking another scheduler or a check-in got first is not counted)."""
    now = now or clock.now()
    stmt = _due_stmt(now)
    if stmt is None:
        return 0
    made = 0
    for booking_id, instrument_id in db.session.execute(stmt).all():
        lock_instrument(instrument_id)  # in instrument order: no two runs wait on each other
        booking = db.session.get(Booking, booking_id)
        made += release_no_show(booking, now)
    return made
