"""Pages, refusals, errors and exports of the instruments package read whole in the reader's
language: no raw action or status code, no English word inside a translated sentence."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale, gettext

from innocore.marks import message_text
from innocore.vocab import Locale
from instruments import services
from instruments.models import BookingChange, UsageChannel
from instruments.services import BookingInput
from tests.instruments.conftest import WEEKDAYS_8_TO_20

ROME = ZoneInfo("Europe/Rome")


def rome(*a):
    return datetime(*a, tzinfo=ROME)


def italian(text: str) -> str:
    with force_locale("it"):
        return gettext(text)


@pytest.fixture
def booked(clock, make_user, make_instrument, make_facility, db_session):
    """A booking made, moved and checked in at the kiosk (its history has three actions)."""
    facility = make_facility()
    instrument = make_instrument(facility=facility, opening=WEEKDAYS_8_TO_20, slot_minutes=30)
    user = make_user(organisation=facility.institution)
    user.locale = Locale.IT
    booking = services.create_booking(
        user, instrument.id, BookingInput(rome(2026, 3, 3, 9), rome(2026, 3, 3, 10))
    )
    services.move_booking(user, booking.id, rome(2026, 3, 4, 9), rome(2026, 3, 4, 11))
    db_session.add(
        BookingChange(
            booking_id=booking.id,
            actor_id=user.id,
            changed_at=rome(2026, 3, 4, 9),
            action="checked_in",
            new_starts_at=booking.starts_at,
            new_ends_at=booking.ends_at,
            note=UsageChannel.KIOSK.english,
        )
    )
    db_session.flush()
    return booking, user


def test_the_booking_history_reads_in_words_of_the_readers_language(booked, client, login_as):
    """Each action of a booking's history is a label in the reader's language (never
    ``created``, ``checked_in`` or ``booking.…``), and a note written by the system is too."""
    booking, user = booked
    page = login_as(user).get(f"/instruments/bookings/{booking.id}").get_data(as_text=True)
    history = page[page.index("<ol>", page.index("history") if "history" in page else 0) :]
    history = history[: history.index("</ol>")]
    for code in ("created", "moved", "checked_in", "booking."):
        assert not re.search(rf"\b{re.escape(code)}", history), code
    for label in ("Booked", "Moved", "Checked in", "at the facility kiosk"):
        assert italian(label) != label and italian(label) in history, label


def test_a_refusal_names_the_status_in_the_readers_language(booked, app):
    """ "This booking is no longer active (status: …)" carries the status word translated where
    it is shown, not the English word of whoever caused it."""
    from innocore.errors import DomainError

    booking, user = booked
    services.cancel_booking(user, booking.id, "")
    with pytest.raises(DomainError) as err:
        services.move_booking(user, booking.id, rome(2026, 3, 5, 9), rome(2026, 3, 5, 10))
    message = err.value.problems[0].message
    assert "(status: Cancelled)" in message  # English in logs
    with app.test_request_context(headers={"Accept-Language": "it"}):
        shown = message_text(message)
    assert italian("Cancelled") in shown and "Cancelled" not in shown


def test_a_bad_request_explains_itself_in_the_readers_language(client, make_instrument):
    """``abort(400, T_(...))``: the page and the JSON error read in the reader's language, and
    the page's title is a translated one (not Werkzeug's "Bad Request")."""
    instrument = make_instrument()
    page = client.get(
        f"/instruments/{instrument.id}?date=tomorrow", headers={"Accept-Language": "it"}
    )
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "Bad Request" not in html and italian("Bad request") in html
    assert "The date must look like" not in html


def test_a_bad_request_in_json_explains_itself_in_the_readers_language(client, make_instrument):
    """The same refusal as JSON: ``code`` stays English, ``message`` is translated."""
    instrument = make_instrument()
    json = client.get(
        f"/instruments/{instrument.id}?date=tomorrow",
        headers={"Accept-Language": "it", "Accept": "application/json"},
    )
    assert json.status_code == 400
    error = json.get_json()["errors"][0]
    assert error["code"] == "bad_request" and "The date must look like" not in error["message"]


def test_the_position_in_line_has_no_english_ordinal(app):
    """ "Position 2 in line", whole, in every language (never "2nd in line")."""
    with app.test_request_context(headers={"Accept-Language": "it"}):
        text = gettext("Position %(n)s in line", n=2)
    assert text != "Position 2 in line" and "2" in text and "nd" not in text
