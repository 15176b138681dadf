"""Local times typed into forms on the DST nights (Europe/Rome and Europe/Lisbon, last Sundays of
March and October): a time the clocks skip is refused with a clear message; a time that happens
twice is the pass the person chose (the form asks), and editing a record whose time lies in the
second pass keeps it when the person leaves the time unchanged. The API takes instants with an
offset, so it is never ambiguous."""

from __future__ import annotations

from datetime import UTC, datetime, time
from types import SimpleNamespace

import pytest

from innocore.clock import fold_note, pass_label, passes, wall_to_instant
from innocore.errors import DomainError
from instruments.models import Booking
from tests.support.forms import form_values

ALL_DAY = [(d, time(0), time(23, 59)) for d in range(7)]


def at(*a) -> datetime:
    return datetime(*a, tzinfo=UTC)


@pytest.mark.parametrize(
    "zone, wall, offset, instant",
    [
        ("Europe/Rome", datetime(2027, 10, 31, 2, 30), "+02:00", at(2027, 10, 31, 0, 30)),
        ("Europe/Rome", datetime(2027, 10, 31, 2, 30), "+01:00", at(2027, 10, 31, 1, 30)),
        ("Europe/Rome", datetime(2027, 10, 31, 2, 30), "CET", at(2027, 10, 31, 1, 30)),
        ("Europe/Rome", datetime(2027, 10, 31, 2, 30), "UTC+02:00", at(2027, 10, 31, 0, 30)),
        ("Europe/Rome", datetime(2027, 10, 31, 3, 0), None, at(2027, 10, 31, 2, 0)),
        ("Europe/Rome", datetime(2027, 3, 28, 3, 0), None, at(2027, 3, 28, 1, 0)),
        ("Europe/Lisbon", datetime(2027, 10, 31, 1, 30), "WEST", at(2027, 10, 31, 0, 30)),
        ("Europe/Lisbon", datetime(2027, 10, 31, 1, 30), "+00:00", at(2027, 10, 31, 1, 30)),
        ("Europe/Lisbon", datetime(2027, 10, 31, 1, 30), "Z", at(2027, 10, 31, 1, 30)),
        ("Europe/Lisbon", datetime(2027, 3, 28, 2, 0), None, at(2027, 3, 28, 1, 0)),
        ("Europe/Lisbon", datetime(2027, 3, 28, 2, 0), "+01:00", at(2027, 3, 28, 1, 0)),
    ],
)
def test_wall_clock_times_become_the_right_instants(zone, wall, offset, instant):
    assert wall_to_instant(wall, zone, "starts_at", offset=offset) == instant


@pytest.mark.parametrize(
    "zone, wall, first, second",
    [
        (
            "Europe/Rome",
            datetime(2027, 10, 31, 2, 30),
            "02:30 CEST (UTC+02:00, first)",
            "02:30 CET (UTC+01:00, second)",
        ),
        (
            "Europe/Lisbon",
            datetime(2027, 10, 31, 1, 30),
            "01:30 WEST (UTC+01:00, first)",
            "01:30 WET (UTC+00:00, second)",
        ),
    ],
)
def test_a_repeated_time_without_a_choice_is_refused_naming_both_passes(zone, wall, first, second):
    with pytest.raises(DomainError) as err:
        wall_to_instant(wall, zone, "starts_at")
    [problem] = err.value.problems
    assert (problem.code, problem.field) == ("ambiguous_local_time", "starts_at")
    assert f"choose {first} or {second}" in problem.message
    assert [pass_label(p, zone) for p in passes(wall, zone)] == [first, second]


def test_an_unchanged_repeated_time_keeps_the_stored_pass():
    wall = datetime(2027, 10, 31, 2, 30)
    for stored in (at(2027, 10, 31, 0, 30), at(2027, 10, 31, 1, 30)):
        assert wall_to_instant(wall, "Europe/Rome", "x", keep=[stored, None]) == stored
    # An explicit choice wins over the stored pass.
    chosen = wall_to_instant(
        wall, "Europe/Rome", "x", offset="+02:00", keep=[at(2027, 10, 31, 1, 30)]
    )
    assert chosen == at(2027, 10, 31, 0, 30)


def test_an_offset_that_is_not_the_times_own_is_refused():
    with pytest.raises(DomainError) as err:
        wall_to_instant(datetime(2027, 10, 31, 2, 30), "Europe/Rome", "ends_at", offset="+05:00")
    [problem] = err.value.problems
    assert problem.code == "wrong_offset" and problem.field == "ends_at"
    assert "is UTC+02:00 or UTC+01:00, not +05:00" in problem.message


@pytest.mark.parametrize(
    "zone, wall",
    [("Europe/Rome", datetime(2027, 3, 28, 2, 30)), ("Europe/Lisbon", datetime(2027, 3, 28, 1, 0))],
)
def test_a_time_the_clocks_skip_is_refused_with_a_reason(zone, wall):
    with pytest.raises(DomainError) as err:
        wall_to_instant(wall, zone, "starts_at", offset="+01:00")
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


def test_booking_form_asks_which_pass_then_books_the_chosen_one(
    client, login_as, open_all_day, db_session
):
    instrument, user = open_all_day
    login_as(user)
    data = {"starts_at": "2026-10-25T02:30", "ends_at": "2026-10-25T04:00"}
    asked = client.post(f"/instruments/{instrument.id}/book", data=data)
    assert asked.status_code == 422
    html = asked.get_data(as_text=True)
    assert "02:30 on Sun 25 Oct 2026 happens twice in Europe/Rome" in html
    assert '<option value="+02:00">02:30 CEST (UTC+02:00, first)</option>' in html
    assert '<option value="+01:00">02:30 CET (UTC+01:00, second)</option>' in html
    assert db_session.query(Booking).filter_by(user_id=user.id).count() == 0

    done = client.post(
        f"/instruments/{instrument.id}/book",
        data=data | {"starts_at_pass": "+01:00"},
        follow_redirects=True,
    )
    assert done.status_code == 200
    booking = db_session.query(Booking).filter_by(user_id=user.id).one()
    assert (booking.starts_at, booking.ends_at) == (at(2026, 10, 25, 1, 30), at(2026, 10, 25, 3))
    assert "this is the second, 02:30 CET (UTC+01:00)" in done.get_data(as_text=True)


def test_a_form_post_may_name_the_offset_in_the_time_itself(
    client, login_as, open_all_day, db_session
):
    instrument, user = open_all_day
    login_as(user)
    data = {"starts_at": "2026-10-25T02:30+01:00", "ends_at": "2026-10-25T04:00"}
    assert client.post(f"/instruments/{instrument.id}/book", data=data).status_code == 302
    booking = db_session.query(Booking).filter_by(user_id=user.id).one()
    assert booking.starts_at == at(2026, 10, 25, 1, 30)


def test_moving_a_second_pass_booking_without_touching_its_start_keeps_it(
    client, login_as, open_all_day, db_session, api_headers
):
    instrument, user = open_all_day
    made = client.post(
        "/api/v1/bookings",
        json={
            "instrument_id": instrument.id,
            "starts_at": "2026-10-25T02:30:00+01:00",
            "ends_at": "2026-10-25T04:00:00+01:00",
        },
        headers=api_headers(user) | {"Idempotency-Key": "fold-1"},
    )
    assert made.status_code == 201, made.get_json()
    booking = db_session.get(Booking, made.get_json()["id"])
    assert booking.starts_at == at(2026, 10, 25, 1, 30)
    login_as(user)
    page = client.get(f"/instruments/bookings/{booking.id}").get_data(as_text=True)
    action = f"/instruments/bookings/{booking.id}/move"
    values = form_values(page, action)
    assert values["starts_at"] == ["2026-10-25T02:30"] and values["starts_at_pass"] == ["+01:00"]
    # Only the end changes; the start stays in the second pass (with and without the select).
    for drop_pass in (False, True):
        sent = values | {"ends_at": ["2026-10-25T05:00" if drop_pass else "2026-10-25T04:30"]}
        if drop_pass:
            sent.pop("starts_at_pass")
        assert client.post(action, data=sent).status_code == 303
        db_session.refresh(booking)
        assert booking.starts_at == at(2026, 10, 25, 1, 30)
    assert booking.ends_at == at(2026, 10, 25, 4)


def test_the_api_refuses_a_time_without_offset(client, open_all_day, api_headers):
    instrument, user = open_all_day
    response = client.post(
        "/api/v1/bookings",
        json={
            "instrument_id": instrument.id,
            "starts_at": "2026-10-25T02:30:00",
            "ends_at": "2026-10-25T04:00:00+01:00",
        },
        headers=api_headers(user) | {"Idempotency-Key": "fold-2"},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "starts_at"


def test_training_parts_name_their_pass_and_refuse_the_skipped_hour():
    from training.forms import parse_parts, parts_text

    with pytest.raises(DomainError) as err:
        parse_parts("2027-03-28 02:15-04:00 Hands-on", "Europe/Rome")
    assert err.value.problems[0].field == "parts"
    with pytest.raises(DomainError) as err:
        parse_parts("2027-10-31 02:15-04:00 Hands-on", "Europe/Rome")
    assert "write 02:15 (CEST) for the first, UTC+02:00, or 02:15 (CET) for the second" in (
        err.value.problems[0].message
    )
    [(start, end, title, _)] = parse_parts("2027-10-31 02:15 (CET)-04:00 Hands-on", "Europe/Rome")
    assert (start, end, title) == (at(2027, 10, 31, 1, 15), at(2027, 10, 31, 3), "Hands-on")
    [(start, _, title, _)] = parse_parts(
        "2027-10-31 01:30 (UTC+01:00)-03:00 (Lab) Intro", "Europe/Lisbon"
    )
    assert (start, title) == (at(2027, 10, 31, 0, 30), "(Lab) Intro")
    # What the edit page writes reads back as the same instants.
    part = SimpleNamespace(
        starts_at=start, ends_at=at(2027, 10, 31, 1, 45), title="A", instrument=None
    )
    text = parts_text(SimpleNamespace(parts=[part]), "Europe/Lisbon")
    assert text == "2027-10-31 01:30 (WEST)-01:45 (WET) A"
    assert parse_parts(text, "Europe/Lisbon")[0][:2] == (start, at(2027, 10, 31, 1, 45))


@pytest.mark.parametrize(
    ("starts_at", "message"),
    [
        ("99999-12-01T10:00", "Dates lie in the years 1900 to 2999."),
        ("garbage", "Not a valid date and time"),
    ],
)
def test_booking_form_keeps_what_was_typed_and_says_what_is_wrong_with_a_time(
    client, login_as, open_all_day, starts_at, message
):
    instrument, user = open_all_day
    login_as(user)
    data = {"starts_at": starts_at, "ends_at": "2026-06-01T12:00", "purpose": "Calibrate first"}
    page = client.post(f"/instruments/{instrument.id}/book", data=data)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert message in html and "This field is required" not in html
    assert f'value="{starts_at}"' in html
