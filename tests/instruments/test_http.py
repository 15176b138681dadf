"""Wiring: the JSON API and the HTML pages call the same services."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from instruments.models import Booking
from tests.instruments.conftest import WEEKDAYS_8_TO_20
from tests.support import appconfig

ROME = ZoneInfo("Europe/Rome")


def iso(*a) -> str:
    return datetime(*a, tzinfo=ROME).isoformat()


@pytest.fixture
def world(clock, make_user, make_instrument, make_facility, grant):
    facility = make_facility()
    instrument = make_instrument(
        facility=facility, opening=WEEKDAYS_8_TO_20, slot_minutes=30, rates={"internal": "40"}
    )
    user = make_user(organisation=facility.institution)
    staff = make_user(organisation=facility.institution)
    grant(staff, facility, "staff")
    return instrument, user, staff


def body(instrument, start, end, **kw):
    return {"instrument_id": instrument.id, "starts_at": start, "ends_at": end, **kw}


def test_api_create_is_idempotent_with_a_key(client, world, api_headers, db_session):
    instrument, user, _ = world
    headers = {**api_headers(user), "Idempotency-Key": "abc-1"}
    payload = body(instrument, iso(2026, 3, 3, 9), iso(2026, 3, 3, 11), purpose="imaging")
    first = client.post("/api/v1/bookings", json=payload, headers=headers)
    again = client.post("/api/v1/bookings", json=payload, headers=headers)
    assert first.status_code == 201 and again.status_code == 201
    assert first.json["id"] == again.json["id"]
    assert first.json["price"] == "80.00" and first.json["local_start"].endswith("+01:00")
    assert db_session.query(Booking).filter_by(instrument_id=instrument.id).count() == 1
    other = client.post("/api/v1/bookings", json={**payload, "purpose": "x"}, headers=headers)
    assert other.status_code == 422
    assert other.json["errors"][0]["code"] == "idempotency_key_reused"


def test_api_lists_every_problem_and_conflict_is_409(client, world, api_headers):
    instrument, user, _ = world
    headers = api_headers(user)
    bad = client.post(
        "/api/v1/bookings",
        json=body(instrument, iso(2026, 3, 1, 7, 10), iso(2026, 3, 1, 6), purpose="x" * 1_000_000),
        headers=headers,
    )
    assert bad.status_code == 422
    assert {e["code"] for e in bad.json["errors"]} == {"end_before_start", "purpose_too_long"}
    malformed = client.post(
        "/api/v1/bookings", json=body(instrument, "tomorrow", "2026-03-03T10:00"), headers=headers
    )
    assert malformed.status_code == 422 and len(malformed.json["errors"]) == 2
    ok = client.post(
        "/api/v1/bookings",
        json=body(instrument, iso(2026, 3, 3, 9), iso(2026, 3, 3, 10)),
        headers=headers,
    )
    assert ok.status_code == 201
    clash = client.post(
        "/api/v1/bookings",
        json=body(instrument, iso(2026, 3, 3, 9, 30), iso(2026, 3, 3, 10)),
        headers=headers,
    )
    assert clash.status_code == 409 and clash.json["errors"][0]["code"] == "conflict"


def test_api_move_cancel_and_someone_elses_booking_is_404(client, world, api_headers, make_user):
    instrument, user, _ = world
    created = client.post(
        "/api/v1/bookings",
        json=body(instrument, iso(2026, 3, 3, 9), iso(2026, 3, 3, 10)),
        headers=api_headers(user),
    ).json
    moved = client.put(
        f"/api/v1/bookings/{created['id']}",
        json={"starts_at": iso(2026, 3, 4, 9), "ends_at": iso(2026, 3, 4, 10)},
        headers=api_headers(user),
    )
    assert moved.status_code == 200 and moved.json["sequence"] == 1
    stranger = api_headers(make_user())
    assert client.get(f"/api/v1/bookings/{created['id']}", headers=stranger).status_code == 404
    cancel = client.post(
        f"/api/v1/bookings/{created['id']}/cancel", json={"reason": "no"}, headers=stranger
    )
    assert cancel.status_code == 404
    done = client.post(
        f"/api/v1/bookings/{created['id']}/cancel", json={"reason": "no"}, headers=api_headers(user)
    )
    assert done.json["status"] == "cancelled"


def test_api_availability_and_finder(client, world, api_headers):
    instrument, user, _ = world
    headers = api_headers(user)
    avail = client.get(
        f"/api/v1/instruments/{instrument.id}/availability",
        query_string={"from": iso(2026, 3, 3, 0), "to": iso(2026, 3, 4, 0)},
        headers=headers,
    )
    assert avail.status_code == 200
    assert avail.json["free"] == [
        {"starts_at": "2026-03-03T07:00:00Z", "ends_at": "2026-03-03T19:00:00Z"}
    ]
    bad = client.get(
        "/api/v1/availability/earliest",
        query_string={"hours": "2", "tz": "Mars/Olympus", "from": "yesterday"},
        headers=headers,
    )
    assert bad.status_code == 400 and bad.json["errors"][0]["field"] == "from"
    bad = client.get(
        "/api/v1/availability/earliest",
        query_string={"hours": "2", "tz": "Mars/Olympus"},
        headers=headers,
    )
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "tz"
    found = client.get(
        "/api/v1/availability/earliest",
        query_string={"hours": "2", "technology": "light_microscopy", "from": iso(2026, 3, 3, 0)},
        headers=headers,
    )
    assert found.json["starts_at"] == "2026-03-03T07:00:00Z"
    listing = client.get("/api/v1/instruments", query_string={"bookable": "1"}, headers=headers)
    assert instrument.id in [i["id"] for i in listing.json["items"]]


def test_html_booking_form_shows_field_errors_and_books(client, login_as, world):
    instrument, user, _ = world
    login_as(user)
    page = client.get(
        f"/instruments/{instrument.id}/book",
        query_string={"start": iso(2026, 3, 3, 9), "end": iso(2026, 3, 3, 10)},
    )
    assert page.status_code == 200 and b'value="2026-03-03T09:00"' in page.data
    bad = client.post(
        f"/instruments/{instrument.id}/book",
        data={"starts_at": "2026-03-03T21:00", "ends_at": "2026-03-03T22:15"},
    )
    assert bad.status_code == 422
    assert b"opening hours" in bad.data and b"grid" in bad.data
    ok = client.post(
        f"/instruments/{instrument.id}/book",
        data={"starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T10:00", "purpose": "x"},
    )
    assert ok.status_code == 302
    mine = client.get("/instruments/bookings/mine")
    assert instrument.name.encode() in mine.data


def test_html_pages_render_and_staff_only_pages_are_forbidden(client, login_as, world):
    instrument, user, staff = world
    login_as(user)
    assert client.get("/instruments/").status_code == 200
    show = client.get(f"/instruments/{instrument.id}?date=2026-03-03")
    assert show.status_code == 200 and b"k-free" in show.data
    assert client.get(f"/instruments/{instrument.id}?view=agenda").status_code == 200
    assert client.get(f"/instruments/facility/{instrument.facility.slug}").status_code == 200
    assert client.get(f"/instruments/{instrument.id}/downtime").status_code == 403
    assert client.get("/instruments/approvals").status_code == 403
    assert client.get(f"/instruments/{instrument.id}/edit").status_code == 403
    login_as(staff)
    assert client.get("/instruments/approvals").status_code == 200
    assert client.get(f"/instruments/{instrument.id}/downtime").status_code == 200


def test_catalog_runs_constant_queries(client, world, make_instrument, count_queries):
    instrument, *_ = world

    def run():
        with count_queries() as q:
            assert client.get("/instruments/").status_code == 200
        return q.count

    few = run()
    for n in range(5):
        make_instrument(facility=instrument.facility, name=f"Scope {n}", rates={"industry": "9"})
    assert run() == few


def test_feed_etag_304_and_revocation(client, login_as, world, api_headers):
    instrument, user, _ = world
    client.post(
        "/api/v1/bookings",
        json=body(instrument, iso(2026, 3, 3, 9), iso(2026, 3, 3, 10)),
        headers=api_headers(user),
    )
    login_as(user)
    page = client.post("/instruments/feeds", data={"kind": "user"})
    url = page.data.decode().split("<code>")[1].split("</code>")[0]
    path = appconfig.path_of(url)
    client.get("/accounts/logout")
    feed = client.get(path)
    assert feed.status_code == 200 and b"BEGIN:VEVENT" in feed.data and b"VTIMEZONE" in feed.data
    etag = feed.headers["ETag"]
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    from instruments.feeds import list_feeds

    feed_id = list_feeds(user)[0].id
    client.post(f"/instruments/feeds/{feed_id}/revoke", data={"confirmed": "1"})
    assert client.get(path).status_code == 404


def test_photo_upload_checks_type_and_size(client, login_as, world, grant, make_user):
    import io

    instrument, user, _ = world
    manager = make_user()
    grant(manager, instrument.facility, "manager")
    login_as(manager)
    form = {
        "name": "Confocal",
        "technology": "light_microscopy",
        "status": "available",
        "approval_mode": "none",
        "required_competence_id": "",
        "opening": "Mon 09:00-17:00",
    }
    bad = client.post(
        f"/instruments/{instrument.id}/edit",
        data={**form, "photo": (io.BytesIO(b"GIF89a..."), "x.gif")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and b"PNG or JPEG" in bad.data
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    ok = client.post(
        f"/instruments/{instrument.id}/edit",
        data={**form, "photo": (io.BytesIO(png), "x.png")},
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    assert client.get(f"/instruments/photos/{instrument.photo}").data == png


def test_api_answers_instants_in_utc_whatever_offset_was_sent(client, world, api_headers):
    """POST with a +01:00 offset answers the same UTC text as GET (10:00 Rome = 09:00 UTC)."""
    instrument, user, _ = world
    headers = api_headers(user)
    made = client.post(
        "/api/v1/bookings",
        json=body(instrument, iso(2026, 3, 3, 9), iso(2026, 3, 3, 10)),
        headers=headers,
    )
    assert made.status_code == 201
    assert made.json["starts_at"] == "2026-03-03T08:00:00Z"
    assert made.json["ends_at"] == "2026-03-03T09:00:00Z"
    got = client.get(f"/api/v1/bookings/{made.json['id']}", headers=headers)
    assert got.json["ends_at"] == made.json["ends_at"]
