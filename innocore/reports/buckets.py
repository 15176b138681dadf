"""Time buckets of a report, computed in Python in the facility's zone (pure: no database).

SQLite has no time-zone functions, so the SQL never converts zones itself. Instead:

* bucket boundaries (months, weeks) are local midnights turned into UTC instants here, and the SQL
  compares the UTC column against them (``CASE WHEN starts_at < :b1 THEN 0 ...``);
* the local wall-clock reading of an instant (for the weekday × hour heat map) is its Unix epoch
  plus the zone's UTC offset, which changes only at the zone's transitions: those few instants
  are found here and become a short ``CASE`` in SQL.

Both are right across DST: the October month of Europe/Rome has 745 hours, March 743.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEK_SECONDS = 7 * 86400
# 1970-01-01 was a Thursday: adding three days makes ``epoch % WEEK_SECONDS == 0`` a Monday 00:00.
MONDAY_SHIFT = 3 * 86400


@dataclass(frozen=True)
class Bucket:
    """One period of a series: ``[starts_at, ends_at)`` in UTC, labelled in local words."""

    label: str
    starts_at: datetime
    ends_at: datetime


def local_midnight(day: date, zone: str) -> datetime:
    """The UTC instant at which ``day`` begins in ``zone``."""
    return datetime.combine(day, time(0), ZoneInfo(zone)).astimezone(UTC)


def local_instant(day: date, at: time, zone: str) -> datetime:
    """The UTC instant of wall-clock ``at`` on ``day`` in ``zone`` (the first of a repeated hour;
    a skipped wall time reads as the instant after the gap, the way zoneinfo resolves it)."""
    return datetime.combine(day, at, ZoneInfo(zone)).astimezone(UTC)


def _first_of_month(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def months(start_on: date, end_on: date, zone: str) -> list[Bucket]:
    """Calendar months touching ``[start_on, end_on]`` (inclusive dates), clipped to that range."""
    out, cursor = [], _first_of_month(start_on)
    stop = end_on + timedelta(days=1)
    while cursor < stop:
        nxt = _next_month(cursor)
        lo, hi = max(cursor, start_on), min(nxt, stop)
        out.append(
            Bucket(cursor.strftime("%Y-%m"), local_midnight(lo, zone), local_midnight(hi, zone))
        )
        cursor = nxt
    return out


def weeks(start_on: date, end_on: date, zone: str) -> list[Bucket]:
    """ISO weeks (Monday to Sunday) touching the range, clipped to it, labelled ``2026-W05``."""
    out, cursor = [], start_on - timedelta(days=start_on.weekday())
    stop = end_on + timedelta(days=1)
    while cursor < stop:
        nxt = cursor + timedelta(days=7)
        lo, hi = max(cursor, start_on), min(nxt, stop)
        iso = cursor.isocalendar()
        out.append(
            Bucket(
                f"{iso.year}-W{iso.week:02d}", local_midnight(lo, zone), local_midnight(hi, zone)
            )
        )
        cursor = nxt
    return out


def offset_changes(starts_at: datetime, ends_at: datetime, zone: str) -> list[tuple[datetime, int]]:
    """``[(from_instant, utc_offset_seconds), ...]``: the zone's offset in force from each instant on,
    the first from ``starts_at``. Transitions are found to the minute by bisection between
    daily samples (zones change offset at most a few times a year)."""
    tz = ZoneInfo(zone)

    def offset(at: datetime) -> int:
        return int(at.astimezone(tz).utcoffset().total_seconds())

    out = [(starts_at, offset(starts_at))]
    cursor = starts_at
    while cursor < ends_at:
        nxt = min(cursor + timedelta(days=1), ends_at)
        if offset(nxt) != out[-1][1]:
            lo, hi = cursor, nxt
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                lo, hi = (mid, hi) if offset(mid) == out[-1][1] else (lo, mid)
            out.append((hi.replace(second=0, microsecond=0), offset(hi)))
        cursor = nxt
    return out


def opening_seconds(
    windows: list[tuple[int, time, time]], buckets: list[Bucket], zone: str
) -> list[int]:
    """Seconds an instrument is open in each bucket: ``windows`` are ``(weekday, opens, closes)``
    wall-clock rows (0 = Monday), expanded day by day in ``zone`` so that a window across a DST
    change lasts what the clock says (01:00–04:00 is 2 h on the spring night, 4 h in autumn)."""
    tz = ZoneInfo(zone)
    by_day: dict[int, list[tuple[time, time]]] = {}
    for weekday, opens, closes in windows:
        by_day.setdefault(weekday, []).append((opens, closes))
    out = []
    for bucket in buckets:
        total = 0
        day = bucket.starts_at.astimezone(tz).date()
        last = (bucket.ends_at - timedelta(microseconds=1)).astimezone(tz).date()
        while day <= last:
            for opens, closes in by_day.get(day.weekday(), ()):
                total += int(
                    (
                        local_instant(day, closes, zone) - local_instant(day, opens, zone)
                    ).total_seconds()
                )
            day += timedelta(days=1)
        out.append(total)
    return out


def heat_cells(
    start_rows: list[tuple[int, int, int]], end_rows: list[tuple[int, int, int]], full_weeks: int
) -> list[list[float]]:
    """Booked seconds in each local weekday × hour cell (7 × 24), from two small aggregates.

    Each booking ``[s, e)`` (local epochs, Monday-aligned) covers cell ``c`` for
    ``F_c(e) - F_c(s)`` seconds, where ``F_c(t) = 3600·⌊t/W⌋ + clamp(t mod W − 3600c, 0, 3600)``
    and ``W`` is a week. Summed over bookings, that needs only, per hour-of-week ``h`` of the
    start (and of the end): the count of bookings and the sum of their seconds past the hour
    (``start_rows``/``end_rows``: ``(h, count, seconds)``), and ``Σ(⌊e/W⌋ − ⌊s/W⌋)``
    (``full_weeks``). So the SQL groups by at most 168 keys and never returns a booking.
    """

    def f_sums(rows):
        count = [0] * 168
        rem = [0] * 168
        for h, n, seconds in rows:
            count[int(h)] += int(n)
            rem[int(h)] += int(seconds)
        out, above = [0] * 168, 0
        for c in range(167, -1, -1):
            out[c] = 3600 * above + rem[c]  # bookings past cell c count a whole hour
            above += count[c]
        return out

    ends, starts = f_sums(end_rows), f_sums(start_rows)
    cells = [3600 * full_weeks + ends[c] - starts[c] for c in range(168)]
    return [[cells[d * 24 + h] / 3600 for h in range(24)] for d in range(7)]
