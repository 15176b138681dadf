"""Pure availability rules: free time, the local slot grid, the earliest slot that fits.

No Flask, no session, no clock; every wall-clock rule uses the facility zone (``Policy.timezone``).
One ``find_conflicts``/``quota_problems`` (in ``rules``) serves both this and the write path.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from instruments.rules import (
    BookingRequest,
    Busy,
    Policy,
    hours_per_week,
    local_day_start,
    merge,
    on_grid,
    opening_intervals,
    quota_problems,
    status_problems,
    week_start,
)


def free_intervals(
    policy: Policy,
    busy: Sequence[Busy],
    *,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
) -> list[tuple[datetime, datetime]]:
    """Open, unoccupied intervals in ``[starts_at, ends_at)``, from notice to horizon."""
    if status_problems(policy):
        return []
    zone = ZoneInfo(policy.timezone)
    starts_at, ends_at, now = (x.astimezone(UTC) for x in (starts_at, ends_at, now))
    lower = max(starts_at, now + timedelta(minutes=policy.notice_minutes or 0))
    upper = ends_at
    if policy.horizon_days is not None:
        last = now.astimezone(zone).date() + timedelta(days=policy.horizon_days + 1)
        upper = min(upper, local_day_start(last, zone))
    if lower >= upper:
        return []
    opening = opening_intervals(
        policy, lower.astimezone(zone).date(), upper.astimezone(zone).date()
    )
    taken = merge((b.starts_at, b.ends_at) for b in busy)
    out = []
    for s, e in opening:
        s, e = max(s, lower), min(e, upper)
        out += _subtract(s, e, taken)
    return [(s, e) for s, e in out if e > s]


def _subtract(
    start: datetime, end: datetime, taken: list[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    out = []
    cursor = start
    for s, e in taken:
        if e <= cursor or s >= end:
            continue
        if s > cursor:
            out.append((cursor, s))
        cursor = max(cursor, e)
    if cursor < end:
        out.append((cursor, end))
    return out


def align_up(instant: datetime, zone: ZoneInfo, slot_minutes: int | None) -> datetime:
    """The first grid point (local wall clock) at or after ``instant``."""
    local = instant.astimezone(zone)
    if not slot_minutes:
        if local.second or local.microsecond:
            local = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
        return local.astimezone(instant.tzinfo)
    midnight = local_day_start(local.date(), zone)
    minutes = local.hour * 60 + local.minute + (1 if local.second or local.microsecond else 0)
    step = -(-minutes // slot_minutes) * slot_minutes
    day, rest = divmod(step, 1440)
    wall = datetime.combine(
        midnight.date() + timedelta(days=day), time(rest // 60, rest % 60), tzinfo=zone
    )
    return wall.astimezone(instant.tzinfo)


def earliest_slot(
    policy: Policy,
    busy: Sequence[Busy],
    *,
    starts_at: datetime,
    ends_at: datetime,
    minutes: int,
    now: datetime,
    mine: Sequence[Busy] = (),
) -> tuple[datetime, datetime] | None:
    """The earliest bookable interval of ``minutes`` in the window, on the grid, or ``None``.

    ``mine`` are the user's active bookings of the instrument: the cap on future bookings and
    the weekly-hours quota apply as they would to the booking itself.
    """
    zone = ZoneInfo(policy.timezone)
    if policy.max_minutes and minutes > policy.max_minutes:
        return None
    future = sum(1 for b in mine if b.ends_at > now)
    if policy.max_future_bookings is not None and future + 1 > policy.max_future_bookings:
        return None
    length = timedelta(minutes=minutes)
    for s, e in free_intervals(policy, busy, starts_at=starts_at, ends_at=ends_at, now=now):
        for start in _candidate_starts(policy, s, e, length, mine):
            start = align_up(start, zone, policy.slot_minutes)
            end = start + length
            if end > e or (policy.slot_minutes and not on_grid(end, zone, policy.slot_minutes)):
                continue
            req = BookingRequest(start, end, 0)
            if not quota_problems(req, policy, mine, now):
                return start, end
    return None


def _candidate_starts(
    policy: Policy, s: datetime, e: datetime, length: timedelta, mine: Sequence[Busy]
) -> list[datetime]:
    """Where the earliest fitting start of a free interval can lie: its beginning, or, when a
    week's quota is used up, just late enough that only the rest of that week's hours fall in
    it (or at the next local Monday). Without a weekly quota only the beginning counts."""
    if policy.max_hours_week is None:
        return [s]
    zone = ZoneInfo(policy.timezone)
    held = hours_per_week([(b.starts_at, b.ends_at) for b in mine], zone)
    out = [s]
    monday = week_start(s, zone)
    while True:
        monday = local_day_start(monday.date() + timedelta(days=7), zone)
        if monday >= e:
            return sorted(out)
        used = held.get(monday.date() - timedelta(days=7), Decimal(0))
        spare = timedelta(hours=max(float(Decimal(policy.max_hours_week) - used), 0.0))
        out += [t for t in (monday - min(spare, length), monday) if s <= t < e]


def prefill(
    policy: Policy,
    busy: Sequence[Busy],
    *,
    starts_at: datetime,
    ends_at: datetime | None,
    now: datetime,
) -> tuple[datetime, datetime]:
    """The interval a booking form opens with, from a clicked or linked start (and end), within
    the instrument's rules: the start on the slot grid; the length the one asked for (default:
    an hour, or the slot when longer), at least the shortest and at most the longest booking,
    a whole number of slots, and no longer than the free time that starts there.

    Instants are UTC; a prefill is a suggestion, the booking itself is checked by the rules.
    """
    zone = ZoneInfo(policy.timezone)
    slot = policy.slot_minutes
    start = align_up(starts_at.astimezone(UTC), zone, slot)
    default = max(60, slot or 0, policy.min_minutes or 0)
    minutes = int((ends_at - start).total_seconds() // 60) if ends_at and ends_at > start else 0
    minutes = minutes or default
    if policy.max_minutes:
        minutes = min(minutes, policy.max_minutes)
    probe_end = start + timedelta(minutes=minutes)
    for s, e in free_intervals(policy, busy, starts_at=start, ends_at=probe_end, now=now):
        if s <= start < e:
            minutes = min(minutes, int((e - start).total_seconds() // 60))
            break
    if slot:
        minutes = max(minutes // slot * slot, slot)
    return start, start + timedelta(minutes=max(minutes, 1))
