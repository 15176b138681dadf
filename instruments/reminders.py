"""The reminder job: one e-mail (with the booking's iCalendar invitation) before each booking."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from innocore import clock
from innocore.extensions import db
from innocore.links import absolute_url
from innocore.notifications import kinds
from innocore.notifications.services import queue_email
from instruments.ics import booking_ics
from instruments.models import Booking, BookingStatus, FacilityBookingSettings
from instruments.services.booking_settings import DEFAULT_REMINDER_HOURS


def send_reminders() -> int:
    """Queue one reminder per confirmed booking, ``reminder_hours`` before it (per facility).

    Exactly once: the dedupe key names the booking and its start, so re-runs and a second
    scheduler queue nothing twice, while a moved booking gets a reminder for its new time.
    """
    now = clock.now()
    leads = dict(
        db.session.execute(
            sa.select(FacilityBookingSettings.facility_id, FacilityBookingSettings.reminder_hours)
        ).all()
    )
    horizon = max([DEFAULT_REMINDER_HOURS, *leads.values()])
    bookings = db.session.scalars(
        sa.select(Booking)
        .where(
            Booking.status == BookingStatus.CONFIRMED,
            Booking.starts_at > now,
            Booking.starts_at <= now + timedelta(hours=horizon),
            Booking.for_training.is_(False),
        )
        .options(selectinload(Booking.user), selectinload(Booking.instrument))
    ).all()
    queued = 0
    for booking in bookings:
        lead = leads.get(booking.instrument.facility_id, DEFAULT_REMINDER_HOURS)
        if lead == 0 or booking.starts_at > now + timedelta(hours=lead):
            continue
        note = queue_email(
            booking.user,
            _l("Reminder: %(instrument_name)s", instrument_name=booking.instrument.name),
            "booking_notice",
            kind=kinds.REMINDERS,
            link=absolute_url("instruments.booking_page", booking_id=booking.id),
            ics=booking_ics(booking, "REQUEST"),
            ics_method="REQUEST",
            dedupe_key=f"booking-reminder:{booking.id}:{booking.starts_at.isoformat()}",
            booking=booking,
            message="A reminder of your upcoming booking.",
            reason=None,
        )
        queued += note is not None
    return queued
