"""iCalendar (RFC 5545) building with the ``icalendar`` library.

One stable UID per booking/session for its whole life, SEQUENCE raised on every change,
METHOD:REQUEST/CANCEL for e-mail invitations, and a VTIMEZONE for every TZID we use (Outlook needs it).

Readers other than ours must read the same instants (khal, ical.js as in Thunderbird, dateutil/vobject;
the suite checks with all three): an event that touches a repeated local hour (the autumn fold) is
written in UTC (``…Z``), because its wall-clock text would name two instants, and each VTIMEZONE
observance lists one RDATE per line (ical.js and dateutil read only the first of a comma list).

Feeds can hold thousands of events, so events are written with the library's own value encoders
(``vText``, ``vDatetime``, ``dquote``, ``Contentline`` folding) line by line instead of through a component
tree (about 10x faster); VTIMEZONE blocks come from ``Timezone.from_tzid`` and are cached per zone
and year range. A test parses our output back with ``icalendar`` to keep both paths honest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import Response, request

# ``icalendar`` is imported by the functions that write (on first use): a worker or a job that
# serves no calendar does not pay for importing it.

PRODID = "-//InnoCore//Core facility platform//EN"
# Raised whenever the text we write for the same data changes (entity tags built from the data,
# not the text, mix it in so readers fetch the new form): 2 = UTC on the fold, one RDATE a line.
CALENDAR_FORMAT = 2
CRLF = "\r\n"


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
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    if method:
        lines.append(f"METHOD:{method}")
    if name:
        lines.append(_line("X-WR-CALNAME", _text(name)))
    out = [CRLF.join(lines), CRLF]
    for zone in sorted({e.timezone for e in events if not _needs_utc(e)}):
        used = [e for e in events if e.timezone == zone]
        first = min(e.starts_at for e in used).astimezone(ZoneInfo(zone)).year
        last = max(e.ends_at for e in used).astimezone(ZoneInfo(zone)).year
        out.append(_vtimezone(zone, first, last))
    out.extend(vevent(e) for e in events)
    out.append("END:VCALENDAR" + CRLF)
    return "".join(out)


ITIP_METHODS = ("REQUEST", "CANCEL")


def invitation(
    events: list[CalendarEvent],
    method: str,
    *,
    attendee: tuple[str, str],
    organizer: tuple[str, str],
    stamp: datetime,
) -> str:
    """An iTIP message (RFC 5546: REQUEST §3.2.2, CANCEL §3.2.5) to one attendee, for every kind
    of event we send (bookings, training sessions). Each event carries the ``organizer``
    ``(email, name)``, that ``attendee`` ``(email, name)``, ``DTSTAMP`` = ``stamp`` (when the
    message is made, aware) and its own UID and SEQUENCE; a CANCEL also ``STATUS:CANCELLED``.
    Raises ``ValueError`` for another method."""
    if method not in ITIP_METHODS:
        raise ValueError(f"iTIP method must be one of {ITIP_METHODS}, not {method!r}")
    sent = [
        replace(
            e,
            organizer_email=organizer[0],
            organizer_name=organizer[1],
            attendees=[attendee],
            stamp=stamp,
            cancelled=e.cancelled or method == "CANCEL",
        )
        for e in events
    ]
    return build_calendar(sent, method=method)


@lru_cache(maxsize=256)
def _vtimezone(zone: str, first_year: int, last_year: int) -> str:
    from icalendar import Timezone

    # Whole years, one either side: every offset change near the events is described.
    component = Timezone.from_tzid(
        zone, first_date=date(first_year - 1, 1, 1), last_date=date(last_year + 1, 12, 31)
    )
    for observance in component.subcomponents:  # one RDATE per line: every reader reads them all
        rdates = observance.pop("RDATE", None)
        if rdates is None:
            continue
        for value in rdates if isinstance(rdates, list) else [rdates]:
            for one in value.dts:
                observance.add("RDATE", one.dt)
    return component.to_ical().decode()


def is_ambiguous(local: datetime) -> bool:
    """True when the aware wall-clock time ``local`` happens twice (the hour repeated when the
    clocks go back), so its text without an offset names two instants."""
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def _needs_utc(e: CalendarEvent) -> bool:
    zone = ZoneInfo(e.timezone)
    return any(is_ambiguous(t.astimezone(zone)) for t in (e.starts_at, e.ends_at))


def _text(value: str) -> str:
    from icalendar import vText

    return vText(value).to_ical().decode()


def _line(name: str, value: str, params: str = "") -> str:
    line = f"{name}{params}:{value}"
    if len(line) < 75 and line.isascii():  # most lines: nothing to fold
        return line
    from icalendar.parser import Contentline

    return Contentline(line).to_ical().decode()  # folded at 75 octets


def _local(name: str, instant: datetime, zone: str | None) -> str:
    from icalendar import vDatetime

    if zone is None:  # UTC, "…Z"
        return f"{name}:" + vDatetime(instant.astimezone(UTC)).to_ical().decode()
    local = instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    return _line(name, vDatetime(local).to_ical().decode(), f";TZID={zone}")


def vevent(e: CalendarEvent) -> str:
    """One VEVENT, folded and escaped, ending with CRLF; in UTC when it touches a repeated hour."""
    from icalendar import vDatetime
    from icalendar.parser import dquote

    zone = None if _needs_utc(e) else e.timezone
    lines = [
        "BEGIN:VEVENT",
        _line("UID", _text(e.uid)),
        f"SEQUENCE:{int(e.sequence)}",
        "DTSTAMP:" + vDatetime(e.stamp.astimezone(UTC)).to_ical().decode(),
        _local("DTSTART", e.starts_at, zone),
        _local("DTEND", e.ends_at, zone),
        _line("SUMMARY", _text(e.summary)),
    ]
    if e.description:
        lines.append(_line("DESCRIPTION", _text(e.description)))
    if e.location:
        lines.append(_line("LOCATION", _text(e.location)))
    if e.url:
        lines.append(_line("URL", e.url, ";VALUE=URI"))
    if e.categories:
        lines.append(_line("CATEGORIES", ",".join(_text(c) for c in e.categories)))
    lines.append("STATUS:" + ("CANCELLED" if e.cancelled else "CONFIRMED"))
    if e.organizer_email:
        params = f";CN={dquote(e.organizer_name)}" if e.organizer_name else ""
        lines.append(_line("ORGANIZER", f"mailto:{e.organizer_email}", params))
    for email, person in e.attendees:
        params = f";CN={dquote(person)};ROLE=REQ-PARTICIPANT"
        lines.append(_line("ATTENDEE", f"mailto:{email}", params))
    lines.append("END:VEVENT")
    return CRLF.join(lines) + CRLF


FEED_CACHE_CONTROL = "private, max-age=300"


def ics_response(etag: str, build: Callable[[], str], *, filename: str | None = None) -> Response:
    """A ``text/calendar`` answer with ``ETag`` and ``Cache-Control``; ``304 Not Modified`` (with
    the same two headers) when ``If-None-Match`` names ``etag``, strong or weak (RFC 9110 §13.1.2
    compares weakly); ``build`` is called only for a 200."""
    headers = {"Cache-Control": FEED_CACHE_CONTROL}
    if filename:
        headers["Content-Disposition"] = f"attachment; filename={filename}"
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304, headers=headers)
    else:
        response = Response(build(), mimetype="text/calendar", headers=headers)
    response.set_etag(etag)
    return response


def text_etag(text: str) -> str:
    """An entity tag for a small calendar: a digest of its text."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]
