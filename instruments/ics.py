"""Bookings as iCalendar events: one stable UID for life, SEQUENCE raised on every change."""

from __future__ import annotations

from innocore import clock
from innocore.accounts.services import external_url
from innocore.calendar import CalendarEvent, build_calendar
from instruments.models import Booking, BookingStatus


def booking_event(booking: Booking, *, show_user: bool = True) -> CalendarEvent:
    instrument = booking.instrument
    facility = instrument.facility
    summary = instrument.name
    if show_user:
        summary += f" – {booking.user.name}"
    if booking.status == BookingStatus.PENDING:
        summary += " (awaiting approval)"
    return CalendarEvent(
        uid=booking.uid,
        sequence=booking.sequence,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        summary=summary,
        timezone=facility.timezone,
        stamp=booking.updated_at or clock.now(),
        description=booking.purpose or "",
        location=", ".join(x for x in (instrument.location, facility.name) if x),
        url=external_url("instruments.booking_page", booking_id=booking.id),
        cancelled=booking.status in (BookingStatus.CANCELLED, BookingStatus.REJECTED),
        organizer_email=facility.contact_email,
        organizer_name=facility.name,
        attendees=[(booking.user.email, booking.user.name)],
    )


def booking_ics(booking: Booking, method: str | None = None) -> str:
    """A one-event calendar for "add to calendar" (no method) or an e-mail (REQUEST/CANCEL)."""
    return build_calendar([booking_event(booking)], method=method)
