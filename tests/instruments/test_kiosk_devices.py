"""Kiosk devices (issue 14 part 3): a facility tablet shows the facility's kiosk without anyone's
account, and people check in and out there with their personal kiosk PIN.

The clock starts on Monday 2 March 2026 at 09:00 UTC; the booking runs 10:00-12:00 UTC and
check-in opens 15 minutes before it (the ``lab`` of test_usage).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from innocore import audit_text
from innocore.accounts.services import set_kiosk_pin
from innocore.audit import AuditEvent
from instruments.kiosk_devices import KioskDevice, create_device, revoke_device
from instruments.kiosk_views import COOKIE
from tests.instruments import test_usage
from tests.instruments.test_usage import START

lab = test_usage.lab  # the facility, booking and people of the usage tests

PIN = "4821"


@pytest.fixture
def tablet(app, client, lab, db_session):
    """A second browser (the class ``client`` sets up): the facility's tablet, its kiosk link
    opened; the person has a PIN."""
    device, raw = create_device(lab["manager"], lab["facility"], "Confocal room tablet")
    set_kiosk_pin(lab["user"], PIN)
    db_session.commit()
    browser = app.test_client()
    opened = browser.get(f"/instruments/kiosk/open/{raw}")
    assert opened.status_code == 303 and opened.headers["Location"].endswith("/instruments/kiosk")
    return browser, device, raw


def _check_in(browser, booking, pin):
    return browser.post(f"/instruments/kiosk/bookings/{booking.id}/check-in", data={"pin": pin})


def test_a_manager_creates_a_kiosk_device_whose_link_is_shown_once(lab, login_as, db_session):
    manager, slug = login_as(lab["manager"]), lab["facility"].slug
    r = manager.post(
        f"/instruments/facility/{slug}/kiosk-devices", data={"name": "Confocal room tablet"}
    )
    assert r.status_code == 201
    text = r.get_data(as_text=True)
    assert "/instruments/kiosk/open/ick_" in text and "it is not shown again" in text
    device = db_session.scalar(sa.select(KioskDevice))
    assert device.name == "Confocal room tablet" and len(device.token_hash) == 64
    assert device.token_hash not in text
    again = manager.get(f"/instruments/facility/{slug}/kiosk-devices").get_data(as_text=True)
    assert "Confocal room tablet" in again and "/kiosk/open/" not in again


def test_the_tablet_shows_first_names_and_checks_in_with_the_persons_pin(
    lab, tablet, clock, db_session
):
    browser, device, _raw = tablet
    booking, user = lab["booking"], lab["user"]
    clock.set(START - timedelta(minutes=10))
    page = browser.get("/instruments/kiosk")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    first = user.name.split()[0]
    assert f"Check in {first} on" in text and user.name not in text and user.email not in text
    done = _check_in(browser, booking, PIN)
    assert done.status_code == 303 and done.headers["Location"].endswith("/instruments/kiosk")
    assert f"{first} is checked in." in browser.get("/instruments/kiosk").get_data(as_text=True)
    db_session.refresh(booking)
    assert booking.checked_in_via == "kiosk" and booking.checked_in_by_id == user.id
    event = db_session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "booking.check_in"))
    assert event.actor_id == user.id
    assert event.changes["kiosk_device_id"] == [None, device.id]
    names = audit_text.lookup_names([event])  # the audit trail names the device
    rows = audit_text.readable(
        event.changes, names, audit_text.columns_map(), "UTC", lambda t, z: t.isoformat()
    )
    assert ("Kiosk device", None, "Confocal room tablet") in [tuple(r) for r in rows]
    clock.set(START + timedelta(hours=1))
    out = browser.post(f"/instruments/kiosk/bookings/{booking.id}/check-out", data={"pin": PIN})
    assert out.status_code == 303
    db_session.refresh(booking)
    assert booking.checked_out_by_id == user.id and booking.ends_at == START + timedelta(hours=1)


def test_a_wrong_pin_is_refused_with_a_clear_message(lab, tablet, clock, db_session):
    browser, _device, _raw = tablet
    clock.set(START - timedelta(minutes=10))
    r = _check_in(browser, lab["booking"], "0000")
    assert r.status_code == 403
    first = lab["user"].name.split()[0]
    assert f"Wrong kiosk PIN for {first}." in r.get_data(as_text=True)
    db_session.refresh(lab["booking"])
    assert lab["booking"].checked_in_at is None


def test_a_person_without_a_pin_is_told_to_set_one(lab, tablet, clock, db_session):
    browser, _device, _raw = tablet
    set_kiosk_pin(lab["user"], "")
    db_session.commit()
    clock.set(START - timedelta(minutes=10))
    r = _check_in(browser, lab["booking"], PIN)
    assert r.status_code == 422
    assert "has no kiosk PIN yet: set one on your profile page" in r.get_data(as_text=True)


def test_five_wrong_pins_lock_the_persons_pin_at_the_kiosk_for_a_while(
    lab, tablet, clock, db_session
):
    browser, _device, _raw = tablet
    clock.set(START - timedelta(minutes=10))
    assert [_check_in(browser, lab["booking"], "9999").status_code for _ in range(5)] == [403] * 5
    locked = _check_in(browser, lab["booking"], PIN)  # even the right PIN waits now
    assert locked.status_code == 429
    assert "Too many wrong kiosk PINs" in locked.get_data(as_text=True)
    db_session.refresh(lab["booking"])
    assert lab["booking"].checked_in_at is None


def test_a_revoked_device_is_refused_at_once(lab, tablet, clock, db_session):
    browser, device, raw = tablet
    revoke_device(lab["manager"], device.id)
    db_session.commit()
    clock.set(START - timedelta(minutes=10))
    page = browser.get("/instruments/kiosk")
    assert page.status_code == 401 and "This tablet is not a kiosk" in page.get_data(as_text=True)
    assert _check_in(browser, lab["booking"], PIN).status_code == 401
    assert browser.get(f"/instruments/kiosk/open/{raw}").status_code == 404
    db_session.refresh(lab["booking"])
    assert lab["booking"].checked_in_at is None


def test_a_device_of_facility_a_cannot_act_on_facility_b(
    lab, tablet, clock, db_session, make_facility, make_instrument, make_user
):
    from instruments import services
    from instruments.services import BookingInput

    browser, _device, _raw = tablet
    elsewhere = make_instrument(facility=make_facility())
    person = make_user()
    set_kiosk_pin(person, PIN)
    theirs = services.create_booking(
        person, elsewhere.id, BookingInput(START, START + timedelta(hours=1))
    )
    db_session.commit()
    clock.set(START - timedelta(minutes=10))
    assert _check_in(browser, theirs, PIN).status_code == 404
    assert person.name not in browser.get("/instruments/kiosk").get_data(as_text=True)
    db_session.refresh(theirs)
    assert theirs.checked_in_at is None


def test_the_kiosk_cookie_opens_no_other_page_and_gives_no_staff_powers(lab, tablet):
    browser, _device, _raw = tablet
    slug = lab["facility"].slug
    for url in (
        f"/instruments/facility/{slug}/kiosk",
        "/instruments/bookings/mine",
        f"/instruments/bookings/{lab['booking'].id}",
        "/profile",
    ):
        r = browser.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"], url
    assert browser.get("/api/v1/me").status_code == 401


def test_opening_the_link_signs_out_whoever_was_signed_in(lab, login_as, db_session):
    _device, raw = create_device(lab["manager"], lab["facility"], "Front desk")
    db_session.commit()
    staff = login_as(lab["staff"])
    assert staff.get(f"/instruments/kiosk/open/{raw}").status_code == 303
    assert staff.get("/profile").status_code == 302  # the tablet is nobody's session
    assert COOKIE in {c.key for c in staff._cookies.values()}


def test_a_forged_or_missing_kiosk_cookie_is_not_a_kiosk(app, client, lab):
    browser = app.test_client()
    assert browser.get("/instruments/kiosk").status_code == 401
    browser.set_cookie(COOKIE, "forged", path="/instruments/kiosk")
    assert browser.get("/instruments/kiosk").status_code == 401


def test_managers_create_list_and_revoke_devices_through_the_api(lab, client, api_headers):
    facility = lab["facility"]
    headers = api_headers(lab["manager"])
    url = f"/api/v1/facilities/{facility.id}/kiosk-devices"
    made = client.post(url, json={"name": "Front desk"}, headers=headers)
    assert made.status_code == 201
    body = made.get_json()
    assert body["name"] == "Front desk" and "/instruments/kiosk/open/ick_" in body["link"]
    listed = client.get(url, headers=headers).get_json()["items"]
    assert [d["name"] for d in listed] == ["Front desk"] and listed[0]["link"] is None
    gone = client.post(f"/api/v1/kiosk-devices/{body['id']}/revoke", headers=headers)
    assert gone.status_code == 200 and gone.get_json()["revoked_at"]
    token = body["link"].rsplit("/", 1)[1]
    assert client.get(f"/instruments/kiosk/open/{token}").status_code == 404
    staff = api_headers(lab["staff"])  # staff run the kiosk but do not manage its devices
    assert client.post(url, json={"name": "Mine"}, headers=staff).status_code == 403


def test_the_api_sets_my_kiosk_pin(lab, client, api_headers, db_session):
    headers = api_headers(lab["user"])
    r = client.put("/api/v1/me/kiosk-pin", json={"pin": "2468"}, headers=headers)
    assert r.status_code == 200 and r.get_json()["has_kiosk_pin"] is True
    bad = client.put("/api/v1/me/kiosk-pin", json={"pin": "12"}, headers=headers)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["code"] == "invalid_pin"


def test_the_profile_sets_and_removes_the_kiosk_pin(lab, login_as, db_session):
    user = lab["user"]
    me = login_as(user)
    bad = me.post("/profile/kiosk-pin", data={"pin": "12a"})
    assert bad.status_code == 422 and "A kiosk PIN has 4 to 8 digits." in bad.get_data(as_text=True)
    assert me.post("/profile/kiosk-pin", data={"pin": "123456"}).status_code == 303
    db_session.refresh(user)
    assert user.kiosk_pin_hash and "123456" not in user.kiosk_pin_hash
    assert me.post("/profile/kiosk-pin", data={"pin": ""}).status_code == 303
    db_session.refresh(user)
    assert user.kiosk_pin_hash is None
    actions = db_session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.actor_id == user.id, AuditEvent.action.like("user.kiosk_pin%"))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["user.kiosk_pin_set", "user.kiosk_pin_removed"]
