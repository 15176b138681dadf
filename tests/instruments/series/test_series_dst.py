"""Series across the clock changes follow RFC 5545 §3.3.5: a repeated local time is its first
pass, a skipped one is read with the offset before the gap (moved forward, end with it); the
preview and the result say which dates; every time shown carries its own zone abbreviation;
calendar readers read each occurrence's instants as booked. Europe/Rome and Europe/Lisbon, the
last Sundays of March (29 Mar 2026) and October (25 Oct 2026)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from innocore.notifications.models import Notification
from instruments.series import rules
from tests.support.readers import READERS, Read, read

WEEKLY3 = rules.Recurrence(rules.Frequency.WEEKLY, count=3)


def _utc(*a):
    return datetime(*a, tzinfo=UTC)


def _local(zone, *a):
    return datetime(*a, tzinfo=ZoneInfo(zone)).astimezone(UTC)


@pytest.mark.parametrize(
    "zone, first, wall, starts, ends, note",
    [
        # Rome, spring: 02:30 does not exist on 29 March; read at UTC+1, it is 03:30 CEST.
        (
            "Europe/Rome",
            (2026, 3, 22, 2, 30),
            (3, 30),
            _utc(2026, 3, 29, 1, 30),
            _utc(2026, 3, 29, 2, 30),
            "2026-03-29: 02:30 does not exist; booked 03:30 CEST.",
        ),
        # Lisbon, spring: 01:30 does not exist on 29 March; read at UTC+0, it is 02:30 WEST.
        (
            "Europe/Lisbon",
            (2026, 3, 22, 1, 30),
            (2, 30),
            _utc(2026, 3, 29, 1, 30),
            _utc(2026, 3, 29, 2, 30),
            "2026-03-29: 01:30 does not exist; booked 02:30 WEST.",
        ),
        # Rome, autumn: 02:00 happens twice on 25 October: the first, CEST; 03:00 CET ends it.
        (
            "Europe/Rome",
            (2026, 10, 18, 2, 0),
            (2, 0),
            _utc(2026, 10, 25, 0, 0),
            _utc(2026, 10, 25, 2, 0),
            "2026-10-25: 02:00 happens twice; booked the first, 02:00 CEST (UTC+02:00).",
        ),
        # Lisbon, autumn: 01:00 happens twice: the first, WEST; 02:00 WET ends it.
        (
            "Europe/Lisbon",
            (2026, 10, 18, 1, 0),
            (1, 0),
            _utc(2026, 10, 25, 0, 0),
            _utc(2026, 10, 25, 2, 0),
            "2026-10-25: 01:00 happens twice; booked the first, 01:00 WEST (UTC+01:00).",
        ),
    ],
)
def test_a_skipped_or_repeated_time_is_resolved_as_rfc_5545_says(
    zone, first, wall, starts, ends, note
):
    start = _local(zone, *first)
    occs, problems = rules.expand(WEEKLY3, start, start + timedelta(hours=1), zone)
    assert problems == []
    assert [o.problems for o in occs] == [[], [], []]
    second = occs[1]
    assert (second.starts_at, second.ends_at) == (starts, ends)
    assert (second.wall_start.hour, second.wall_start.minute) == wall
    assert [str(n) for n in second.notes] == [note]
    assert occs[0].notes == [] and occs[2].notes == []
    # The dates around keep the chosen wall-clock time.
    assert (
        occs[2].starts_at.astimezone(ZoneInfo(zone)).time()
        == start.astimezone(ZoneInfo(zone)).time()
    )


def test_a_wall_clock_length_across_the_autumn_change_lasts_an_hour_more():
    # Daily 01:00-04:00 Rome: 3 h on 24 October, 4 h on 25 October (DESIGN: wall-clock ends).
    rec = rules.Recurrence(rules.Frequency.DAILY, count=2)
    start, end = _local("Europe/Rome", 2026, 10, 24, 1), _local("Europe/Rome", 2026, 10, 24, 4)
    occs, _problems = rules.expand(rec, start, end, "Europe/Rome")
    assert [(o.ends_at - o.starts_at).total_seconds() / 3600 for o in occs] == [3, 4]
    assert occs[1].notes == []  # neither 01:00 nor 04:00 is skipped or repeated


def test_an_end_in_the_repeated_hour_ends_at_its_first_pass_and_says_so():
    rec = rules.Recurrence(rules.Frequency.DAILY, count=2)
    start, end = _local("Europe/Rome", 2026, 10, 24, 1), _local("Europe/Rome", 2026, 10, 24, 2, 30)
    occs, _problems = rules.expand(rec, start, end, "Europe/Rome")
    assert occs[1].ends_at == _utc(2026, 10, 25, 0, 30)
    assert [str(n) for n in occs[1].notes] == [
        "2026-10-25: the end 02:30 happens twice; it ends at the first, 02:30 CEST (UTC+02:00)."
    ]


@pytest.fixture
def night(clock, make_user, make_instrument, make_facility):
    """An instrument open round the clock (no opening hours) in Rome and in Lisbon."""

    def make(zone):
        facility = make_facility(timezone=zone)
        return make_instrument(facility=facility), make_user(organisation=facility.institution)

    return make


def _sundays(instrument, zone, month, day, hour) -> dict:
    start = datetime(2026, month, day, hour, tzinfo=ZoneInfo(zone))
    return {
        "instrument_id": instrument.id,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        "frequency": "weekly",
        "count": 3,
    }


@pytest.mark.parametrize(
    "zone, month, day, hour, starts, note",
    [
        ("Europe/Rome", 10, 18, 2, "2026-10-25T00:00:00Z", "02:00 happens twice"),
        ("Europe/Lisbon", 10, 18, 1, "2026-10-25T00:00:00Z", "01:00 happens twice"),
        ("Europe/Rome", 3, 22, 2, "2026-03-29T01:00:00Z", "02:00 does not exist"),
        ("Europe/Lisbon", 3, 22, 1, "2026-03-29T01:00:00Z", "01:00 does not exist"),
    ],
)
def test_a_weekly_series_over_the_change_is_booked_and_says_which_date_was_resolved(
    client, night, api_headers, zone, month, day, hour, starts, note
):
    instrument, user = night(zone)
    body = _sundays(instrument, zone, month, day, hour)
    done = client.post("/api/v1/series", json=body, headers=api_headers(user))
    assert done.status_code == 201, done.get_json()
    occurrences = done.get_json()["occurrences"]
    assert occurrences[1]["starts_at"] == starts
    assert [bool(o["notes"]) for o in occurrences] == [False, True, False]
    assert note in occurrences[1]["notes"][0]


def test_the_pages_say_which_date_was_resolved_and_label_each_time_with_its_zone(night, login_as):
    instrument, user = night("Europe/Rome")
    client = login_as(user)
    form = {
        "starts_at": "2026-10-18T02:00",
        "ends_at": "2026-10-18T03:00",
        "frequency": "weekly",
        "interval": "1",
        "count": "3",
        "mode": "all_or_nothing",
    }
    url = f"/instruments/series/new/{instrument.id}"
    preview = client.post(url, data={**form, "preview": "1"}).get_data(as_text=True)
    assert "3 of 3 dates can be booked" in preview
    assert "2026-10-25: 02:00 happens twice; booked the first, 02:00 CEST (UTC+02:00)." in preview
    assert "Sun 18 Oct 2026 02:00 CEST" in preview and "Sun 01 Nov 2026 02:00 CET" in preview
    booked = client.post(url, data={**form, "book": "1"}, follow_redirects=True)
    page = booked.get_data(as_text=True)
    assert booked.status_code == 200 and "booked the first, 02:00 CEST" in page
    assert "02:00 wall-clock time in Europe/Rome (CEST, CET, as each date falls)" in page
    assert "Sun 25 Oct 2026, 02:00 CEST – 03:00 CET" in page
    assert "Sun 01 Nov 2026, 02:00 CET – 03:00 CET" in page


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("zone, hour", [("Europe/Rome", 2), ("Europe/Lisbon", 1)])
def test_calendar_readers_read_the_resolved_occurrences_as_booked(
    client, night, api_headers, db_session, reader, zone, hour
):
    from instruments.models import Booking

    instrument, user = night(zone)
    body = _sundays(instrument, zone, 10, 18, hour)  # the repeated hour on 25 October
    done = client.post("/api/v1/series", json=body, headers=api_headers(user))
    assert done.status_code == 201, done.get_json()
    series_id = done.get_json()["series_id"]
    bookings = db_session.scalars(
        sa.select(Booking).where(Booking.series_id == series_id).order_by(Booking.starts_at)
    ).all()
    mail = db_session.scalars(sa.select(Notification).order_by(Notification.id.desc())).first()
    expected = {
        Read(b.uid, b.starts_at.astimezone(UTC), b.ends_at.astimezone(UTC)) for b in bookings
    }
    assert _utc(2026, 10, 25, 0) in {r.starts_at for r in expected}
    assert read(reader, mail.ics) == expected
    one = client.get(f"/api/v1/bookings/{bookings[1].id}.ics", headers=api_headers(user))
    assert read(reader, one.get_data(as_text=True)) == {
        r for r in expected if r.uid == bookings[1].uid
    }


@pytest.mark.parametrize(
    "zone, start, end, text",
    [
        ("Europe/Rome", (2026, 3, 16, 8), (2026, 3, 16, 9), "Mon 16 Mar 2026, 09:00–10:00 CET"),
        (
            "Europe/Rome",
            (2026, 10, 25, 0),
            (2026, 10, 25, 2),
            "Sun 25 Oct 2026, 02:00 CEST–03:00 CET",
        ),
        (
            "Europe/Lisbon",
            (2026, 3, 29, 0, 30),
            (2026, 3, 29, 1, 30),
            "Sun 29 Mar 2026, 00:30 WET–02:30 WEST",
        ),
    ],
)
def test_a_mail_line_labels_each_end_with_its_own_abbreviation(zone, start, end, text):
    # Waiting-list offers and training session lines once labelled both ends with the start's.
    from innocore.clock import span_text

    assert span_text(_utc(*start), _utc(*end), zone) == text
