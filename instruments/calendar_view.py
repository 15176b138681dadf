"""Week, day and agenda grids for the calendar pages (local days of the facility zone)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from instruments.rules import Busy, find_conflicts


@dataclass
class Cell:
    starts_at: datetime
    ends_at: datetime
    state: str  # free | booked | mine | downtime | closed | past | none
    label: str = ""
    booking_id: int | None = None


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
                row.cells.append(Cell(start, end, "none"))
                continue
            row.cells.append(_cell(start_utc, end_utc, free, busy, user_id, now, labels or {}))
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


def visible_hours(opening) -> range:
    """Hours to draw: the opening hours' span (whole day when none are set)."""
    if not opening:
        return range(24)
    first = min(w.opens.hour for w in opening)
    last = max(w.closes.hour + (1 if w.closes.minute else 0) for w in opening)
    return range(max(first - 1, 0), min(last + 1, 24))
