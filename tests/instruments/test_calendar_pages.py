"""The calendars draw bookings, training reservations and downtime as blocks placed by their start
and end in the facility's wall clock (winter, summer and both DST days), say which day they show,
keep who booked and why to staff and the booker, show bookings outside opening hours, and link
free time to a booking form that opens within the rules."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, time, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlparse

import pytest

from instruments.models import Booking, BookingStatus, Downtime

OPEN_8_TO_19 = [(d, time(8), time(19)) for d in range(7)]
KIND = {
    "f": "k-free",
    "c": "k-closed",
    "p": "k-past",
    "l": "k-lane",
    "g": "k-gap",
    "b": "k-booking",
    "m": "k-mine",
    "w": "k-pending",
    "t": "k-training",
    "d": "k-downtime",
}


def at(*a) -> datetime:
    return datetime(*a, tzinfo=UTC)


class Table(HTMLParser):
    """The first calendar table of a page, laid out by the HTML table model: every body cell
    with the row (0-based, body rows) and column (0-based, after the row header) it starts at."""

    def __init__(self, css: str):
        super().__init__()
        self.css, self.depth, self.done = css, 0, False
        self.attrs: dict = {}
        self.labels: list[str] = []
        self.cells: list[dict] = []
        self.hours: list[str] = []
        self._body = self._head = False
        self._row = -1
        self._taken: dict[tuple[int, int], bool] = {}
        self._col = 0
        self._cell = self._th = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self.done:
            return
        if tag == "table" and self.css in (a.get("class") or "").split() and not self.depth:
            self.depth, self.attrs = 1, a
        if not self.depth:
            return
        if tag == "thead":
            self._head = True
        elif tag == "tbody":
            self._head, self._body = False, True
        elif tag == "tr" and self._body:
            self._row += 1
            self._col = 0
        elif tag == "th" and self._body:
            self._th = ""
            self.labels.append("")
        elif tag == "th" and self._head and a.get("scope") == "col" and a.get("colspan"):
            self.hours.append(a.get("title", ""))
        elif tag == "td" and self._body:
            while self._taken.get((self._row, self._col)):
                self._col += 1
            span, rows = int(a.get("colspan", 1)), int(a.get("rowspan", 1))
            for r in range(rows):
                for c in range(span):
                    self._taken[(self._row + r, self._col + c)] = True
            self._cell = {
                "row": self._row,
                "col": self._col,
                "colspan": span,
                "rowspan": rows,
                "kind": KIND.get((a.get("class") or "").split()[0]) or a["class"].split()[0],
                "title": a.get("title", ""),
                "text": "",
                "href": None,
            }
            self.cells.append(self._cell)
            self._col += span
        elif tag == "a" and self._cell is not None:
            self._cell["href"] = a.get("href")
            self._cell["text"] += " " + a.get("aria-label", "")

    def handle_endtag(self, tag):
        if not self.depth:
            return
        if tag == "table":
            self.done, self.depth = True, 0
        elif tag == "th":
            self._th = None
        elif tag == "td":
            self._cell = None

    def handle_data(self, data):
        if self._th is not None and self._body:
            self.labels[-1] += data.strip()
        elif self._cell is not None:
            self._cell["text"] = " ".join((self._cell["text"] + " " + data.strip()).split())


def table(response, css="cal-week") -> Table:
    assert response.status_code == 200
    parser = Table(css)
    parser.feed(response.get_data(as_text=True))
    assert parser.attrs, f"no table.{css}"
    return parser


def start_of(href: str) -> datetime:
    return datetime.fromisoformat(parse_qs(urlparse(href).query)["start"][0])


@pytest.fixture
def world(clock, db_session, make_user, make_instrument, make_facility, grant):
    clock.set(at(2026, 1, 5, 6, 0))
    facility = make_facility(timezone="Europe/Rome")
    instrument = make_instrument(
        facility=facility, opening=OPEN_8_TO_19, name="Confocal", slot_minutes=60, max_minutes=480
    )
    staff = make_user(name="Sara Staff")
    grant(staff, facility, "staff")
    person = make_user(name="Pietro Person")
    return instrument, staff, person


def add_downtime(db_session, instrument, staff, start, end):
    db_session.add(
        Downtime(
            instrument_id=instrument.id,
            starts_at=start,
            ends_at=end,
            reason="Service",
            created_by_id=staff.id,
            created_at=start,
        )
    )
    db_session.commit()


def add_booking(db_session, instrument, user, start, end, purpose="Night run", **kw):
    b = Booking(
        instrument_id=instrument.id,
        user_id=user.id,
        booked_by_id=user.id,
        starts_at=start,
        ends_at=end,
        status=BookingStatus.CONFIRMED,
        uid=f"booking-{uuid.uuid4().hex}@t",
        sequence=0,
        purpose=purpose,
        created_at=start,
        updated_at=start,
        **kw,
    )
    db_session.add(b)
    db_session.commit()
    return b


def blocks(t: Table, kind: str) -> list[dict]:
    return [c for c in t.cells if c["kind"] == f"k-{kind}"]


@pytest.mark.parametrize(
    "day, offset, zone_name",
    [("2026-03-04", 1, "CET"), ("2026-07-08", 2, "CEST")],
)
@pytest.mark.parametrize("view", ["week", "day"])
def test_a_block_spans_the_wall_clock_rows_of_its_start_and_end(
    client, db_session, world, day, offset, zone_name, view
):
    """Downtime 09:00-13:00 local is one block from row 09:00 over 4 rows; rows run 07:00-19:00
    (opens at 08:00); the free 08:00 slot books 08:00 local."""
    instrument, staff, _ = world
    y, m, d = map(int, day.split("-"))
    add_downtime(db_session, instrument, staff, at(y, m, d, 9 - offset), at(y, m, d, 13 - offset))
    t = table(client.get(f"/instruments/{instrument.id}?view={view}&date={day}"))
    assert t.labels[0] == "07:00" and t.labels[-1] == "19:00"
    column = 0 if view == "day" else datetime(y, m, d).weekday()
    [down] = [c for c in blocks(t, "downtime") if c["col"] == column]
    assert (t.labels[down["row"]], down["rowspan"]) == ("09:00", 4)
    assert down["title"] == f"Downtime: Service, 09:00–13:00 {zone_name}"
    [free8] = [c for c in blocks(t, "free") if c["col"] == column and t.labels[c["row"]] == "08:00"]
    assert start_of(free8["href"]) == at(y, m, d, 8 - offset)
    assert f"book {datetime(y, m, d):%a %d %b} 08:00" in free8["text"]


def test_the_day_view_says_which_day(client, world):
    instrument = world[0]
    page = client.get(f"/instruments/{instrument.id}?view=day&date=2026-03-04")
    assert "Wednesday 04 March 2026" in page.get_data(as_text=True)
    assert "Europe/Rome facility wall-clock time" in page.get_data(as_text=True)
    facility = client.get(f"/instruments/facility/{instrument.facility.slug}?date=2026-03-04")
    text = facility.get_data(as_text=True)
    assert re.search(r"<h2[^>]*>Wednesday 04 March 2026</h2>", text)
    assert "Europe/Rome facility wall-clock time" in text


def test_autumn_week_has_both_passes_of_the_repeated_hour(
    client, db_session, world, make_instrument
):
    """A booking 01:00-04:00 local on Sunday 25 October 2026 lasts 4 h: from row 01:00 over the
    rows 02:00 CEST, 02:00 CET and 03:00; on the other days the second 02:00 is a gap."""
    instrument, _, person = world
    always = make_instrument(facility=instrument.facility, name="Always open", slot_minutes=60)
    add_booking(db_session, always, person, at(2026, 10, 24, 23), at(2026, 10, 25, 3))
    t = table(client.get(f"/instruments/{always.id}?view=week&date=2026-10-25"))
    assert t.labels[:5] == ["00:00", "01:00", "02:00 CEST", "02:00 CET", "03:00"]
    assert len(t.labels) == 25
    [b] = blocks(t, "booking")
    assert (b["col"], t.labels[b["row"]], b["rowspan"]) == (6, "01:00", 4)
    assert "01:00 CEST–04:00 CET" in b["title"]
    monday_gap = [c for c in blocks(t, "gap") if c["col"] == 0]
    assert [t.labels[c["row"]] for c in monday_gap] == ["02:00 CET"]


def test_spring_day_skips_its_missing_hour(client, db_session, world, make_instrument):
    """01:00-04:00 local on Sunday 29 March 2026 lasts 2 h: its block starts at row 01:00 and
    ends with row 03:00 (02:00 does not exist that day); the facility timeline gives that day
    23 hour columns and the block 2 of them."""
    instrument, _, person = world
    always = make_instrument(facility=instrument.facility, name="Always open", slot_minutes=60)
    add_booking(db_session, always, person, at(2026, 3, 29, 0), at(2026, 3, 29, 2))
    t = table(client.get(f"/instruments/{always.id}?view=day&date=2026-03-29"))
    assert "02:00" not in t.labels and len(t.labels) == 23
    [b] = blocks(t, "booking")
    assert (t.labels[b["row"]], b["rowspan"]) == ("01:00", 2)
    assert "01:00 CET–04:00 CEST" in b["title"]
    tl = table(
        client.get(f"/instruments/facility/{instrument.facility.slug}?date=2026-03-29"), "timeline"
    )
    assert tl.attrs["data-unit"] == "60" and len(tl.hours) == 23
    assert [h[:13] for h in tl.hours[1:4]] == ["Sun 29 Mar 01", "Sun 29 Mar 03", "Sun 29 Mar 04"]
    [b] = blocks(tl, "booking")
    assert (b["col"], b["colspan"]) == (1, 2)


def test_facility_timeline_places_blocks_by_real_time_on_the_autumn_day(client, db_session, world):
    """25 hour columns; a booking 02:00 CET-05:00 CET (the second 02:00) starts in column 3."""
    instrument, staff, person = world
    add_booking(db_session, instrument, person, at(2026, 10, 25, 1), at(2026, 10, 25, 4))
    add_downtime(db_session, instrument, staff, at(2026, 10, 25, 9), at(2026, 10, 25, 11))
    tl = table(
        client.get(f"/instruments/facility/{instrument.facility.slug}?date=2026-10-25"), "timeline"
    )
    assert len(tl.hours) == 25
    assert tl.hours[2].endswith("02:00 CEST") and tl.hours[3].endswith("02:00 CET")
    [b] = blocks(tl, "booking")
    assert (b["col"], b["colspan"], b["text"]) == (3, 3, "Booked 02:00–05:00 CET")
    [d] = blocks(tl, "downtime")
    assert (d["col"], d["colspan"]) == (11, 2)  # 10:00-12:00 CET is real hour 11 of the day
    assert sum(c["colspan"] for c in tl.cells if c["row"] == 0) == 25


def test_who_booked_and_why_is_for_staff_and_the_booker(client, db_session, world, login_as):
    instrument, staff, person = world
    add_booking(
        db_session,
        instrument,
        person,
        at(2026, 3, 4, 9),
        at(2026, 3, 4, 11),
        purpose="Live imaging",
    )
    pages = {
        "anonymous": None,
        "staff": staff,
        "booker": person,
    }
    seen = {}
    for who, user in pages.items():
        if user:
            login_as(user)
        for url in (
            f"/instruments/{instrument.id}?view=week&date=2026-03-04",
            f"/instruments/facility/{instrument.facility.slug}?date=2026-03-04",
        ):
            text = client.get(url).get_data(as_text=True)
            seen.setdefault(who, []).append(
                (
                    "Pietro Person: Live imaging" in text,
                    "Live imaging" in text,
                    "Your booking" in text,
                )
            )
    assert seen["anonymous"] == [(False, False, False)] * 2
    assert seen["staff"] == [(True, True, False)] * 2
    assert seen["booker"] == [(False, False, True)] * 2


def test_others_read_booked_and_training_is_named(client, db_session, world, login_as, make_user):
    instrument, staff, person = world
    add_booking(db_session, instrument, person, at(2026, 3, 4, 9), at(2026, 3, 4, 11))
    add_booking(
        db_session,
        instrument,
        staff,
        at(2026, 3, 4, 12),
        at(2026, 3, 4, 14),
        purpose="Confocal basics",
        for_training=True,
    )
    login_as(make_user())
    tl = table(
        client.get(f"/instruments/facility/{instrument.facility.slug}?date=2026-03-04"), "timeline"
    )
    assert [(c["text"], c["href"]) for c in blocks(tl, "booking")] == [("Booked 10:00–12:00", None)]
    assert [c["text"] for c in blocks(tl, "training")] == ["Training 13:00–15:00"]


def test_an_out_of_hours_booking_shows_in_day_week_agenda_and_timeline(client, db_session, world):
    """A staff override 20:00-06:00 (CET) on an instrument open 08-19."""
    instrument, _, person = world
    add_booking(db_session, instrument, person, at(2026, 3, 4, 19), at(2026, 3, 5, 5))
    base = f"/instruments/{instrument.id}"
    day = table(client.get(f"{base}?view=day&date=2026-03-04"))
    [b] = blocks(day, "booking")
    assert (day.labels[b["row"]], b["rowspan"], day.labels[-1]) == ("20:00", 4, "23:00")
    week = table(client.get(f"{base}?view=week&date=2026-03-04"))
    thursday = [c for c in blocks(week, "booking") if c["col"] == 3]
    assert [(week.labels[c["row"]], c["rowspan"]) for c in thursday] == [("00:00", 6)]
    agenda = client.get(f"{base}?view=agenda&date=2026-03-04").get_data(as_text=True)
    assert agenda.count("Booked <small>Wed 04 Mar 20:00 CET – Thu 05 Mar 06:00 CET</small>") == 2
    tl = table(
        client.get(f"/instruments/facility/{instrument.facility.slug}?date=2026-03-04"), "timeline"
    )
    [b] = blocks(tl, "booking")
    assert (b["col"], b["colspan"]) == (20, 4)


def form_times(response) -> tuple[str, str]:
    text = response.get_data(as_text=True)
    values = [re.search(rf'name="{n}"[^>]*value="([^"]+)"', text) for n in ("starts_at", "ends_at")]
    return tuple(v.group(1) if v else "" for v in values)


def test_every_free_link_opens_a_booking_the_rules_allow(client, db_session, world, login_as):
    """Open 08-19 (11 h free), longest booking 8 h: the agenda's free stretch, the timeline's
    free stretch and a dragged 11-hour span all open at most 8 h; a booking at 13:00 CET ends
    a longer ask at 13:00; an off-grid start moves to the next slot."""
    instrument, _, person = world
    login_as(person)
    agenda = client.get(f"/instruments/{instrument.id}?view=agenda&date=2026-03-04")
    links = re.findall(r'href="([^"]*/book\?start=[^"]+)"', agenda.get_data(as_text=True))
    assert links
    for link in links:
        start, end = form_times(client.get(link.replace("&amp;", "&")))
        hours = (datetime.fromisoformat(end) - datetime.fromisoformat(start)) / timedelta(hours=1)
        assert 1 <= hours <= 8, (link, start, end)
    book = f"/instruments/{instrument.id}/book"
    dragged = client.get(f"{book}?start=2026-03-04T07:00Z&end=2026-03-04T18:00Z")
    assert form_times(dragged) == ("2026-03-04T08:00", "2026-03-04T16:00")
    add_booking(db_session, instrument, person, at(2026, 3, 4, 12), at(2026, 3, 4, 13))
    assert form_times(client.get(f"{book}?start=2026-03-04T08:00Z&end=2026-03-04T13:00Z")) == (
        "2026-03-04T09:00",
        "2026-03-04T13:00",
    )
    assert form_times(client.get(f"{book}?start=2026-03-04T09:20Z")) == (
        "2026-03-04T11:00",
        "2026-03-04T12:00",
    )
    submitted = client.post(
        book, data={"starts_at": "2026-03-04T09:00", "ends_at": "2026-03-04T12:00"}
    )
    assert submitted.status_code == 302
    assert form_times(client.get(f"{book}?start=garbage")) == ("", "")


def test_facility_week_of_many_instruments_is_one_compact_page(
    client, db_session, world, make_instrument
):
    """Every row of the week timeline fills the same 7 x 24 columns; no per-hour cells."""
    instrument, _, person = world
    others = [
        make_instrument(facility=instrument.facility, name=f"Scope {i}", slot_minutes=30)
        for i in range(5)
    ]
    for i, other in enumerate(others):
        add_booking(db_session, other, person, at(2026, 3, 3, 9 + i), at(2026, 3, 3, 10 + i))
    tl = table(
        client.get(f"/instruments/facility/{instrument.facility.slug}?view=week&date=2026-03-04"),
        "timeline",
    )
    assert tl.attrs["data-unit"] == "30"
    widths = {}
    for c in tl.cells:
        widths[c["row"]] = widths.get(c["row"], 0) + c["colspan"]
    assert set(widths.values()) == {7 * 48} and len(widths) == 6
    assert len(tl.cells) < 6 * 20
