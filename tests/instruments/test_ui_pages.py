"""Pages of issue 13 in the booking engine: irreversible actions ask first with their
consequences, downtime previews the bookings it would cancel, the "may I book this?" panel, and
the step tracker of service requests."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from instruments import services
from instruments.booking_panel import booking_panel
from instruments.eligibility import ROUTES_KEY, Eligibility, TrainingRoute
from instruments.models import Booking, BookingStatus, Downtime
from instruments.requests.models import RequestStatus
from instruments.requests.rules import request_steps
from tests.instruments.conftest import WEEKDAYS_8_TO_20

ROME = ZoneInfo("Europe/Rome")


@pytest.fixture
def world(clock, make_user, make_instrument, make_facility, grant):
    facility = make_facility()
    instrument = make_instrument(facility=facility, opening=WEEKDAYS_8_TO_20, slot_minutes=30)
    user = make_user(organisation=facility.institution, name="Owner Person")
    staff = make_user(organisation=facility.institution)
    grant(staff, facility, "staff")
    return instrument, user, staff


def book(instrument, user, day, start, end) -> Booking:
    return services.create_booking(
        user,
        instrument.id,
        services.BookingInput(
            starts_at=datetime(2026, 3, day, start, tzinfo=ROME),
            ends_at=datetime(2026, 3, day, end, tzinfo=ROME),
            purpose="Imaging",
        ),
    )


def test_cancelling_a_booking_asks_first_then_says_what_happened(world, login_as, db_session):
    instrument, user, _ = world
    booking = book(instrument, user, 5, 10, 11)
    db_session.commit()
    client = login_as(user)
    first = client.post(f"/instruments/bookings/{booking.id}/cancel", data={"reason": "ill"})
    text = first.get_data(as_text=True)
    assert first.status_code == 200 and "Cancel this booking?" in text
    assert "This cannot be undone" in text and 'name="confirmed" value="1"' in text
    db_session.refresh(booking)
    assert booking.status == BookingStatus.CONFIRMED
    done = client.post(
        f"/instruments/bookings/{booking.id}/cancel",
        data={"reason": "ill", "confirmed": "1"},
        follow_redirects=True,
    )
    assert "Booking cancelled: the time is free for others again" in done.get_data(as_text=True)
    db_session.refresh(booking)
    assert booking.status == BookingStatus.CANCELLED


def test_downtime_lists_the_bookings_it_would_cancel_before_it_does(world, login_as, db_session):
    instrument, user, staff = world
    booking = book(instrument, user, 5, 10, 11)
    db_session.commit()
    client = login_as(staff)
    form = client.get(f"/instruments/{instrument.id}/downtime").get_data(as_text=True)
    assert (
        'id="cancel_bookings"' in form
        and "checked" not in form.split('id="cancel_bookings"')[1][:40]
    )
    data = {
        "starts_at": "2026-03-05T09:00",
        "ends_at": "2026-03-05T12:00",
        "reason": "Service",
        "cancel_bookings": "y",
    }
    preview = client.post(f"/instruments/{instrument.id}/downtime", data=data)
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "1 booking overlaps this downtime" in text
    assert "Owner Person" in text and "cancelled for good" in text
    assert db_session.query(Downtime).filter_by(instrument_id=instrument.id).count() == 0
    done = client.post(
        f"/instruments/{instrument.id}/downtime",
        data={**data, "confirmed": "1"},
        follow_redirects=True,
    )
    assert "1 overlapping booking cancelled" in done.get_data(as_text=True)
    db_session.refresh(booking)
    assert booking.status == BookingStatus.CANCELLED


def test_the_booking_panel_says_who_may_book_and_what_leads_there(
    app, world, make_competence, eligibility, make_user
):
    instrument, user, _ = world
    competence = make_competence()
    instrument.required_competence_id, instrument.required_level = competence.id, 2
    holder = make_user()
    eligibility({(holder.id, competence.id): Eligibility(holds=True, level=2)})
    route = TrainingRoute(
        "Confocal basics", "/training/modules/1", datetime(2026, 3, 9, 9, tzinfo=ROME)
    )
    app.extensions[ROUTES_KEY] = lambda c, level, now: [route] if c == competence.id else []
    try:
        now = datetime(2026, 3, 2, 9, tzinfo=ROME)
        assert booking_panel(holder, instrument, now).heading == "You may book this."
        lacking = booking_panel(user, instrument, now)
        assert lacking.state == "needs" and lacking.heading.startswith(
            f"You need {competence.title} at level 2"
        )
        assert lacking.routes == [route]
        with app.test_request_context("/"):
            assert booking_panel(None, instrument, now).state == "sign_in"
    finally:
        app.extensions.pop(ROUTES_KEY, None)
        from training.certification.eligibility import training_routes

        app.extensions[ROUTES_KEY] = training_routes


def test_the_instrument_page_shows_the_panel_with_enrolment_links(world, login_as, make_competence):
    instrument, user, _ = world
    competence = make_competence()
    instrument.required_competence_id, instrument.required_level = competence.id, 1
    page = login_as(user).get(f"/instruments/{instrument.id}").get_data(as_text=True)
    assert f"You need {competence.title} at level 1" in page
    assert "tech/light_microscopy.svg" in page  # no photo: our technology icon


@pytest.mark.parametrize(
    "status, quoted, states",
    [
        (RequestStatus.SUBMITTED, False, ["current", "todo", "todo", "todo", "todo", "todo"]),
        (RequestStatus.IN_PROGRESS, True, ["done", "done", "done", "current", "todo", "todo"]),
        (RequestStatus.CLOSED, True, ["done"] * 6),
        (RequestStatus.DECLINED, True, ["done", "stopped", "todo", "todo", "todo", "todo"]),
        (RequestStatus.REJECTED, False, ["stopped", "todo", "todo", "todo", "todo", "todo"]),
        (RequestStatus.WITHDRAWN, True, ["done", "stopped", "todo", "todo", "todo", "todo"]),
    ],
)
def test_request_steps(status, quoted, states):
    steps = request_steps(status, quoted=quoted)
    assert [s for _, s in steps] == states
    if "stopped" in states:
        assert steps[states.index("stopped")][0] == status.label
