"""Every calendar we publish, read by outside readers (khal, ical.js, vobject/dateutil) to the
instants in the database: the user, instrument and facility feeds, a booking's .ics, the training
feeds (a person's, a facility's, one session's) and the REQUEST/CANCEL invitations of bookings and
training, across the last Sundays of March and October in Europe/Rome and Europe/Lisbon and the
turn of the year."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from innocore import clock as clock_module
from instruments import feeds as instrument_feeds
from instruments.models import Booking, BookingStatus, FeedKind
from tests.support.readers import READERS, Read, icaljs_many, read_many
from tests.training.test_enrolment import ics_of
from training import feeds as training_feeds
from training.models import TrainingSession


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# UTC intervals; comments give the wall clock of the zone they are booked in.
NIGHTS = {
    "Europe/Rome": [
        (at(2026, 3, 29, 0, 0), at(2026, 3, 29, 2, 0)),  # 01:00 CET -> 04:00 CEST (2 h)
        (at(2026, 10, 24, 23, 0), at(2026, 10, 25, 3, 0)),  # 01:00 CEST -> 04:00 CET (4 h)
        (at(2026, 12, 31, 22, 0), at(2027, 1, 1, 1, 0)),  # 23:00 -> 02:00 over New Year
        (at(2027, 7, 14, 7, 0), at(2027, 7, 14, 9, 0)),  # the next summer
        (at(2027, 10, 31, 0, 30), at(2027, 10, 31, 1, 0)),  # 02:30 CEST -> 02:00 CET (fold)
    ],
    "Europe/Lisbon": [
        (at(2026, 3, 29, 0, 30), at(2026, 3, 29, 2, 0)),  # 00:30 WET -> 03:00 WEST
        (at(2026, 10, 25, 0, 30), at(2026, 10, 25, 1, 30)),  # 01:30 WEST -> 01:30 WET
        (at(2026, 12, 31, 23, 30), at(2027, 1, 1, 0, 30)),  # 23:30 -> 00:30
        (at(2027, 8, 2, 8, 0), at(2027, 8, 2, 17, 0)),  # 09:00 WEST
    ],
}


@pytest.fixture
def world(db_session, make_user, make_facility, make_instrument, make_session, make_module, grant):
    clock_module.set_source(lambda: at(2026, 3, 1, 9, 0))
    person = make_user(name="Ada Reader", email="ada@example.org")
    staff = make_user(name="Sam Staff")
    out = {"person": person, "staff": staff, "bookings": {}, "sessions": {}, "instruments": {}}
    for zone, nights in NIGHTS.items():
        facility = make_facility(timezone=zone)
        grant(staff, facility, "staff")
        instrument = make_instrument(facility)
        out["instruments"][zone] = instrument
        rows = []
        for start, end in nights:
            booking = Booking(
                instrument_id=instrument.id,
                user_id=person.id,
                booked_by_id=person.id,
                starts_at=start,
                ends_at=end,
                status=BookingStatus.CONFIRMED,
                purpose="Imaging",
                uid=f"booking-{uuid.uuid4().hex}@innocore",
                sequence=0,
                created_at=clock_module.now(),
                updated_at=clock_module.now(),
            )
            db_session.add(booking)
            rows.append(booking)
        out["bookings"][zone] = rows
        out["sessions"][zone] = make_session(
            make_module(facility), facility, parts=nights, enrol_closes_at=at(2026, 3, 20)
        )
    db_session.commit()
    return out


def booking_reads(bookings) -> set[Read]:
    return {Read(b.uid, b.starts_at, b.ends_at) for b in bookings}


def session_reads(session: TrainingSession) -> set[Read]:
    from training.notices import part_uid

    return {Read(part_uid(p.id), p.starts_at, p.ends_at) for p in session.parts}


def _feeds(client, login_as, world, deliver):
    """Every kind of calendar text we publish, with the events it must hold."""
    from instruments.services.bookings import cancel_booking
    from instruments.services.common import notify
    from training.services.enrolment import enrol, withdraw

    person, staff = world["person"], world["staff"]
    rome, lisbon = world["bookings"]["Europe/Rome"], world["bookings"]["Europe/Lisbon"]
    rome_session = world["sessions"]["Europe/Rome"]
    texts = []

    def feed(owner, kind, target_id):
        _, raw = instrument_feeds.create_feed(owner, kind, target_id)
        db_session_commit()  # as the page that creates it does, before anyone reads the feed
        response = client.get(f"/instruments/feeds/{raw}.ics")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    everything = booking_reads(rome + lisbon)
    texts.append(("user feed", feed(person, FeedKind.USER, person.id), everything))
    rome_instrument = world["instruments"]["Europe/Rome"]
    texts.append(
        (
            "instrument feed",
            feed(person, FeedKind.INSTRUMENT, rome_instrument.id),
            booking_reads(rome),
        )
    )
    lisbon_facility = world["instruments"]["Europe/Lisbon"].facility_id
    texts.append(
        ("facility feed", feed(staff, FeedKind.FACILITY, lisbon_facility), booking_reads(lisbon))
    )
    login_as(person)
    one = client.get(f"/instruments/bookings/{rome[4].id}.ics").get_data(as_text=True)
    texts.append(("booking .ics", one, booking_reads([rome[4]])))

    notify(rome[4], "Booking confirmed", "Your booking is confirmed.")
    cancel_booking(person, lisbon[1].id, "Plans changed")
    db_session_commit()
    enrolment = enrol(person, rome_session.id, person)
    db_session_commit()
    raw = training_feeds.rotate_feed(person)
    db_session_commit()
    mine = client.get(f"/training/feeds/{raw}.ics").get_data(as_text=True)
    texts.append(("training user feed", mine, session_reads(rome_session)))
    withdraw(person, enrolment.id)
    db_session_commit()
    mails = [m for m in deliver() if m["To"] == person.email]
    # Subject openings, in the order the methods are checked below (delivery order may differ).
    wanted = [
        ("Booking confirmed", booking_reads([rome[4]])),
        ("Booking cancelled", booking_reads([lisbon[1]])),
        ("Enrolled", session_reads(rome_session)),
        ("Withdrawn", session_reads(rome_session)),
    ]
    for n, (subject, expected) in enumerate(wanted):
        [mail] = [m for m in mails if m["Subject"].startswith(subject)]
        texts.append((f"invitation {n}", ics_of(mail), expected))

    lisbon_session = world["sessions"]["Europe/Lisbon"]
    slug = lisbon_session.facility.slug
    facility = client.get(f"/training/facilities/{slug}/training.ics").get_data(as_text=True)
    texts.append(("training facility feed", facility, session_reads(lisbon_session)))
    single = client.get(f"/training/sessions/{rome_session.id}.ics").get_data(as_text=True)
    texts.append(("session .ics", single, session_reads(rome_session)))
    return texts


def db_session_commit():
    from innocore.extensions import db

    db.session.commit()


@pytest.fixture
def published(client, login_as, world, deliver):
    return _feeds(client, login_as, world, deliver)


@pytest.mark.parametrize("reader", READERS)
def test_every_feed_kind_reads_back_to_the_database(published, reader):
    assert len(published) == 11
    seen = read_many(reader, [text for _, text, _ in published])
    for (kind, _, expected), got in zip(published, seen, strict=True):
        assert got == expected, f"{reader} misread the {kind}"


def test_invitations_name_organizer_and_attendee_per_rfc5546(published, world):
    """REQUEST and CANCEL carry ORGANIZER (the facility) and ATTENDEE (the person), for bookings
    and training alike; a CANCEL says STATUS:CANCELLED."""
    invitations = [text for kind, text, _ in published if kind.startswith("invitation")]
    methods = []
    for seen in icaljs_many(invitations):
        methods.append(seen["method"])
        for event in seen["events"]:
            assert event["organizer"].startswith("mailto:facility")
            assert event["attendees"] == ["mailto:ada@example.org"]
            if seen["method"] == "CANCEL":
                assert event["status"] == "CANCELLED"
    assert methods == ["REQUEST", "CANCEL", "REQUEST", "CANCEL"]


def test_a_cancel_supersedes_the_request_it_cancels(published):
    """RFC 5546 section 2.1.4: the organizer raises SEQUENCE when it cancels, so a calendar that
    holds the REQUEST takes the CANCEL as newer (a training withdrawal here; a booking's
    cancellation raises its sequence in instruments.services)."""
    import icalendar

    def sequences(text):
        cal = icalendar.Calendar.from_ical(text)
        return {str(e["UID"]): int(e.get("SEQUENCE", 0)) for e in cal.walk("VEVENT")}

    invitations = [text for kind, text, _ in published if kind.startswith("invitation")]
    asked, cancelled = sequences(invitations[2]), sequences(invitations[3])  # Enrolled, Withdrawn
    assert asked.keys() == cancelled.keys()
    assert all(cancelled[uid] > asked[uid] for uid in asked), (asked, cancelled)
