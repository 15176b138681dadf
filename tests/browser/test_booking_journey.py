"""A student on a phone opens an instrument's calendar, taps a free hour, books it with the form
prefilled, finds it in "My bookings" and downloads its .ics (real gunicorn, Debian's chromium)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from innocore import clock
from innocore.accounts.models import Organisation, User
from innocore.accounts.services import hash_password
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.vocab import OrganisationKind, Technology
from instruments.models import Instrument
from tests.support.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROME = ZoneInfo("Europe/Rome")
PASSWORD = "a long enough passphrase"


def _seed(app) -> int:
    """An instrument that needs no competence, 1-hour grid, and a verified student."""
    now = clock.now()
    with app.app_context():
        org = Organisation(name="Università di Valmonte", kind=OrganisationKind.UNIVERSITY,
                           country="IT", city="Valmonte", created_at=now)  # fmt: skip
        facility = Facility(slug="valmonte-imaging", name="Valmonte Imaging", institution=org,
                            timezone="Europe/Rome", contact_email="imaging@valmonte.example",
                            created_at=now)  # fmt: skip
        instrument = Instrument(facility=facility, name="Widefield microscope", model="Ti2",
                                technology=Technology.LIGHT_MICROSCOPY, slot_minutes=60,
                                location="Room B12", created_at=now, updated_at=now)  # fmt: skip
        student = User(email="giulia@valmonte.example", name="Giulia Student", organisation=org,
                       password_hash=hash_password(PASSWORD), email_verified_at=now,
                       created_at=now)  # fmt: skip
        db.session.add_all([instrument, student])
        db.session.commit()
        instrument_id = instrument.id
        db.session.remove()
    return instrument_id


def test_student_books_a_free_slot_from_the_calendar_on_a_phone(live_server, phone):
    instrument_id = _seed(live_server.app)
    day = clock.now().astimezone(ROME).date() + timedelta(days=2)
    page = phone

    sign_in(page, live_server.url, "giulia@valmonte.example", PASSWORD)
    page.wait_for_url("**/dashboard")

    page.goto(f"{live_server.url}/instruments/{instrument_id}?view=day&date={day.isoformat()}")
    slot = page.get_by_role("link", name=f"Free: book {day.strftime('%a %d %b')} 10:00", exact=True)
    slot.tap()
    page.wait_for_url(f"**/instruments/{instrument_id}/book?**")
    start = page.get_by_label("Start (facility time)", exact=True)
    end = page.get_by_label("End (facility time)", exact=True)
    assert start.input_value() == f"{day.isoformat()}T10:00"
    assert end.input_value() == f"{day.isoformat()}T11:00"
    page.get_by_label("Purpose", exact=True).fill("Live imaging of zebrafish embryos")
    page.get_by_role("button", name="Book", exact=True).tap()
    assert "Booking confirmed." in page.locator(".flashes").inner_text()

    page.locator("summary", has_text="Menu").tap()
    page.get_by_role("link", name="My bookings", exact=True).tap()
    page.wait_for_url("**/instruments/bookings/mine")
    upcoming = page.locator("li.note", has_text="Widefield microscope")
    assert upcoming.count() == 1 and "Confirmed" in upcoming.inner_text()
    upcoming.get_by_role("link", name="Widefield microscope", exact=True).tap()

    with page.expect_download() as download:
        page.get_by_role("link", name="Add to calendar (.ics)", exact=True).tap()
    ics = Path(download.value.path()).read_text(encoding="utf-8")
    assert "BEGIN:VEVENT" in ics and "BEGIN:VTIMEZONE" in ics
    assert f"DTSTART;TZID=Europe/Rome:{day.strftime('%Y%m%d')}T100000" in ics
    assert f"DTEND;TZID=Europe/Rome:{day.strftime('%Y%m%d')}T110000" in ics
    assert "SUMMARY:Widefield microscope" in ics
