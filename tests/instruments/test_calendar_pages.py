"""The instrument and facility calendars speak the facility's wall clock: row labels, hover texts,
"Book" labels and booking links agree with it in winter, in summer and on the DST nights; bookings
outside opening hours (staff overrides) show in the day, week and agenda views."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, time
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlparse

import pytest

from instruments.models import Booking, BookingStatus, Downtime

OPEN_8_TO_19 = [(d, time(8), time(19)) for d in range(7)]


def at(*a) -> datetime:
    return datetime(*a, tzinfo=UTC)


class Grid(HTMLParser):
    """The calendar table: per body row, its ``th`` label and each cell's title, text and link."""

    def __init__(self):
        super().__init__()
        self.rows: list[dict] = []
        self._in, self._cell = None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr":
            self.rows.append({"label": "", "cells": []})
        elif tag == "th" and a.get("scope") == "row" and self.rows:
            self._in = "label"
        elif tag == "td" and self.rows:
            self._cell = {"title": a.get("title", ""), "text": "", "href": None, "aria": None}
            self.rows[-1]["cells"].append(self._cell)
        elif tag == "a" and self._cell is not None:
            self._cell["href"], self._cell["aria"] = a.get("href"), a.get("aria-label")

    def handle_endtag(self, tag):
        if tag == "th":
            self._in = None
        elif tag == "td":
            self._cell = None

    def handle_data(self, data):
        if self._in == "label":
            self.rows[-1]["label"] += data.strip()
        elif self._cell is not None:
            self._cell["text"] += data.strip()


def grid_of(response) -> list[dict]:
    parser = Grid()
    parser.feed(response.get_data(as_text=True))
    return [r for r in parser.rows if r["cells"]]


@pytest.fixture
def world(clock, db_session, make_user, make_instrument, make_facility, grant):
    clock.set(at(2026, 1, 5, 6, 0))
    facility = make_facility(timezone="Europe/Rome")
    instrument = make_instrument(facility=facility, opening=OPEN_8_TO_19, name="Confocal")
    staff = make_user()
    grant(staff, facility, "staff")
    person = make_user()
    return instrument, staff, person


def add_downtime(db_session, instrument, staff, start, end):
    db_session.add(Downtime(instrument_id=instrument.id, starts_at=start, ends_at=end,
                            reason="Service", created_by_id=staff.id, created_at=start))  # fmt: skip
    db_session.commit()


def add_booking(db_session, instrument, user, start, end, reason="Night run"):
    b = Booking(
        instrument_id=instrument.id, user_id=user.id, booked_by_id=user.id, starts_at=start,
        ends_at=end, status=BookingStatus.CONFIRMED, uid=f"booking-{uuid.uuid4().hex}@t",
        sequence=0, override_reason=reason, created_at=start, updated_at=start,
    )  # fmt: skip
    db_session.add(b)
    db_session.commit()
    return b


def assert_wall_clock(rows):
    """Every cell's hover text and "Book" label name the hour of its row."""
    for row in rows:
        assert re.fullmatch(r"\d\d:00", row["label"]), row["label"]
        for cell in row["cells"]:
            assert f" {row['label']}" in cell["title"], (row["label"], cell["title"])
            if cell["aria"]:
                assert f" {row['label']}" in cell["aria"]


@pytest.mark.parametrize(
    "day, offset, zone_name",
    [("2026-03-04", 1, "CET"), ("2026-07-08", 2, "CEST")],
)
@pytest.mark.parametrize("view", ["week", "day"])
def test_rows_are_labelled_with_the_facility_wall_clock(
    client, db_session, world, day, offset, zone_name, view
):
    """Downtime 09:00-13:00 local fills rows 09:00-12:00; the first row is 07:00 (opens at 08:00);
    the free 08:00 cell books 08:00 local."""
    instrument, staff, _ = world
    y, m, d = map(int, day.split("-"))
    add_downtime(db_session, instrument, staff, at(y, m, d, 9 - offset), at(y, m, d, 13 - offset))
    rows = grid_of(client.get(f"/instruments/{instrument.id}?view={view}&date={day}"))
    assert_wall_clock(rows)
    assert rows[0]["label"] == "07:00" and rows[-1]["label"] == "19:00"
    column = 0 if view == "day" else datetime(y, m, d).weekday()
    by_label = {r["label"]: r["cells"][column] for r in rows}
    assert [h for h, c in by_label.items() if c["text"] == "Down"] == [
        "09:00", "10:00", "11:00", "12:00",
    ]  # fmt: skip
    assert by_label["13:00"]["text"] == "Free" and by_label["07:00"]["text"] == ""
    assert by_label["09:00"]["title"].endswith(f"09:00–10:00 {zone_name}")
    start = parse_qs(urlparse(by_label["08:00"]["href"]).query)["start"][0]
    assert datetime.fromisoformat(start) == at(y, m, d, 8 - offset)


def test_facility_calendar_hover_texts_are_facility_time(client, db_session, world):
    instrument, staff, _ = world
    add_downtime(db_session, instrument, staff, at(2026, 7, 8, 7), at(2026, 7, 8, 11))
    page = client.get(f"/instruments/facility/{instrument.facility.slug}?date=2026-07-08")
    [row] = grid_of(page)
    titles = [c["title"] for c in row["cells"]]
    assert len(titles) == 24
    for hour, title in enumerate(titles):
        assert f" {hour:02d}:00" in title
    assert [h for h, t in enumerate(titles) if t.endswith("downtime")] == [9, 10, 11, 12]
    assert titles[9] == "Wed 08 09:00–10:00 CEST: downtime"


def test_the_autumn_night_shows_both_offsets_and_the_spring_gap_is_named(client, db_session, world):
    instrument = world[0]
    autumn = client.get(f"/instruments/facility/{instrument.facility.slug}?date=2026-10-25")
    titles = [c["title"] for c in grid_of(autumn)[0]["cells"]]
    assert titles[2].startswith("Sun 25 02:00 CEST–03:00 CET")
    spring = client.get(f"/instruments/facility/{instrument.facility.slug}?date=2026-03-29")
    titles = [c["title"] for c in grid_of(spring)[0]["cells"]]
    assert titles[2] == "Sun 29 02:00 does not exist: none"


def test_an_out_of_hours_booking_shows_in_day_week_and_agenda(client, db_session, world, login_as):
    """A staff override 20:00-06:00 (CET) on an instrument open 08-19."""
    instrument, staff, person = world
    add_booking(db_session, instrument, person, at(2026, 3, 4, 19), at(2026, 3, 5, 5))
    base = f"/instruments/{instrument.id}"
    day = grid_of(client.get(f"{base}?view=day&date=2026-03-04"))
    booked = [r["label"] for r in day if r["cells"][0]["text"] == "Booked"]
    assert booked == ["20:00", "21:00", "22:00", "23:00"]
    week = grid_of(client.get(f"{base}?view=week&date=2026-03-04"))
    thursday = [r["label"] for r in week if r["cells"][3]["text"] == "Booked"]
    assert thursday == ["00:00", "01:00", "02:00", "03:00", "04:00", "05:00"]
    agenda = client.get(f"{base}?view=agenda&date=2026-03-04").get_data(as_text=True)
    assert agenda.count("Booked Wed 04 Mar 20:00 CET – Thu 05 Mar 06:00 CET") == 2
    login_as(person)
    mine = client.get(f"{base}?view=agenda&date=2026-03-04").get_data(as_text=True)
    assert "Your booking Wed 04 Mar 20:00 CET – Thu 05 Mar 06:00 CET" in mine
