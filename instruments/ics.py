"""Bookings as iCalendar events: one stable UID for life, SEQUENCE raised on every change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from innocore import clock
from innocore.calendar import CalendarEvent, build_calendar, invitation
from innocore.links import absolute_url
from instruments.models import Booking, BookingStatus


@dataclass(frozen=True)
class BookingFacts:
    """What an event says about a booking: from an ORM booking, or from one feed query row."""

    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    status: BookingStatus
    purpose: str
    updated_at: datetime | None
    instrument_name: str
    location: str
    facility_name: str
    timezone: str
    contact_email: str | None
    user_name: str
    user_email: str
    url: str


def booking_event_of(
    b: BookingFacts, *, full: bool = True, show_user: bool = True
) -> CalendarEvent:
    """The booking as an event; ``full=False`` makes it a busy block (no name, e-mail, purpose or
    link) for readers who may not see whose booking it is (``booking_visible_in_full``)."""
    if not full:
        return CalendarEvent(
            uid=b.uid,
            sequence=b.sequence,
            starts_at=b.starts_at,
            ends_at=b.ends_at,
            summary=f"{b.instrument_name}: booked",
            timezone=b.timezone,
            stamp=b.updated_at or clock.now(),
            location=", ".join(x for x in (b.location, b.facility_name) if x),
            cancelled=b.status in (BookingStatus.CANCELLED, BookingStatus.REJECTED),
        )
    summary = b.instrument_name
    if show_user:
        summary += f" – {b.user_name}"
    if b.status == BookingStatus.PENDING:
        summary += " (awaiting approval)"
    return CalendarEvent(
        uid=b.uid,
        sequence=b.sequence,
        starts_at=b.starts_at,
        ends_at=b.ends_at,
        summary=summary,
        timezone=b.timezone,
        stamp=b.updated_at or clock.now(),
        description=b.purpose or "",
        location=", ".join(x for x in (b.location, b.facility_name) if x),
        url=b.url,
        cancelled=b.status in (BookingStatus.CANCELLED, BookingStatus.REJECTED),
        organizer_email=b.contact_email,
        organizer_name=b.facility_name,
        attendees=[(b.user_email, b.user_name)],
    )


def booking_event(booking: Booking, *, show_user: bool = True) -> CalendarEvent:
    instrument, facility, user = booking.instrument, booking.instrument.facility, booking.user
    facts = BookingFacts(
        uid=booking.uid,
        sequence=booking.sequence,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        status=booking.status,
        purpose=booking.purpose,
        updated_at=booking.updated_at,
        instrument_name=instrument.name,
        location=instrument.location,
        facility_name=facility.name,
        timezone=facility.timezone,
        contact_email=facility.contact_email,
        user_name=user.name,
        user_email=user.email,
        url=absolute_url("instruments.booking_page", booking_id=booking.id),
    )
    return booking_event_of(facts, show_user=show_user)


def booking_ics(booking: Booking, method: str | None = None) -> str:
    """A one-event calendar for "add to calendar" (no method) or an e-mail invitation to the
    person the booking is for (REQUEST/CANCEL, RFC 5546, the kernel's ``invitation``)."""
    event = booking_event(booking)
    if method is None:
        return build_calendar([event])
    facility = booking.instrument.facility
    return invitation(
        [event],
        method,
        attendee=(booking.user.email, booking.user.name),
        organizer=(facility.contact_email, facility.name),
        stamp=clock.now(),
    )
