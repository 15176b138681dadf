"""One rule, one place: the finder checks its window the same way in the page and the API, and a
clash names whose booking it is (issue 12, point 11)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from instruments.rules import (
    CONFLICT,
    OWN_CONFLICT,
    BookingRequest,
    Busy,
    conflict_problems,
    search_problems,
)
from tests.instruments.conftest import WEEKDAYS_8_TO_20

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "end", "hours", "codes"),
    [
        (T0, T0 + timedelta(days=14), 2, []),
        (T0, T0 + timedelta(days=92), 2, []),
        (T0, T0 + timedelta(days=93), 2, ["bad_window"]),  # longer than 92 days
        (T0, T0 + timedelta(days=3650), 2, ["bad_window"]),  # ten years
        (T0 + timedelta(days=1), T0, 2, ["bad_window"]),  # 'from' after 'to'
        (T0, T0, 2, ["bad_window"]),
        (T0, T0 + timedelta(days=1), 0, ["invalid_hours"]),
        (T0, T0 + timedelta(days=1), 169, ["invalid_hours"]),
    ],
)
def test_a_search_looks_forward_over_at_most_92_days(start, end, hours, codes):
    assert [p.code for p in search_problems(start, end, hours)] == codes


def _busy(user_id: int) -> list[Busy]:
    return [Busy(T0, T0 + timedelta(hours=1), "booking", 1, user_id)]


@pytest.mark.parametrize(
    ("holders", "expected"),
    [
        ([8], [CONFLICT]),  # someone else's booking
        ([7], [OWN_CONFLICT]),  # my own booking: not "someone else"
        ([7, 8], [CONFLICT, OWN_CONFLICT]),
    ],
)
def test_a_clash_names_whose_booking_it_is(holders, expected):
    request = BookingRequest(T0, T0 + timedelta(hours=1), user_id=7)
    busy = [b for user_id in holders for b in _busy(user_id)]
    assert conflict_problems(request, busy) == expected


@pytest.mark.parametrize(
    ("policy", "mine", "code", "own", "theirs"),
    [
        (
            {"max_future_bookings": 1},
            1,
            "too_many_bookings",
            "You may hold at most 1 future bookings here.",
            "Ada Byron may hold at most 1 future bookings here.",
        ),
        (
            {"max_hours_week": 1},
            1,
            "weekly_quota",
            "You may book at most 1 hours per week here.",
            "Ada Byron may book at most 1 hours per week here.",
        ),
        (
            {"requires_competence": True},
            0,
            "competence_missing",
            "You do not yet hold the competence this instrument requires; staff may book for you.",
            "Ada Byron does not yet hold the competence this instrument requires.",
        ),
        (
            {},
            0,
            "conflict",
            "You already have a booking of this instrument at that time.",
            "Ada Byron already has a booking of this instrument at that time.",
        ),
    ],
)
def test_a_problem_speaks_to_the_person_or_names_them_to_staff_acting_for_them(
    policy, mine, code, own, theirs
):
    from instruments.eligibility import Eligibility
    from instruments.rules import Policy, booking_problems

    start = T0 + timedelta(days=1)
    held = [Busy(start + timedelta(hours=2), start + timedelta(hours=3), "booking", 1, 7)]
    busy = [Busy(start, start + timedelta(hours=1), "booking", 2, 7)] if code == "conflict" else []
    rules_policy = Policy(timezone="UTC", **policy)
    for for_name, expected in ((None, own), ("Ada Byron", theirs)):
        request = BookingRequest(start, start + timedelta(hours=1), 7, for_name=for_name)
        problems = booking_problems(
            request,
            busy=busy,
            policy=rules_policy,
            eligibility=Eligibility(),
            now=T0,
            mine=held[:mine],
        )
        assert [p.message for p in problems if p.code == code] == [expected]


@pytest.fixture
def world(clock, make_user, make_instrument, make_facility):
    facility = make_facility()
    instrument = make_instrument(facility=facility, opening=WEEKDAYS_8_TO_20)
    return instrument, make_user(organisation=facility.institution, timezone="Europe/Rome")


@pytest.mark.parametrize(
    ("page_args", "api_args"),
    [
        (
            {"from": "2026-03-20", "to": "2026-03-10"},
            {"from": "2026-03-20T00:00:00+01:00", "to": "2026-03-10T00:00:00+01:00"},
        ),
        (
            {"from": "2026-03-02", "to": "2036-03-02"},
            {"from": "2026-03-02T00:00:00+01:00", "to": "2036-03-02T00:00:00+01:00"},
        ),
    ],
)
def test_page_and_api_refuse_the_same_windows_alike(
    world, login_as, client, api_headers, page_args, api_args
):
    _, user = world
    headers = api_headers(user)
    api = client.get(
        "/api/v1/availability/earliest", headers=headers, query_string={"hours": "1", **api_args}
    )
    assert api.status_code == 422
    [problem] = api.json["errors"]
    assert problem["code"] == "bad_window"
    page = login_as(user).get("/instruments/finder", query_string={"hours": "1", **page_args})
    assert page.status_code == 422
    assert problem["message"].replace("'", "&#39;") in page.data.decode()
    assert "has such a slot" not in page.data.decode()  # not the "no slot" answer of before


def test_booking_over_my_own_booking_says_it_is_mine(world, client, api_headers):
    instrument, user = world
    headers = api_headers(user)
    body = {
        "instrument_id": instrument.id,
        "starts_at": "2026-03-03T10:00:00+01:00",
        "ends_at": "2026-03-03T11:00:00+01:00",
    }
    assert client.post("/api/v1/bookings", json=body, headers=headers).status_code == 201
    again = client.post("/api/v1/bookings", json=body, headers=headers)
    assert again.status_code == 409
    assert again.json["errors"][0]["message"] == OWN_CONFLICT.message
