"""Our iCalendar output parses back with the icalendar library to exactly what we meant."""

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from innocore.calendar import CalendarEvent, build_calendar


def event(**kw):
    base = {
        "uid": "booking-7@innocore.test",
        "sequence": 3,
        "starts_at": datetime(2026, 10, 24, 23, 0, tzinfo=UTC),  # 01:00 Rome, DST night
        "ends_at": datetime(2026, 10, 25, 3, 0, tzinfo=UTC),  # 04:00 Rome: 4 real hours
        "summary": "Confocal; Zeiss LSM 980, room 2",
        "timezone": "Europe/Rome",
        "stamp": datetime(2026, 10, 1, 8, 0, tzinfo=UTC),
        "description": "Purpose: live imaging\nProject: \u00e9tude " + "x" * 120,
        "location": "Building C",
        "url": "https://innocore.test/bookings/7",
        "organizer_email": "imaging@uni.test",
        "organizer_name": "Imaging, Core",
        "attendees": [("paula@uni.test", "Paula Student")],
    }
    base.update(kw)
    return CalendarEvent(**base)


def test_round_trip_keeps_every_field():
    text = build_calendar([event()], method="REQUEST", name="My bookings")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    cal = Calendar.from_ical(text)
    assert cal["METHOD"] == "REQUEST"
    [ev] = cal.walk("VEVENT")
    assert str(ev["UID"]) == "booking-7@innocore.test" and int(ev["SEQUENCE"]) == 3
    assert str(ev["SUMMARY"]) == "Confocal; Zeiss LSM 980, room 2"
    assert str(ev["DESCRIPTION"]).startswith("Purpose: live imaging\nProject: \u00e9tude")
    start, end = ev["DTSTART"].dt, ev["DTEND"].dt
    assert (start.hour, end.hour) == (1, 4) and str(start.tzinfo) == "Europe/Rome"
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=4)  # extra October hour
    assert ev["ORGANIZER"].params["CN"] == "Imaging, Core"
    assert str(ev["ATTENDEE"]) == "mailto:paula@uni.test"
    assert ev["DTSTAMP"].dt == datetime(2026, 10, 1, 8, 0, tzinfo=UTC)


def test_every_tzid_has_a_vtimezone_covering_the_events():
    text = build_calendar([event(), event(uid="b8", timezone="Europe/Lisbon")])
    cal = Calendar.from_ical(text)
    assert sorted(str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")) == [
        "Europe/Lisbon",
        "Europe/Rome",
    ]
    rome = next(tz for tz in cal.walk("VTIMEZONE") if str(tz["TZID"]) == "Europe/Rome")
    assert {str(sub["TZNAME"]) for sub in rome.subcomponents} >= {"CET", "CEST"}


def test_cancelled_event_says_so():
    [ev] = Calendar.from_ical(
        build_calendar([event(cancelled=True, sequence=4)], method="CANCEL")
    ).walk("VEVENT")
    assert str(ev["STATUS"]) == "CANCELLED" and int(ev["SEQUENCE"]) == 4
