"""Usage as it happened (issue 14 part 3): check-in and check-out, the no-show rule and its job,
actual-use charges, unbooked use, the QR code and the kiosk. Figures are worked out by hand.

The clock fixture starts on Monday 2 March 2026 at 09:00 UTC (10:00 in Rome); the bookings run
10:00-12:00 UTC. The facility opens check-in 15 minutes before the start and makes a booking not
checked in 15 minutes after its start a no-show.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from innocore.audit import AuditEvent
from innocore.errors import DomainError
from innocore.ledger.models import Charge, ChargeSource
from innocore.notifications.models import Notification
from instruments import rules, services
from instruments.charging import charge_finished_bookings
from instruments.models import Booking, BookingStatus, UsageChannel
from instruments.no_shows import release_no_shows
from instruments.services import BookingInput
from instruments.services.booking_settings import set_usage_settings

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
START, END = T0 + timedelta(hours=1), T0 + timedelta(hours=3)
RULE = rules.UsageSettings(checkin_opens_minutes=15, no_show_grace_minutes=15)


# ---- the rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "minutes", "checked_in", "settings", "staff", "expected"),
    [
        ("confirmed", -16, False, RULE, False, ["checkin_not_open"]),
        ("confirmed", -15, False, RULE, False, []),
        ("confirmed", 14, False, RULE, False, []),
        ("confirmed", 15, False, RULE, False, ["checkin_closed"]),
        ("confirmed", 15, False, RULE, True, []),  # staff check a late person in
        ("confirmed", 90, False, rules.UsageSettings(), False, []),  # no deadline: until the end
        ("confirmed", 120, False, RULE, True, ["already_ended"]),
        ("confirmed", 5, True, RULE, False, ["already_checked_in"]),
        ("pending", 0, False, RULE, False, ["not_confirmed"]),
        ("no_show", 20, False, RULE, True, ["not_confirmed"]),
    ],
)
def test_a_booking_is_checked_in_once_from_the_opening_to_its_no_show_deadline(
    status, minutes, checked_in, settings, staff, expected
):
    now = START + timedelta(minutes=minutes)
    problems = rules.checkin_problems(
        status, START, END, START if checked_in else None, settings, now, staff=staff
    )
    assert [p.code for p in problems] == expected


@pytest.mark.parametrize(
    ("minutes", "checked_in", "checked_out", "expected"),
    [
        (-10, False, False, ["not_checked_in"]),
        (-10, True, False, ["checkout_before_start"]),  # in early, done before the start
        (0, True, False, []),
        (30, True, False, []),
        (30, True, True, ["already_checked_out"]),
    ],
)
def test_a_booking_is_checked_out_once_after_its_check_in_and_its_start(
    minutes, checked_in, checked_out, expected
):
    now = START + timedelta(minutes=minutes)
    checked_in_at = START - timedelta(minutes=12) if checked_in else None
    checked_out_at = now if checked_out else None
    assert [
        p.code for p in rules.checkout_problems(checked_in_at, checked_out_at, START, now)
    ] == expected


def test_checking_out_before_the_booked_start_is_refused_and_the_booking_stays_whole(
    lab, clock, db_session, login_as
):
    booking, user = lab["booking"], lab["user"]
    clock.set(START - timedelta(minutes=10))
    client = login_as(user)
    assert (
        client.post(
            f"/instruments/bookings/{booking.id}/check-in", data={"via": "booking_page"}
        ).status_code
        == 303
    )
    clock.set(START - timedelta(minutes=5))
    refused = client.post(
        f"/instruments/bookings/{booking.id}/check-out", data={"via": "booking_page"}
    )
    assert refused.status_code == 422
    assert "The booked time has not begun" in refused.get_data(as_text=True)
    db_session.refresh(booking)
    assert (booking.starts_at, booking.ends_at) == (START, END)
    assert booking.checked_out_at is None and booking.status == BookingStatus.CONFIRMED


@pytest.mark.parametrize(
    ("minutes", "checked_in", "settings", "expected"),
    [(14, False, RULE, False), (15, False, RULE, True), (15, True, RULE, False)]
    + [(500, False, rules.UsageSettings(), False)],
)
def test_a_confirmed_booking_not_checked_in_by_its_deadline_is_a_no_show(
    minutes, checked_in, settings, expected
):
    now = START + timedelta(minutes=minutes)
    checked = START if checked_in else None
    assert rules.is_no_show("confirmed", START, checked, settings, now) is expected


# ---- services and pages -----------------------------------------------------------------------


@pytest.fixture
def lab(clock, db_session, make_user, make_instrument, make_facility, grant):
    facility = make_facility()
    instrument = make_instrument(facility=facility, rates={"internal": "30.00"})
    user = make_user(organisation=facility.institution)
    other = make_user(organisation=facility.institution)
    staff, manager = make_user(), make_user()
    grant(staff, facility, "staff")
    grant(manager, facility, "manager")
    set_usage_settings(
        manager,
        facility,
        checkin_opens_minutes=15,
        no_show_grace_minutes=15,
        charge_actual_use=False,
    )
    booking = services.create_booking(user, instrument.id, BookingInput(START, END))
    db_session.commit()
    return {
        "facility": facility,
        "instrument": instrument,
        "user": user,
        "other": other,
        "staff": staff,
        "manager": manager,
        "booking": booking,
    }


def test_check_in_then_early_check_out_frees_the_rest_and_actual_use_is_charged(
    lab, clock, db_session, login_as, api_headers
):
    booking, user = lab["booking"], lab["user"]
    clock.set(START + timedelta(minutes=5))
    page = login_as(user).post(
        f"/instruments/bookings/{booking.id}/check-in", data={"via": "booking_page"}
    )
    assert page.status_code == 303
    db_session.refresh(booking)
    assert booking.checked_in_at == START + timedelta(minutes=5)
    assert booking.checked_in_via == "booking_page" and booking.checked_in_by_id == user.id
    # 10:40:30: checking out early ends the booking at the next whole minute, 10:41.
    clock.set(START + timedelta(minutes=40, seconds=30))
    api = login_as(user)
    with api.session_transaction() as cookie:
        cookie.clear()  # the API's writes take a token, not the page's session
    r = api.post(f"/api/v1/bookings/{booking.id}/check-out", headers=api_headers(user))
    assert r.status_code == 200, r.json
    assert r.json["ends_at"] == "2026-03-02T10:41:00Z"
    assert r.json["checked_out_at"] == "2026-03-02T10:40:30Z"
    # The rest is free: someone else books 10:41-12:00.
    services.create_booking(
        lab["other"], lab["instrument"].id, BookingInput(START + timedelta(minutes=41), END)
    )
    # The facility charges actual use: 10:05 to 10:40:30 is 35.5 min = 0.59 h x 30 = 17.70 EUR.
    set_usage_settings(
        lab["manager"],
        lab["facility"],
        checkin_opens_minutes=15,
        no_show_grace_minutes=15,
        charge_actual_use=True,
    )
    db_session.commit()
    charge_finished_bookings(now=END + timedelta(hours=1))
    charge = db_session.scalar(sa.select(Charge).where(Charge.source_id == booking.id))
    assert (charge.quantity, charge.amount) == (Decimal("0.59"), Decimal("17.70"))
    with pytest.raises(DomainError) as err:
        services.check_out(user, booking.id, UsageChannel.API)
    assert [p.code for p in err.value.problems] == ["already_checked_out"]


def test_the_no_show_job_releases_the_slot_once_tells_the_user_and_charges_the_policy(
    lab, clock, db_session
):
    booking, user = lab["booking"], lab["user"]
    # Started before the rule was turned on (at 09:00): never a no-show.
    older = Booking(
        instrument=lab["instrument"],
        user=user,
        booked_by=user,
        starts_at=T0 - timedelta(hours=2),
        ends_at=T0 - timedelta(hours=1),
        status=BookingStatus.CONFIRMED,
        uid="older@test",
        created_at=T0,
        updated_at=T0,
    )
    db_session.add(older)
    db_session.commit()
    clock.set(START + timedelta(minutes=14, seconds=59))
    assert release_no_shows() == 0
    clock.set(START + timedelta(minutes=15))
    assert release_no_shows() == 1
    assert release_no_shows() == 0  # a second run, or a second scheduler, changes nothing
    db_session.commit()
    db_session.refresh(booking)
    assert booking.status == BookingStatus.NO_SHOW and older.status == BookingStatus.CONFIRMED
    notes = db_session.scalars(sa.select(Notification).where(Notification.kind == "usage")).all()
    assert [n.subject for n in notes] == [f"Recorded as a no-show: {lab['instrument'].name}"]
    assert (
        db_session.scalar(
            sa.select(sa.func.count()).where(
                AuditEvent.action == "booking.no_show", AuditEvent.object_id == str(booking.id)
            )
        )
        == 1
    )
    # The slot is free again (the exclusion constraint on PostgreSQL agrees).
    again = services.create_booking(
        lab["other"], lab["instrument"].id, BookingInput(START + timedelta(minutes=30), END)
    )
    assert again.status == BookingStatus.CONFIRMED
    with pytest.raises(DomainError) as err:
        services.check_in(user, booking.id, UsageChannel.QR)
    assert [p.code for p in err.value.problems] == ["not_confirmed"]
    # Charged by the default policy (the whole booked time): 2 h x 30 = 60.00 EUR, as a no-show.
    db_session.commit()
    charge_finished_bookings(now=END + timedelta(hours=1))
    charges = db_session.scalars(sa.select(Charge).where(Charge.source_id == booking.id)).all()
    assert [(c.source, c.amount) for c in charges] == [(ChargeSource.NO_SHOW, Decimal("60.00"))]


def test_staff_log_unbooked_use_charged_like_a_booking(lab, clock, db_session, api_headers, client):
    clock.set(T0 + timedelta(hours=5))
    body = {
        "user_id": lab["other"].id,
        "starts_at": "2026-03-02T12:30:00+00:00",
        "ends_at": "2026-03-02T13:15:00+00:00",
        "note": "Walked in",
    }
    url = f"/api/v1/instruments/{lab['instrument'].id}/usage"
    r = client.post(url, json=body, headers=api_headers(lab["staff"]))
    assert r.status_code == 201, r.json
    assert r.json["checked_in_via"] == r.json["checked_out_via"] == "logged"
    logged_id = r.json["id"]
    # Overlapping the confirmed 10:00-12:00 booking: refused.
    clash = {**body, "starts_at": "2026-03-02T11:30:00+00:00"}
    r = client.post(url, json=clash, headers=api_headers(lab["staff"]))
    assert r.status_code == 409 and r.json["errors"][0]["code"] == "conflict"
    # Logged for the person whose booking it overlaps: staff read who has it, not "you".
    theirs = {**clash, "ends_at": "2026-03-02T11:45:00+00:00", "user_id": lab["user"].id}
    r = client.post(url, json=theirs, headers=api_headers(lab["staff"]))
    assert r.status_code == 409
    assert r.json["errors"][0]["message"] == (
        f"{lab['user'].name} already has a booking of this instrument at that time."
    )
    charge_finished_bookings(now=T0 + timedelta(hours=5))
    charge = db_session.scalar(sa.select(Charge).where(Charge.source_id == logged_id))
    # 12:30 to 13:15 is 45 min = 0.75 h x 30 = 22.50 EUR, as instrument use.
    assert (charge.source, charge.quantity, charge.amount) == (
        ChargeSource.BOOKING,
        Decimal("0.75"),
        Decimal("22.50"),
    )


def test_kiosk_journey_checks_people_in_and_out(lab, clock, db_session, login_as):
    booking, staff = lab["booking"], lab["staff"]
    slug = lab["facility"].slug
    clock.set(START - timedelta(minutes=10))
    kiosk = login_as(staff)
    page = kiosk.get(f"/instruments/facility/{slug}/kiosk")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    # Rome is UTC+1 in March: the 10:00-12:00 UTC booking reads 11:00-13:00 CET.
    assert booking.user.name in text and "11:00 CET – 13:00 CET" in text
    assert "Not checked in" in text
    r = kiosk.post(f"/instruments/bookings/{booking.id}/check-in", data={"via": "kiosk"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/facility/{slug}/kiosk")
    page = kiosk.get(f"/instruments/facility/{slug}/kiosk").get_data(as_text=True)
    assert "Checked in</span> 10:50 CET" in page and "Check out" in page
    # Checking out before the end asks first (the rest of the slot is given away).
    clock.set(START + timedelta(hours=1))
    ask = kiosk.post(f"/instruments/bookings/{booking.id}/check-out", data={"via": "kiosk"})
    assert ask.status_code == 200 and "Check out now?" in ask.get_data(as_text=True)
    done = kiosk.post(
        f"/instruments/bookings/{booking.id}/check-out", data={"via": "kiosk", "confirmed": "1"}
    )
    assert done.status_code == 303
    db_session.refresh(booking)
    assert booking.checked_in_via == "kiosk" and booking.checked_in_by_id == staff.id
    assert (
        booking.checked_out_at == START + timedelta(hours=1)
        and booking.ends_at == booking.checked_out_at
    )


def test_the_qr_code_opens_the_check_in_of_ones_current_booking(lab, clock, login_as):
    instrument = lab["instrument"]
    svg = login_as(lab["staff"]).get(f"/instruments/{instrument.id}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert b"<svg" in svg.data and b"Check in: " in svg.data
    clock.set(START - timedelta(minutes=10))
    here = login_as(lab["user"]).get(f"/instruments/{instrument.id}/here")
    text = here.get_data(as_text=True)
    assert here.status_code == 200 and 'name="via" value="qr"' in text
    other = login_as(lab["other"]).get(f"/instruments/{instrument.id}/here")
    assert "You have no booking" in other.get_data(as_text=True)


def test_a_flat_no_show_fee_replaces_the_share_of_the_booked_time(
    lab, clock, db_session, client, api_headers, login_as
):
    facility, manager = lab["facility"], lab["manager"]
    page = login_as(manager).post(
        f"/instruments/facility/{facility.slug}/check-in",
        data={"checkin_opens_minutes": "15", "no_show_grace_minutes": "0"},
    )
    assert page.status_code == 422 and "between 1 and 1440" in page.get_data(as_text=True)
    with client.session_transaction() as cookie:
        cookie.clear()
    r = client.put(
        f"/api/v1/facilities/{facility.id}/usage-settings",
        json={"no_show_grace_minutes": 15, "no_show_fee": "25.00"},
        headers=api_headers(manager),
    )
    assert r.status_code == 200, r.json
    assert (r.json["no_show_grace_minutes"], r.json["no_show_fee"]) == (15, "25.00")
    clock.set(START + timedelta(minutes=15))
    assert release_no_shows() == 1
    db_session.commit()
    charge_finished_bookings(now=END + timedelta(hours=1))
    charge = db_session.scalar(sa.select(Charge).where(Charge.source_id == lab["booking"].id))
    # One flat 25.00 instead of 2 h x 30 = 60.00.
    assert (charge.source, charge.unit, charge.quantity, charge.amount) == (
        ChargeSource.NO_SHOW,
        "no-show",
        Decimal("1"),
        Decimal("25.00"),
    )
