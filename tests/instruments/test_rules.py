"""Pure booking rules, table-driven; Europe/Rome with its DST nights of 2026."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from innocore.calendar import CalendarEvent, build_calendar
from instruments.eligibility import Eligibility
from instruments.free_time import align_up, earliest_slot, free_intervals
from instruments.models import InstrumentStatus
from instruments.rules import (
    BookingRequest,
    Busy,
    Policy,
    Window,
    booking_problems,
    cancellation_is_late,
    find_conflicts,
    hours_between,
    hours_per_week,
    policy_in_words,
    price,
)

ROME = ZoneInfo("Europe/Rome")
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday 09:00 in Rome
HOLDS = Eligibility(holds=True, level=2)
NOBODY = Eligibility()
WEEKDAYS_9_TO_18 = tuple(Window(d, time(9), time(18)) for d in range(5))


def rome(*args) -> datetime:
    return datetime(*args, tzinfo=ROME)


def req(start, end, **kw) -> BookingRequest:
    return BookingRequest(start, end, kw.pop("user_id", 1), **kw)


def codes(problems) -> list[str]:
    return sorted(p.code for p in problems)


def check(request, policy=None, busy=(), mine=(), eligibility=HOLDS, now=NOW):
    return booking_problems(
        request,
        busy=list(busy),
        policy=policy or Policy("Europe/Rome"),
        eligibility=eligibility,
        now=now,
        mine=list(mine),
    )


TUESDAY_10 = rome(2026, 3, 3, 10)


@pytest.mark.parametrize(
    ("name", "start", "end", "policy", "expected"),
    [
        ("fine", TUESDAY_10, TUESDAY_10 + timedelta(hours=2), Policy("Europe/Rome"), []),
        (
            "end before start",
            TUESDAY_10,
            TUESDAY_10 - timedelta(hours=1),
            Policy("Europe/Rome"),
            ["end_before_start"],
        ),
        ("empty interval", TUESDAY_10, TUESDAY_10, Policy("Europe/Rome"), ["end_before_start"]),
        (
            "in the past",
            rome(2026, 3, 1, 10),
            rome(2026, 3, 1, 11),
            Policy("Europe/Rome"),
            ["in_past"],
        ),
        (
            "off the grid",
            rome(2026, 3, 3, 10, 10),
            rome(2026, 3, 3, 11, 10),
            Policy("Europe/Rome", slot_minutes=30),
            ["off_grid", "off_grid"],
        ),
        (
            "on the grid",
            rome(2026, 3, 3, 10, 30),
            rome(2026, 3, 3, 11),
            Policy("Europe/Rome", slot_minutes=30),
            [],
        ),
        (
            "too short",
            TUESDAY_10,
            TUESDAY_10 + timedelta(minutes=30),
            Policy("Europe/Rome", min_minutes=60),
            ["too_short"],
        ),
        (
            "too long",
            TUESDAY_10,
            TUESDAY_10 + timedelta(hours=5),
            Policy("Europe/Rome", max_minutes=240),
            ["too_long"],
        ),
        (
            "short notice",
            rome(2026, 3, 2, 10),
            rome(2026, 3, 2, 11),
            Policy("Europe/Rome", notice_minutes=120),
            ["short_notice"],
        ),
        (
            "within horizon",
            rome(2026, 3, 10, 10),
            rome(2026, 3, 10, 11),
            Policy("Europe/Rome", horizon_days=8),
            [],
        ),
        (
            "beyond horizon by a day",
            rome(2026, 3, 10, 10),
            rome(2026, 3, 10, 11),
            Policy("Europe/Rome", horizon_days=7),
            ["beyond_horizon"],
        ),
        (
            "outside opening hours",
            rome(2026, 3, 3, 17),
            rome(2026, 3, 3, 19),
            Policy("Europe/Rome", opening=WEEKDAYS_9_TO_18),
            ["outside_opening_hours"],
        ),
        (
            "inside opening hours",
            rome(2026, 3, 3, 9),
            rome(2026, 3, 3, 18),
            Policy("Europe/Rome", opening=WEEKDAYS_9_TO_18),
            [],
        ),
        (
            "weekend closed",
            rome(2026, 3, 7, 10),
            rome(2026, 3, 7, 11),
            Policy("Europe/Rome", opening=WEEKDAYS_9_TO_18),
            ["outside_opening_hours"],
        ),
        (
            "retired",
            TUESDAY_10,
            TUESDAY_10 + timedelta(hours=1),
            Policy("Europe/Rome", status=InstrumentStatus.RETIRED),
            ["instrument_retired"],
        ),
        (
            "down",
            TUESDAY_10,
            TUESDAY_10 + timedelta(hours=1),
            Policy("Europe/Rome", status=InstrumentStatus.DOWN),
            ["instrument_down"],
        ),
        (
            "limited is bookable",
            TUESDAY_10,
            TUESDAY_10 + timedelta(hours=1),
            Policy("Europe/Rome", status=InstrumentStatus.LIMITED),
            [],
        ),
    ],
)
def test_booking_problems_table(name, start, end, policy, expected):
    assert codes(check(req(start, end), policy)) == sorted(expected), name


def test_every_problem_is_listed_at_once():
    policy = Policy(
        "Europe/Rome",
        slot_minutes=60,
        horizon_days=3,
        opening=WEEKDAYS_9_TO_18,
        status=InstrumentStatus.RETIRED,
        requires_competence=True,
        required_level=1,
    )
    start = rome(2026, 3, 14, 20, 15)  # a Saturday evening, off grid, beyond the horizon
    busy = [Busy(start, start + timedelta(hours=1), "booking", 9, 2)]
    problems = check(
        req(start, start + timedelta(hours=1), purpose="x" * 1_000_000),
        policy,
        busy,
        eligibility=NOBODY,
    )
    assert codes(problems) == sorted(
        [
            "purpose_too_long",
            "instrument_retired",
            "beyond_horizon",
            "off_grid",
            "off_grid",
            "outside_opening_hours",
            "competence_missing",
            "conflict",
        ]
    )
    assert {p.code for p in problems if p.overridable} == {
        "beyond_horizon",
        "off_grid",
        "outside_opening_hours",
        "competence_missing",
    }


def test_out_of_hours_is_allowed_from_the_configured_level():
    policy = Policy(
        "Europe/Rome",
        opening=WEEKDAYS_9_TO_18,
        out_of_hours_level=2,
        requires_competence=True,
        required_level=1,
    )
    late = req(rome(2026, 3, 3, 19), rome(2026, 3, 3, 22))
    assert codes(check(late, policy, eligibility=Eligibility(True, 2))) == []
    assert codes(check(late, policy, eligibility=Eligibility(True, 1))) == ["outside_opening_hours"]


@pytest.mark.parametrize(
    ("eligibility", "expected"),
    [
        (NOBODY, ["competence_missing"]),
        (Eligibility(True, 1), ["competence_missing"]),
        (Eligibility(True, 2), []),
        (Eligibility(True, 3, valid_until=rome(2026, 3, 3, 10, 30)), ["competence_missing"]),
        (Eligibility(True, 3, valid_until=rome(2027, 1, 1)), []),
    ],
)
def test_competence_is_held_at_level_for_the_whole_booking(eligibility, expected):
    policy = Policy("Europe/Rome", requires_competence=True, required_level=2)
    problems = check(
        req(TUESDAY_10, TUESDAY_10 + timedelta(hours=1)), policy, eligibility=eligibility
    )
    assert codes(problems) == expected


def test_conflict_and_downtime_half_open():
    busy = [
        Busy(rome(2026, 3, 3, 8), rome(2026, 3, 3, 10), "booking", 1, 5),
        Busy(rome(2026, 3, 3, 12), rome(2026, 3, 3, 14), "downtime", 2),
    ]
    assert codes(check(req(rome(2026, 3, 3, 10), rome(2026, 3, 3, 12)), busy=busy)) == []
    assert codes(check(req(rome(2026, 3, 3, 9), rome(2026, 3, 3, 13)), busy=busy)) == [
        "conflict",
        "downtime",
    ]
    # moving booking 1 over itself is no conflict
    assert (
        codes(check(req(rome(2026, 3, 3, 9), rome(2026, 3, 3, 11), booking_id=1), busy=busy)) == []
    )


def test_find_conflicts_is_shared_by_availability():
    busy = [Busy(rome(2026, 3, 3, 10), rome(2026, 3, 3, 11), "booking", 1)]
    free = free_intervals(
        Policy("Europe/Rome", opening=WEEKDAYS_9_TO_18),
        busy,
        starts_at=rome(2026, 3, 3),
        ends_at=rome(2026, 3, 4),
        now=NOW,
    )
    assert free == [
        (rome(2026, 3, 3, 9), rome(2026, 3, 3, 10)),
        (rome(2026, 3, 3, 11), rome(2026, 3, 3, 18)),
    ]
    for s, e in free:
        assert find_conflicts(s, e, busy) == []


def test_weekly_quota_counts_local_weeks():
    policy = Policy("Europe/Rome", max_hours_week=10)
    mine = [Busy(rome(2026, 3, 2, 10), rome(2026, 3, 2, 18), "booking", 7)]  # 8 h this week
    ok = req(rome(2026, 3, 4, 10), rome(2026, 3, 4, 12))
    over = req(rome(2026, 3, 4, 10), rome(2026, 3, 4, 13))
    next_week = req(rome(2026, 3, 9, 0), rome(2026, 3, 9, 5))  # Monday 00:00 local: new week
    assert codes(check(ok, policy, mine=mine)) == []
    assert codes(check(over, policy, mine=mine)) == ["weekly_quota"]
    assert codes(check(next_week, policy, mine=mine)) == []
    # Sunday 22:00 -> Monday 02:00 counts 2 h in each week
    split = hours_per_week([(rome(2026, 3, 8, 22), rome(2026, 3, 9, 2))], ROME)
    assert split == {rome(2026, 3, 2).date(): Decimal(2), rome(2026, 3, 9).date(): Decimal(2)}


def test_max_future_bookings_excludes_the_booking_being_moved():
    policy = Policy("Europe/Rome", max_future_bookings=2)
    mine = [Busy(rome(2026, 3, 5, 10), rome(2026, 3, 5, 11), "booking", i) for i in (1, 2)]
    assert codes(check(req(TUESDAY_10, TUESDAY_10 + timedelta(hours=1)), policy, mine=mine)) == [
        "too_many_bookings"
    ]
    move = req(TUESDAY_10, TUESDAY_10 + timedelta(hours=1), booking_id=2)
    assert codes(check(move, policy, mine=mine)) == []


# ---- DST: last Sundays of March and October 2026 in Europe/Rome --------------------------------

DST = [
    # date, real hours of 01:00-04:00 local
    ((2026, 3, 29), 2),
    ((2026, 10, 25), 4),
    ((2026, 6, 14), 3),
]


@pytest.mark.parametrize(("day", "hours"), DST)
def test_dst_night_length_price_and_icalendar_agree(day, hours):
    start, end = rome(*day, 1), rome(*day, 4)
    assert hours_between(start, end) == hours
    assert price(start, end, Decimal("50.00")) == Decimal(50 * hours).quantize(Decimal("0.01"))
    ics = build_calendar([CalendarEvent("b-1@x", 0, start, end, "Confocal", "Europe/Rome", NOW)])
    assert f"DTSTART;TZID=Europe/Rome:{day[0]}{day[1]:02d}{day[2]:02d}T010000" in ics
    assert f"DTEND;TZID=Europe/Rome:{day[0]}{day[1]:02d}{day[2]:02d}T040000" in ics
    assert "BEGIN:VTIMEZONE" in ics and "TZID:Europe/Rome" in ics
    policy = Policy("Europe/Rome", max_minutes=hours * 60)
    now = start - timedelta(days=1)
    assert codes(check(req(start, end), policy, now=now)) == []
    assert codes(
        check(req(start, end), Policy("Europe/Rome", max_minutes=hours * 60 - 1), now=now)
    ) == ["too_long"]


@pytest.mark.parametrize("day", [(2026, 3, 29), (2026, 10, 25)])
def test_opening_hours_stay_wall_clock_on_dst_sundays(day):
    policy = Policy("Europe/Rome", opening=(Window(6, time(9), time(18)),), slot_minutes=60)
    now = rome(*day, 0) - timedelta(days=1)
    assert codes(check(req(rome(*day, 9), rome(*day, 18)), policy, now=now)) == []
    assert codes(check(req(rome(*day, 8), rome(*day, 9)), policy, now=now)) == [
        "outside_opening_hours"
    ]
    free = free_intervals(policy, [], starts_at=rome(*day, 0), ends_at=rome(*day, 23), now=now)
    assert free == [(rome(*day, 9), rome(*day, 18))]
    assert [s.astimezone(ROME).hour for s, _ in free] == [9]


def test_availability_days_are_local_days_across_dst():
    policy = Policy("Europe/Rome", opening=tuple(Window(d, time(9), time(10)) for d in range(7)))
    now = rome(2026, 3, 27, 0)
    free = free_intervals(
        policy, [], starts_at=rome(2026, 3, 28), ends_at=rome(2026, 3, 31), now=now
    )
    assert [s.astimezone(ROME).strftime("%d %H:%M") for s, _ in free] == [
        "28 09:00",
        "29 09:00",
        "30 09:00",
    ]


def test_earliest_slot_respects_grid_notice_and_busy():
    policy = Policy("Europe/Rome", opening=WEEKDAYS_9_TO_18, slot_minutes=30, notice_minutes=45)
    busy = [Busy(rome(2026, 3, 2, 10), rome(2026, 3, 2, 12, 30), "booking", 1)]
    found = earliest_slot(
        policy, busy, starts_at=rome(2026, 3, 2), ends_at=rome(2026, 3, 6), minutes=120, now=NOW
    )
    assert found == (rome(2026, 3, 2, 12, 30), rome(2026, 3, 2, 14, 30))
    assert (
        earliest_slot(
            policy, busy, starts_at=rome(2026, 3, 2), ends_at=rome(2026, 3, 6), minutes=600, now=NOW
        )
        is None
    )


def test_align_up_uses_local_grid():
    assert align_up(rome(2026, 3, 2, 9, 1), ROME, 15) == rome(2026, 3, 2, 9, 15)
    assert align_up(rome(2026, 3, 2, 23, 50), ROME, 30) == rome(2026, 3, 3, 0, 0)


@pytest.mark.parametrize(
    ("cutoff", "now", "late"),
    [
        (None, TUESDAY_10, False),
        (1440, rome(2026, 3, 2, 9), False),
        (1440, rome(2026, 3, 2, 11), True),
    ],
)
def test_cancellation_is_late_after_the_cutoff(cutoff, now, late):
    policy = Policy("Europe/Rome", cancel_cutoff_minutes=cutoff)
    assert cancellation_is_late(TUESDAY_10, policy, now) is late


def test_policy_in_plain_words():
    words = policy_in_words(
        Policy(
            "Europe/Rome",
            opening=(Window(0, time(9), time(17)),),
            slot_minutes=30,
            max_hours_week=10,
            horizon_days=14,
        )
    )
    assert "Open Monday 09:00–17:00 (Europe/Rome time)." in words
    assert "Bookings start and end on a 30 minutes grid." in words
    assert "At most 10 hours per person per week." in words
