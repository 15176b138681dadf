"""Instrument calendar feeds: every kind answers, others' bookings are busy blocks without personal
data unless the reader is staff there, and caching follows RFC 9110 (weak ETags, 304 headers)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from innocore.extensions import db
from instruments import feeds
from instruments.models import Booking, BookingStatus, FeedKind


def at(*a) -> datetime:
    return datetime(*a, tzinfo=UTC)


@pytest.fixture
def world(clock, db_session, make_user, make_instrument, make_facility, grant):
    facility = make_facility(name="Imaging Core")
    instrument = make_instrument(facility=facility, name="Confocal")
    other = make_instrument(facility=facility, name="Widefield")
    owner = make_user(name="Olga Owner", email="olga@example.org")
    reader = make_user(name="Rita Reader", email="rita@example.org")
    staff = make_user(name="Sam Staff")
    grant(staff, facility, "staff")
    bookings = []
    for user, inst, hour, purpose in (
        (owner, instrument, 9, "Secret project Alpha"),
        (reader, instrument, 12, "Rita's own work"),
        (owner, other, 10, "Secret project Beta"),
    ):
        b = Booking(
            instrument_id=inst.id,
            user_id=user.id,
            booked_by_id=user.id,
            starts_at=at(2026, 3, 4, hour),
            ends_at=at(2026, 3, 4, hour + 1),
            status=BookingStatus.CONFIRMED,
            purpose=purpose,
            uid=f"booking-{uuid.uuid4().hex}@innocore",
            sequence=0,
            created_at=at(2026, 3, 1),
            updated_at=at(2026, 3, 1),
        )
        db_session.add(b)
        bookings.append(b)
    db_session.commit()
    return {
        "facility": facility,
        "instrument": instrument,
        "owner": owner,
        "reader": reader,
        "staff": staff,
        "bookings": bookings,
    }


def fetch(client, actor, kind, target_id, **headers):
    _, raw = feeds.create_feed(actor, kind, target_id)
    db.session.commit()
    return f"/instruments/feeds/{raw}.ics", client.get(
        f"/instruments/feeds/{raw}.ics", headers=headers
    )


def events(response) -> dict[str, object]:
    return {str(e["UID"]): e for e in Calendar.from_ical(response.data).walk("VEVENT")}


def test_a_facility_wide_feed_answers_with_every_instrument(client, world):
    """The facility feed once joined the instrument table twice and answered 500."""
    _, response = fetch(client, world["staff"], FeedKind.FACILITY, world["facility"].id)
    assert response.status_code == 200
    assert set(events(response)) == {b.uid for b in world["bookings"]}


@pytest.mark.parametrize("kind", [FeedKind.INSTRUMENT, FeedKind.FACILITY])
def test_others_bookings_are_busy_blocks_without_names_emails_or_purposes(client, world, kind):
    target = world["instrument"].id if kind == FeedKind.INSTRUMENT else world["facility"].id
    _, response = fetch(client, world["reader"], kind, target)
    text = response.get_data(as_text=True)
    for leak in ("Olga", "olga@example.org", "Secret project"):
        assert leak not in text
    seen = events(response)
    others = seen[world["bookings"][0].uid]
    assert str(others["SUMMARY"]) == "Confocal: booked" and "ATTENDEE" not in others
    own = seen[world["bookings"][1].uid]  # the reader's own booking keeps its details
    assert str(own["DESCRIPTION"]) == "Rita's own work"
    assert str(own["ATTENDEE"]) == "mailto:rita@example.org"


def test_staff_of_the_facility_see_who_booked_and_why(client, world):
    _, response = fetch(client, world["staff"], FeedKind.INSTRUMENT, world["instrument"].id)
    seen = events(response)[world["bookings"][0].uid]
    assert (
        "Olga Owner" in str(seen["SUMMARY"]) and str(seen["DESCRIPTION"]) == "Secret project Alpha"
    )
    assert str(seen["ATTENDEE"]) == "mailto:olga@example.org"


def test_weak_if_none_match_gets_304_with_cache_control_and_etag(client, world):
    path, first = fetch(client, world["reader"], FeedKind.INSTRUMENT, world["instrument"].id)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, max-age=300"
    for sent in (etag, "W/" + etag, f'"nope", W/{etag}'):
        again = client.get(path, headers={"If-None-Match": sent})
        assert again.status_code == 304, sent
        assert again.headers["Cache-Control"] == "private, max-age=300"
        assert again.headers["ETag"] == etag and again.data == b""
    assert client.get(path, headers={"If-None-Match": 'W/"other"'}).status_code == 200


def test_renaming_the_instrument_changes_the_etag(client, world):
    path, first = fetch(client, world["reader"], FeedKind.INSTRUMENT, world["instrument"].id)
    world["instrument"].name = "Confocal LSM 980"
    db.session.commit()
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and again.headers["ETag"] != first.headers["ETag"]
    assert b"Confocal LSM 980: booked" in again.data


def test_becoming_staff_changes_the_body_and_the_etag(client, world, grant):
    path, first = fetch(client, world["reader"], FeedKind.INSTRUMENT, world["instrument"].id)
    grant(world["reader"], world["facility"], "staff")
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and b"Secret project Alpha" in again.data


def test_a_booking_ics_and_training_feeds_send_etags(client, world, login_as):
    login_as(world["owner"])
    path = f"/instruments/bookings/{world['bookings'][0].id}.ics"
    first = client.get(path)
    assert first.status_code == 200 and first.headers["ETag"]
    assert (
        client.get(path, headers={"If-None-Match": "W/" + first.headers["ETag"]}).status_code == 304
    )
    slug = world["facility"].slug
    training = client.get(f"/training/facilities/{slug}/training.ics")
    assert training.status_code == 200 and training.headers["ETag"]
    again = client.get(
        f"/training/facilities/{slug}/training.ics",
        headers={"If-None-Match": training.headers["ETag"]},
    )
    assert again.status_code == 304 and again.headers["Cache-Control"] == "private, max-age=300"
