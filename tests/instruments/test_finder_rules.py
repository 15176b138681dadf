"""The availability finder applies the cap on future bookings and the weekly-hours quota too
(pure rules, table-driven; Europe/Rome, now = Monday 2 March 2026 09:00 local)."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from instruments.free_time import earliest_slot
from instruments.rules import Busy, Policy, Window

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
WEEKDAYS_9_TO_18 = tuple(Window(d, time(9), time(18)) for d in range(5))


def rome(*args) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(*args, tzinfo=ZoneInfo("Europe/Rome"))


def mine(*intervals) -> list[Busy]:
    return [Busy(s, e, "booking", i, 7) for i, (s, e) in enumerate(intervals, start=100)]


# 9 hours held on Monday 2 and Tuesday 3 March (this week), 2 hours on Monday 9 March.
NINE_THIS_WEEK = mine(
    (rome(2026, 3, 2, 12), rome(2026, 3, 2, 17)), (rome(2026, 3, 3, 9), rome(2026, 3, 3, 13))
)
NEXT_WEEK = mine((rome(2026, 3, 9, 9), rome(2026, 3, 9, 11)))
PAST = mine((rome(2026, 2, 27, 9), rome(2026, 2, 27, 10)))

CASES = [
    # (name, policy keywords, my bookings, hours wanted, expected slot or None)
    ("no limits", {}, NINE_THIS_WEEK, 2, (rome(2026, 3, 2, 10), rome(2026, 3, 2, 12))),
    ("cap reached", {"max_future_bookings": 2}, NINE_THIS_WEEK, 1, None),
    (
        "cap ignores past",
        {"max_future_bookings": 2},
        PAST + NEXT_WEEK,
        1,
        (rome(2026, 3, 2, 10), rome(2026, 3, 2, 11)),
    ),
    (
        "quota has room",
        {"max_hours_week": 12},
        NINE_THIS_WEEK,
        2,
        (rome(2026, 3, 2, 10), rome(2026, 3, 2, 12)),
    ),
    (
        "quota fits exactly",
        {"max_hours_week": 11},
        NINE_THIS_WEEK,
        2,
        (rome(2026, 3, 2, 10), rome(2026, 3, 2, 12)),
    ),
    (
        "week full: straddle into next week, 1 h each side",
        {"max_hours_week": 10},
        NINE_THIS_WEEK,
        2,
        (rome(2026, 3, 8, 23), rome(2026, 3, 9, 1)),
    ),
    (
        "week full and closed at weekends: next Monday's opening",
        {"max_hours_week": 10, "opening": WEEKDAYS_9_TO_18},
        NINE_THIS_WEEK,
        2,
        (rome(2026, 3, 9, 9), rome(2026, 3, 9, 11)),
    ),
    (
        "next week's hours count for next week only",
        {"max_hours_week": 4},
        NEXT_WEEK,
        3,
        (rome(2026, 3, 2, 10), rome(2026, 3, 2, 13)),
    ),
    (
        "longer than a week allows: split over two weeks",
        {"max_hours_week": 3},
        [],
        4,
        (rome(2026, 3, 8, 21), rome(2026, 3, 9, 1)),
    ),
    ("no two weeks together allow it", {"max_hours_week": 1}, [], 3, None),
    (
        "quota and grid",
        {"max_hours_week": 10, "slot_minutes": 60},
        NINE_THIS_WEEK,
        2,
        (rome(2026, 3, 8, 23), rome(2026, 3, 9, 1)),
    ),
]


@pytest.mark.parametrize(
    ("name", "policy", "held", "hours", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_earliest_slot_applies_the_cap_and_the_weekly_quota(name, policy, held, hours, expected):
    busy = [b for b in held if b.ends_at > NOW]  # my own bookings also occupy the instrument
    found = earliest_slot(
        Policy("Europe/Rome", **policy),
        busy,
        starts_at=rome(2026, 3, 2, 10),
        ends_at=rome(2026, 3, 16),
        minutes=hours * 60,
        now=NOW,
        mine=held,
    )
    assert found == expected
