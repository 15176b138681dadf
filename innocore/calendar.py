"""iCalendar (RFC 5545) building with the ``icalendar`` library.

One stable UID per booking/session for its whole life, SEQUENCE raised on every change,
METHOD:REQUEST/CANCEL for e-mail invitations, and a VTIMEZONE for every TZID we use (Outlook needs it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress, vText

PRODID = "-//InnoCore//Core facility platform//EN"


@dataclass
class CalendarEvent:
    uid: str  # stable for life, e.g. "booking-42@innocore.example.org"
    sequence: int  # raised on every change
    starts_at: datetime  # aware
    ends_at: datetime  # aware
    summary: str
    timezone: str  # IANA zone the event is expressed in (the facility's)
    stamp: datetime  # when this version was produced (DTSTAMP), aware
    description: str = ""
    location: str = ""
    url: str | None = None
    cancelled: bool = False
    organizer_email: str | None = None
    organizer_name: str | None = None
    attendees: list[tuple[str, str]] = field(default_factory=list)  # (email, name)
    categories: list[str] = field(default_factory=list)


def build_calendar(
    events: list[CalendarEvent], *, method: str | None = None, name: str | None = None
) -> str:
    """A VCALENDAR with the events and one VTIMEZONE per zone used."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    zones = sorted({e.timezone for e in events})
    for zone in zones:
        cal.add_component(_vtimezone(zone, events))
    for event in events:
        cal.add_component(_vevent(event))
    return cal.to_ical().decode()


def _vtimezone(zone: str, events: list[CalendarEvent]) -> Timezone:
    used = [e for e in events if e.timezone == zone]
    first = min(e.starts_at for e in used).astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    last = max(e.ends_at for e in used).astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    # Cover a year either side so every offset change near the events is described.
    return Timezone.from_tzid(
        zone,
        first_date=first.date() - timedelta(days=366),
        last_date=last.date() + timedelta(days=366),
    )


def _vevent(e: CalendarEvent) -> Event:
    tz = ZoneInfo(e.timezone)
    ev = Event()
    ev.add("uid", e.uid)
    ev.add("sequence", e.sequence)
    ev.add("dtstamp", e.stamp)
    ev.add("dtstart", e.starts_at.astimezone(tz))
    ev.add("dtend", e.ends_at.astimezone(tz))
    ev.add("summary", e.summary)
    if e.description:
        ev.add("description", e.description)
    if e.location:
        ev.add("location", e.location)
    if e.url:
        ev.add("url", e.url)
    if e.categories:
        ev.add("categories", e.categories)
    ev.add("status", "CANCELLED" if e.cancelled else "CONFIRMED")
    if e.organizer_email:
        organizer = vCalAddress(f"mailto:{e.organizer_email}")
        if e.organizer_name:
            organizer.params["cn"] = vText(e.organizer_name)
        ev.add("organizer", organizer)
    for email, name in e.attendees:
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["cn"] = vText(name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        ev.add("attendee", attendee, encode=0)
    return ev
