"""Local times typed into forms on the DST nights: a time the clocks skip is refused with a clear
message; a time that happens twice is its first pass, and the page says which one it took."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from innocore.clock import fold_note, wall_to_instant
from innocore.errors import DomainError
from instruments.models import Booking

ALL_DAY = [(d, time(0), time(23, 59)) for d in range(7)]


def at(*a) -> datetime:
    return datetime(*a, tzinfo=UTC)


@pytest.mark.parametrize(
    "zone, wall, instant",
    [
        ("Europe/Rome", datetime(2026, 10, 25, 2, 30), at(2026, 10, 25, 0, 30)),  # CEST pass
        ("Europe/Rome", datetime(2026, 10, 25, 3, 0), at(2026, 10, 25, 2, 0)),
        ("Europe/Rome", datetime(2026, 3, 29, 3, 0), at(2026, 3, 29, 1, 0)),
        ("Europe/Lisbon", datetime(2026, 10, 25, 1, 30), at(2026, 10, 25, 0, 30)),  # WEST pass
        ("Europe/Lisbon", datetime(2026, 3, 29, 2, 0), at(2026, 3, 29, 1, 0)),
    ],
)
def test_wall_clock_times_become_the_right_instants(zone, wall, instant):
    assert wall_to_instant(wall, zone, "starts_at") == instant


@pytest.mark.parametrize(
    "zone, wall",
    [("Europe/Rome", datetime(2026, 3, 29, 2, 30)), ("Europe/Lisbon", datetime(2027, 3, 28, 1, 0))],
)
def test_a_time_the_clocks_skip_is_refused_with_a_reason(zone, wall):
    with pytest.raises(DomainError) as err:
        wall_to_instant(wall, zone, "starts_at")
    [problem] = err.value.problems
    assert problem.code == "nonexistent_local_time" and problem.field == "starts_at"
    assert "does not exist" in problem.message and "forward 60 minutes" in problem.message


def test_fold_note_names_which_pass():
    first, second = at(2026, 10, 25, 0, 30), at(2026, 10, 25, 1, 30)
    assert fold_note(first, "Europe/Rome").endswith("this is the first, 02:30 CEST (UTC+02:00).")
    assert fold_note(second, "Europe/Rome").endswith("this is the second, 02:30 CET (UTC+01:00).")
    assert fold_note(at(2026, 10, 25, 9, 0), "Europe/Rome") is None


@pytest.fixture
def open_all_day(clock, make_instrument, make_user):
    clock.set(at(2026, 3, 20, 9, 0))
    instrument = make_instrument(opening=ALL_DAY, slot_minutes=30)
    return instrument, make_user(organisation=instrument.facility.institution)


def test_booking_form_refuses_the_skipped_hour(client, login_as, open_all_day):
    instrument, user = open_all_day
    login_as(user)
    page = client.post(
        f"/instruments/{instrument.id}/book",
        data={"starts_at": "2026-03-29T02:30", "ends_at": "2026-03-29T04:00"},
    )
    assert page.status_code == 422
    assert "02:30 on Sun 29 Mar 2026 does not exist in Europe/Rome" in page.get_data(as_text=True)


def test_booking_form_takes_the_first_pass_of_the_repeated_hour_and_says_so(
    client, login_as, open_all_day, db_session
):
    instrument, user = open_all_day
    login_as(user)
    done = client.post(
        f"/instruments/{instrument.id}/book",
        data={"starts_at": "2026-10-25T02:30", "ends_at": "2026-10-25T04:00"},
        follow_redirects=True,
    )
    assert done.status_code == 200
    booking = db_session.query(Booking).filter_by(user_id=user.id).one()
    assert (booking.starts_at, booking.ends_at) == (at(2026, 10, 25, 0, 30), at(2026, 10, 25, 3))
    assert "this is the first, 02:30 CEST (UTC+02:00)" in done.get_data(as_text=True)


def test_training_parts_refuse_the_skipped_hour():
    from training.forms import parse_parts

    with pytest.raises(DomainError) as err:
        parse_parts("2026-03-29 02:15-04:00 Hands-on", "Europe/Rome")
    assert err.value.problems[0].field == "parts"
    [(start, end, _, _)] = parse_parts("2026-10-25 02:15-04:00 Hands-on", "Europe/Rome")
    assert (start, end) == (at(2026, 10, 25, 0, 15), at(2026, 10, 25, 3, 0))
