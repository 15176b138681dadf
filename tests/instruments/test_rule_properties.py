"""Booking rules against a brute-force oracle (Hypothesis).

The oracle knows nothing of intervals: it steps minute by minute (UTC instants) and reads each
minute's wall clock in the facility zone with zoneinfo. Inputs crowd around the DST nights (last
Sundays of March and October) in Europe/Rome and Europe/Lisbon, where "+24 h" or "elapsed equals
wall-clock" shortcuts go wrong. Opening-hour edges avoid the hours that are missing or repeated on
those nights (02:xx in Rome, 01:xx in Lisbon): RFC 5545 and zoneinfo resolve such a local time by
the offset before the change, which a wall-clock oracle cannot express.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from instruments.eligibility import Eligibility
from instruments.free_time import earliest_slot, free_intervals
from instruments.rules import (
    BookingRequest,
    Busy,
    Policy,
    Window,
    booking_problems,
    find_conflicts,
)

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
MINUTE = timedelta(minutes=1)
# Noon UTC of days around the DST nights of 2026 (29 March, 25 October) and an ordinary week.
DAYS = [date(2026, 3, 27), date(2026, 10, 23), date(2026, 6, 10)]
ZONES = ["Europe/Rome", "Europe/Lisbon"]
EDGE_HOURS = [0, 3, 4, 6, 8, 9, 12, 17, 19, 22, 23]  # never the DST hour of either zone


@st.composite
def instants(draw, around: datetime, spread_minutes: int = 4 * 1440, step: int = 15):
    """Minute-aligned UTC instants near ``around``, mostly on a 15-minute step."""
    offset = draw(st.integers(-spread_minutes // step, spread_minutes // step)) * step
    jitter = draw(st.sampled_from([0, 0, 0, 0, 5, 7]))
    return around + timedelta(minutes=offset + jitter)


@st.composite
def windows(draw):
    out = []
    for weekday in draw(st.sets(st.integers(0, 6), max_size=7)):
        opens, closes = sorted(draw(st.sets(st.sampled_from(EDGE_HOURS), min_size=2, max_size=2)))
        out.append(Window(weekday, time(opens), time(closes)))
    return tuple(out)


@st.composite
def policies(draw, zone: str):
    return Policy(
        timezone=zone,
        slot_minutes=draw(st.sampled_from([None, 15, 30, 60, 90])),
        min_minutes=draw(st.sampled_from([None, 30, 60])),
        max_minutes=draw(st.sampled_from([None, 120, 240, 480])),
        horizon_days=draw(st.sampled_from([None, 0, 1, 2, 5])),
        notice_minutes=draw(st.sampled_from([None, 0, 60, 24 * 60])),
        max_future_bookings=draw(st.sampled_from([None, 1, 3])),
        max_hours_week=draw(st.sampled_from([None, 4, 10])),
        opening=draw(windows()),
        out_of_hours_level=draw(st.sampled_from([None, 2])),
    )


@st.composite
def worlds(draw):
    """A zone, a policy, "now", other people's bookings and downtimes, and the user's own."""
    zone = draw(st.sampled_from(ZONES))
    around = datetime.combine(draw(st.sampled_from(DAYS)), time(12), tzinfo=UTC)
    now = draw(instants(around, spread_minutes=2 * 1440))

    def busy(kind, ids):
        start = draw(instants(around))
        length = draw(st.integers(1, 16)) * 30
        return Busy(start, start + timedelta(minutes=length), kind, next(ids), user_id=7)

    ids = iter(range(1, 100))
    others = [
        busy(draw(st.sampled_from(["booking", "downtime"])), ids)
        for _ in range(draw(st.integers(0, 4)))
    ]
    mine = [busy("booking", ids) for _ in range(draw(st.integers(0, 3)))]
    level = draw(st.sampled_from([None, 1, 2]))
    eligibility = Eligibility(holds=level is not None, level=level)
    return zone, draw(policies(zone)), now, others, mine, eligibility, around


# ---- the oracle: minute by minute, wall clock in the zone -----------------------------------


def minutes(start: datetime, end: datetime) -> list[datetime]:
    out, t = [], start
    while t < end:
        out.append(t)
        t += MINUTE
    return out


def elapsed(a: datetime, b: datetime) -> int:
    """Whole minutes from ``a`` to ``b`` (UTC instants)."""
    return (b - a) // MINUTE


def wall(t: datetime, zone: str) -> datetime:
    return t.astimezone(ZoneInfo(zone))


def is_open(t: datetime, policy: Policy) -> bool:
    if not policy.opening:
        return True
    local = wall(t, policy.timezone)
    return any(
        w.weekday == local.weekday() and w.opens <= local.time().replace(fold=0) < w.closes
        for w in policy.opening
    )


def on_wall_grid(t: datetime, policy: Policy) -> bool:
    local = wall(t, policy.timezone)
    return (local.hour * 60 + local.minute) % policy.slot_minutes == 0


def local_monday(t: datetime, zone: str) -> date:
    day = wall(t, zone).date()
    return day - timedelta(days=day.weekday())


def week_minutes(intervals, zone: str) -> dict[date, int]:
    out: dict[date, int] = {}
    for s, e in intervals:
        for t in minutes(s, e):
            out[local_monday(t, zone)] = out.get(local_monday(t, zone), 0) + 1
    return out


def oracle_codes(req, policy: Policy, now, others, mine, eligibility) -> set[str]:
    """The problem codes of a booking request, found by stepping through its minutes."""
    zone, s, e = policy.timezone, req.starts_at, req.ends_at
    if e <= s:
        return {"end_before_start"}
    span = minutes(s, e)
    codes = set()
    if s < now:
        codes.add("in_past")
    elif policy.notice_minutes and elapsed(now, s) < policy.notice_minutes:
        codes.add("short_notice")
    today = wall(now, zone).date()
    if policy.horizon_days is not None and wall(s, zone).date() > today + timedelta(
        days=policy.horizon_days
    ):
        codes.add("beyond_horizon")
    if policy.slot_minutes:
        codes |= (
            {"off_grid"} if not (on_wall_grid(s, policy) and on_wall_grid(e, policy)) else set()
        )
    if policy.min_minutes and len(span) < policy.min_minutes:
        codes.add("too_short")
    if policy.max_minutes and len(span) > policy.max_minutes:
        codes.add("too_long")
    exempt = policy.out_of_hours_level is not None and (eligibility.level or 0) >= (
        policy.out_of_hours_level
    )
    if not all(is_open(t, policy) for t in span) and not (exempt and eligibility.holds):
        codes.add("outside_opening_hours")
    if policy.max_future_bookings is not None and 1 + sum(b.ends_at > now for b in mine) > (
        policy.max_future_bookings
    ):
        codes.add("too_many_bookings")
    if policy.max_hours_week is not None:
        held = week_minutes([(b.starts_at, b.ends_at) for b in mine], zone)
        wanted = week_minutes([(s, e)], zone)
        if any(m + held.get(w, 0) > policy.max_hours_week * 60 for w, m in wanted.items()):
            codes.add("weekly_quota")
    taken = set(span)
    for b in others:
        if taken & set(minutes(b.starts_at, b.ends_at)):
            codes.add("conflict" if b.kind == "booking" else "downtime")
    return codes


def free_minutes(policy, busy, start, end, now) -> set[datetime]:
    zone = policy.timezone
    last = wall(now, zone).date() + timedelta(days=policy.horizon_days or 0)
    taken = {t for b in busy for t in minutes(b.starts_at, b.ends_at)}
    return {
        t
        for t in minutes(max(start, now), end)
        if elapsed(now, t) >= (policy.notice_minutes or 0)
        and (policy.horizon_days is None or wall(t, zone).date() <= last)
        and is_open(t, policy)
        and t not in taken
    }


# ---- the properties -----------------------------------------------------------------------


@SETTINGS
@given(worlds(), st.data())
def test_booking_problems_are_exactly_what_the_minute_oracle_finds(world, data):
    zone, policy, now, others, mine, eligibility, around = world
    start = data.draw(instants(around))
    end = start + timedelta(minutes=data.draw(st.integers(-2, 40)) * 15)
    req = BookingRequest(start, end, user_id=7)
    found = booking_problems(
        req, busy=others, policy=policy, eligibility=eligibility, now=now, mine=mine
    )
    assert {p.code for p in found} == oracle_codes(req, policy, now, others, mine, eligibility)


@SETTINGS
@given(worlds(), st.data())
def test_find_conflicts_returns_exactly_the_items_sharing_a_minute(world, data):
    _, _, _, others, mine, _, around = world
    start = data.draw(instants(around))
    end = start + timedelta(minutes=data.draw(st.integers(1, 40)) * 15)
    exclude = data.draw(st.sampled_from([None, *[b.id for b in others + mine]]))
    found = find_conflicts(start, end, others + mine, exclude_id=exclude)
    span = set(minutes(start, end))
    expected = [
        b
        for b in others + mine
        if span & set(minutes(b.starts_at, b.ends_at))
        and not (b.kind == "booking" and b.id == exclude)
    ]
    assert found == expected


@SETTINGS
@given(worlds(), st.data())
def test_free_intervals_cover_exactly_the_free_minutes(world, data):
    _, policy, now, others, _, _, around = world
    start = data.draw(instants(around))
    end = start + timedelta(days=data.draw(st.integers(1, 3)))
    found = free_intervals(policy, others, starts_at=start, ends_at=end, now=now)
    covered = [t for s, e in found for t in minutes(s, e)]
    assert len(covered) == len(set(covered)), "free intervals overlap"
    assert set(covered) == free_minutes(policy, others, start, end, now)


@settings(SETTINGS, max_examples=25)
@given(worlds(), st.data())
def test_earliest_slot_is_the_first_bookable_one(world, data):
    zone, policy, now, others, mine, _, around = world
    start = data.draw(instants(around, spread_minutes=1440))
    end = start + timedelta(days=1)
    length = data.draw(st.sampled_from([30, 60, 90, 180]))
    found = earliest_slot(
        policy, others, starts_at=start, ends_at=end, minutes=length, now=now, mine=mine
    )
    nobody_exempt = Eligibility(holds=True, level=0)  # the finder keeps to opening hours
    free = free_minutes(policy, others, start, end, now)
    bookable = (
        t
        for t in sorted(free)
        if all(m in free for m in minutes(t, t + timedelta(minutes=length)))
        and not oracle_codes(
            BookingRequest(t, t + timedelta(minutes=length), 7),
            policy,
            now,
            others,
            mine,
            nobody_exempt,
        )
    )
    first = next(bookable, None)
    expected = (first, first + timedelta(minutes=length)) if first else None
    assert found == expected
