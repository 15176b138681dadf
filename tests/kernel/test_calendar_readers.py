"""khal, ical.js and vobject/dateutil read our calendars to the instants we meant, across the last
Sundays of March and October in Europe/Rome and Europe/Lisbon and across a year boundary."""

from datetime import UTC, datetime

import pytest

from innocore.calendar import CalendarEvent, build_calendar, is_ambiguous
from tests.support.readers import READERS, Read, read


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# (start, end) in UTC; the comments give the facility's wall clock.
ROME = [
    (at(2026, 3, 29, 0, 0), at(2026, 3, 29, 2, 0)),  # 01:00 CET -> 04:00 CEST: 2 h
    (at(2026, 3, 29, 1, 0), at(2026, 3, 29, 2, 30)),  # 03:00 CEST, first hour after the gap
    (at(2026, 10, 24, 23, 0), at(2026, 10, 25, 3, 0)),  # 01:00 CEST -> 04:00 CET: 4 h
    (at(2026, 10, 25, 0, 30), at(2026, 10, 25, 1, 0)),  # 02:30 CEST -> 02:00 CET (the fold)
    (at(2026, 10, 25, 1, 0), at(2026, 10, 25, 1, 30)),  # 02:00 CET -> 02:30 CET (second pass)
    (at(2026, 12, 31, 22, 0), at(2027, 1, 1, 1, 0)),  # 23:00 -> 02:00 over New Year
    (at(2027, 3, 28, 7, 0), at(2027, 3, 28, 9, 0)),  # the next spring, 09:00 CEST
    (at(2027, 7, 14, 7, 0), at(2027, 7, 14, 9, 0)),  # summer of the second year
    (at(2027, 10, 31, 0, 30), at(2027, 10, 31, 1, 0)),  # the booking: 02:30 -> 02:00
    (at(2027, 10, 31, 9, 0), at(2027, 10, 31, 10, 0)),  # 10:00 CET
    (at(2028, 6, 1, 8, 0), at(2028, 6, 1, 9, 0)),  # third summer: 10:00 CEST
]
LISBON = [
    (at(2026, 3, 29, 0, 30), at(2026, 3, 29, 2, 0)),  # 00:30 WET -> 03:00 WEST
    (at(2026, 10, 25, 0, 30), at(2026, 10, 25, 1, 30)),  # 01:30 WEST -> 01:30 WET (fold both)
    (at(2026, 12, 31, 23, 30), at(2027, 1, 1, 0, 30)),  # 23:30 -> 00:30
    (at(2027, 8, 2, 8, 0), at(2027, 8, 2, 17, 0)),  # 09:00 WEST
    (at(2027, 10, 31, 2, 0), at(2027, 10, 31, 3, 0)),  # 02:00 WET, just after the fold
    (at(2028, 3, 26, 1, 0), at(2028, 3, 26, 2, 0)),  # 02:00 WEST, first hour after the gap
]


def events():
    out = []
    for zone, rows in (("Europe/Rome", ROME), ("Europe/Lisbon", LISBON)):
        for n, (start, end) in enumerate(rows):
            out.append(
                CalendarEvent(
                    uid=f"{zone}-{n}@innocore.test",
                    sequence=0,
                    starts_at=start,
                    ends_at=end,
                    summary=f"Event {n}",
                    timezone=zone,
                    stamp=at(2026, 1, 1, 0, 0),
                )
            )
    return out


def expected():
    return {Read(e.uid, e.starts_at, e.ends_at) for e in events()}


@pytest.mark.parametrize("reader", READERS)
def test_every_reader_reads_the_instants_we_meant(reader):
    assert read(reader, build_calendar(events())) == expected()


def test_a_vtimezone_lists_one_rdate_per_line():
    """ical.js and dateutil read only the first value of ``RDATE:a,b,c``."""
    text = build_calendar(events())
    rdates = [line for line in text.split("\r\n") if line.startswith("RDATE")]
    assert len(rdates) >= 12 and not any("," in line for line in rdates)


def test_an_event_touching_the_repeated_hour_is_written_in_utc():
    """02:30 CEST -> 02:00 CET would read as an end before its start: both ends go out as ``Z``."""
    text = build_calendar([e for e in events() if e.uid == "Europe/Rome-8@innocore.test"])
    assert "DTSTART:20271031T003000Z" in text and "DTEND:20271031T010000Z" in text
    plain = build_calendar([e for e in events() if e.uid == "Europe/Rome-9@innocore.test"])
    assert "DTSTART;TZID=Europe/Rome:20271031T100000" in plain


def test_is_ambiguous_names_the_repeated_hour_only():
    from zoneinfo import ZoneInfo

    rome = ZoneInfo("Europe/Rome")
    assert is_ambiguous(datetime(2027, 10, 31, 2, 30, tzinfo=rome))
    assert is_ambiguous(datetime(2027, 10, 31, 2, 30, fold=1, tzinfo=rome))
    assert not is_ambiguous(datetime(2027, 10, 31, 3, 0, tzinfo=rome))
    assert not is_ambiguous(datetime(2027, 3, 28, 3, 0, tzinfo=rome))
