"""Week, day and agenda grids for the calendar pages (local days of the facility zone)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from instruments.rules import Busy, find_conflicts


@dataclass
class Cell:
    starts_at: datetime  # the instant (UTC) the cell starts; a link books from here
    ends_at: datetime
    state: str  # free | booked | mine | downtime | closed | past | none
    label: str = ""
    booking_id: int | None = None
    hour: int = 0  # the row: the facility's wall-clock hour
    when: str = ""  # "09:00–10:00 CET" in the facility zone; both offsets on a DST night


@dataclass
class Day:
    day: date
    cells: list[Cell] = field(default_factory=list)


def local_days(first: date, count: int) -> list[date]:
    return [first + timedelta(days=i) for i in range(count)]


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    return (
        datetime.combine(day, time(0), tzinfo=zone),
        datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone),
    )


def grid(
    days: list[date],
    zone: ZoneInfo,
    *,
    free: list[tuple[datetime, datetime]],
    busy: list[Busy],
    user_id: int | None,
    now: datetime,
    hours: range = range(24),
    labels: dict[int, str] | None = None,
) -> list[Day]:
    """Hour cells per local day; an hour that does not exist (spring forward) is marked none."""
    out = []
    for day in days:
        row = Day(day)
        for h in hours:
            start = datetime.combine(day, time(h), tzinfo=zone)
            end = (
                datetime.combine(day, time(h + 1), tzinfo=zone)
                if h < 23
                else day_bounds(day, zone)[1]
            )
            start_utc, end_utc = start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))
            if start.astimezone(zone).hour != h or end_utc <= start_utc:
                row.cells.append(
                    Cell(start, end, "none", hour=h, when=f"{h:02d}:00 does not exist")
                )
                continue
            cell = _cell(start_utc, end_utc, free, busy, user_id, now, labels or {})
            cell.hour, cell.when = h, wall_clock_span(start_utc, end_utc, zone)
            row.cells.append(cell)
        out.append(row)
    return out


def _cell(start, end, free, busy, user_id, now, labels) -> Cell:
    hits = find_conflicts(start, end, busy)
    if hits:
        hit = hits[0]
        if hit.kind == "downtime":
            return Cell(start, end, "downtime", "Downtime")
        mine = hit.user_id is not None and hit.user_id == user_id
        label = labels.get(hit.id, "Your booking" if mine else "Booked")
        return Cell(start, end, "mine" if mine else "booked", label, hit.id)
    if end <= now:
        return Cell(start, end, "past")
    if any(s <= start and end <= e for s, e in free):
        return Cell(start, end, "free", "Free")
    return Cell(start, end, "closed")


def wall_clock_span(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    """``"09:00–10:00 CET"``: an interval as the facility's wall clock, each end with its own
    abbreviation when they differ (``"02:00 CEST–03:00 CET"`` on the autumn night)."""
    a, b = start.astimezone(zone), end.astimezone(zone)
    if a.tzname() == b.tzname():
        return f"{a:%H:%M}–{b:%H:%M} {a.tzname()}"
    return f"{a:%H:%M} {a.tzname()}–{b:%H:%M} {b.tzname()}"


def visible_hours(
    opening, busy: list[Busy] = (), days: list[date] = (), zone: ZoneInfo | None = None
) -> range:
    """Hours to draw: the opening hours' span (whole day when none are set), widened to every
    hour a booking or downtime occupies on the days shown (staff book outside opening hours)."""
    if not opening:
        return range(24)
    first = min(w.opens.hour for w in opening) - 1
    last = max(w.closes.hour + (1 if w.closes.minute else 0) for w in opening) + 1
    for day in days:
        lo, hi = day_bounds(day, zone)
        for b in busy:
            if b.starts_at < hi and b.ends_at > lo:
                s, e = max(b.starts_at, lo).astimezone(zone), min(b.ends_at, hi).astimezone(zone)
                first = min(first, s.hour)
                last = max(last, 24 if e.date() > day else e.hour + (1 if e.minute else 0))
    return range(max(first, 0), min(last, 24))


@dataclass
class AgendaItem:
    state: str  # free | mine | booked | downtime
    when: str  # wall-clock span in the facility zone, labelled
    starts_at: datetime
    ends_at: datetime
    booking_id: int | None = None


def agenda(
    days: list[date], zone: ZoneInfo, *, free, busy: list[Busy], user_id: int | None
) -> list[tuple[date, list[AgendaItem]]]:
    """Per local day, in time order, the free intervals and everything that occupies the
    instrument (bookings, including staff bookings outside opening hours, and downtime)."""
    out = []
    for day in days:
        lo, hi = day_bounds(day, zone)
        items = [AgendaItem("free", _span(s, e, zone), s, e) for s, e in free if s < hi and e > lo]
        for b in busy:
            if b.starts_at < hi and b.ends_at > lo:
                mine = b.kind == "booking" and user_id is not None and b.user_id == user_id
                state = "downtime" if b.kind == "downtime" else "mine" if mine else "booked"
                span = _span(b.starts_at, b.ends_at, zone)
                items.append(
                    AgendaItem(state, span, b.starts_at, b.ends_at, b.id if mine else None)
                )
        out.append((day, sorted(items, key=lambda i: i.starts_at)))
    return out


def _span(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    """The wall-clock span, with the dates when it crosses a local midnight."""
    a, b = start.astimezone(zone), end.astimezone(zone)
    if a.date() == b.date() or (b - timedelta(microseconds=1)).date() == a.date():
        return wall_clock_span(start, end, zone)
    return f"{a:%a %d %b %H:%M} {a.tzname()} – {b:%a %d %b %H:%M} {b.tzname()}"
