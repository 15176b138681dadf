"""The past is not editable by users; approval checks every rule again (issue 12, points 1-2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from innocore.clock import api_instant
from innocore.errors import DomainError
from innocore.ledger.models import Charge
from instruments import rules, services
from instruments.charging import charge_finished_bookings
from instruments.eligibility import Eligibility
from instruments.models import ApprovalMode, BookingChange, BookingStatus
from instruments.services import BookingInput

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the clock fixture's start (Monday)


def codes(err) -> list[str]:
    return sorted(p.code for p in err.value.problems)


@pytest.fixture
def lab(clock, make_user, make_instrument, make_facility, grant):
    facility = make_facility()
    instrument = make_instrument(facility=facility, rates={"internal": "30.00"})
    user = make_user(organisation=facility.institution)
    staff = make_user(organisation=facility.institution)
    grant(staff, facility, "staff")
    return instrument, user, staff


def running(lab, clock, db_session):
    """A confirmed 10:00-12:00 booking, and the clock at 11:00 (it is running)."""
    instrument, user, _ = lab
    start = T0 + timedelta(hours=1)
    booking = services.create_booking(
        user, instrument.id, BookingInput(start, start + timedelta(hours=2))
    )
    db_session.commit()
    clock.set(start + timedelta(hours=1))
    return booking


# ---- the rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes_to_start", "staff", "reason", "expected"),
    [
        (30, False, None, []),
        (0, False, None, ["already_started"]),
        (-60, False, "please", ["already_started"]),
        (-60, True, None, ["correction_reason_required"]),
        (-60, True, "Used 09:00-10:30 in fact", []),
    ],
)
def test_once_a_booking_has_started_its_owner_can_no_longer_move_or_cancel_it(
    minutes_to_start, staff, reason, expected
):
    problems = rules.started_problems(
        T0 + timedelta(minutes=minutes_to_start), T0, staff=staff, reason=reason, action="moved"
    )
    assert [p.code for p in problems] == expected


# ---- services ----------------------------------------------------------------------------------


def test_the_owner_cannot_move_or_cancel_a_started_booking(lab, clock, db_session):
    booking = running(lab, clock, db_session)
    _, user, _ = lab
    next_week = booking.starts_at + timedelta(days=7)
    with pytest.raises(DomainError) as err:
        services.move_booking(user, booking.id, next_week, next_week + timedelta(hours=2))
    assert codes(err) == ["already_started"] and err.value.status == 422
    with pytest.raises(DomainError) as err:
        services.cancel_booking(user, booking.id, "changed my mind")
    assert codes(err) == ["already_started"]
    clock.advance(days=1)  # ended: still not editable
    with pytest.raises(DomainError) as err:
        services.move_booking(user, booking.id, next_week, next_week + timedelta(hours=2))
    assert codes(err) == ["already_started"]


def test_staff_correct_a_started_booking_only_with_a_recorded_reason(lab, clock, db_session):
    booking = running(lab, clock, db_session)
    _, _, staff = lab
    start = booking.starts_at - timedelta(minutes=30)
    with pytest.raises(DomainError) as err:
        services.move_booking(staff, booking.id, start, booking.ends_at)
    assert codes(err) == ["correction_reason_required"]
    services.move_booking(
        staff, booking.id, start, booking.ends_at, override_reason="Started early, logbook"
    )
    change = db_session.scalars(
        sa.select(BookingChange)
        .where(BookingChange.booking_id == booking.id)
        .order_by(BookingChange.id.desc())
    ).first()
    assert change.action == "corrected" and change.note == "Started early, logbook"
    assert booking.starts_at == start


def test_ending_early_charges_the_time_used(lab, clock, db_session):
    booking = running(lab, clock, db_session)
    _, user, _ = lab
    clock.advance(minutes=29, seconds=10)  # 11:29:10 -> ends 11:30
    services.end_booking_early(user, booking.id)
    db_session.commit()
    assert booking.ends_at == T0 + timedelta(hours=2, minutes=30)
    assert booking.status == BookingStatus.CONFIRMED
    clock.advance(minutes=1)
    with pytest.raises(DomainError) as err:
        services.end_booking_early(user, booking.id)
    assert codes(err) == ["already_ended"]
    assert charge_finished_bookings() == 1
    charge = db_session.scalar(sa.select(Charge).where(Charge.source_id == booking.id))
    assert charge.quantity == Decimal("1.50") and charge.amount == Decimal("45.00")


def test_a_future_booking_cannot_be_ended_early(lab, clock, db_session):
    instrument, user, _ = lab
    start = T0 + timedelta(days=1)
    booking = services.create_booking(
        user, instrument.id, BookingInput(start, start + timedelta(hours=1))
    )
    with pytest.raises(DomainError) as err:
        services.end_booking_early(user, booking.id)
    assert codes(err) == ["not_started"]


def test_approval_checks_every_rule_again(lab, clock, db_session, eligibility, make_competence):
    instrument, user, staff = lab
    competence = make_competence()
    instrument.required_competence_id = competence.id
    instrument.approval_mode = ApprovalMode.EVERYONE
    eligibility({(user.id, competence.id): Eligibility(holds=True, level=3)})
    start = T0 + timedelta(days=2)
    pending = services.create_booking(
        user, instrument.id, BookingInput(start, start + timedelta(hours=1))
    )
    assert pending.status == BookingStatus.PENDING
    eligibility({})  # the certificate was revoked after the request
    with pytest.raises(DomainError) as err:
        services.approve_booking(staff, pending.id)
    assert codes(err) == ["competence_missing"] and err.value.problems[0].overridable
    assert pending.status == BookingStatus.PENDING
    services.approve_booking(staff, pending.id, "Supervised by the staff scientist")
    assert pending.status == BookingStatus.CONFIRMED
    assert pending.override_reason == "Supervised by the staff scientist"
    assert pending.decision_reason == "Supervised by the staff scientist"


# ---- through HTTP ------------------------------------------------------------------------------


def test_the_api_refuses_moving_an_ended_booking_and_ends_a_running_one(
    lab, clock, db_session, app, api_headers
):
    booking = running(lab, clock, db_session)
    _, user, staff = lab
    client = app.test_client()
    headers = api_headers(user)
    week = booking.starts_at + timedelta(days=7)
    moved = client.put(
        f"/api/v1/bookings/{booking.id}",
        json={"starts_at": week.isoformat(), "ends_at": (week + timedelta(hours=2)).isoformat()},
        headers=headers,
    )
    assert moved.status_code == 422 and moved.get_json()["errors"][0]["code"] == "already_started"
    cancelled = client.post(f"/api/v1/bookings/{booking.id}/cancel", json={}, headers=headers)
    assert cancelled.status_code == 422
    ended = client.post(f"/api/v1/bookings/{booking.id}/end", headers=headers)
    assert ended.status_code == 200, ended.get_json()
    assert ended.get_json()["ends_at"] == api_instant(T0 + timedelta(hours=2))


def test_staff_correct_a_started_booking_through_the_api_with_a_reason(
    lab, clock, db_session, app, api_headers
):
    booking = running(lab, clock, db_session)
    client, headers = app.test_client(), api_headers(lab[2])
    bare = client.post(f"/api/v1/bookings/{booking.id}/cancel", json={}, headers=headers)
    assert bare.status_code == 422
    assert bare.get_json()["errors"][0]["code"] == "correction_reason_required"
    fixed = client.post(
        f"/api/v1/bookings/{booking.id}/cancel",
        json={"reason": "Never came; test entry"},
        headers=headers,
    )
    assert fixed.status_code == 200, fixed.get_json()
    assert fixed.get_json()["status"] == "cancelled"


def test_the_booking_page_shows_why_a_started_booking_cannot_be_cancelled(
    lab, clock, db_session, login_as
):
    booking = running(lab, clock, db_session)
    client = login_as(lab[1])
    page = client.get(f"/instruments/bookings/{booking.id}")
    assert "can no longer be moved or cancelled" in page.get_data(as_text=True)
    refused = client.post(f"/instruments/bookings/{booking.id}/cancel", data={"reason": ""})
    assert refused.status_code == 422 and "Location" not in refused.headers
    assert "already started, so it can no longer be cancelled" in refused.get_data(as_text=True)
    ended = client.post(f"/instruments/bookings/{booking.id}/end", data={"confirmed": "1"})
    assert ended.status_code == 303
    db_session.refresh(booking)
    assert booking.ends_at == clock.now


def test_the_approvals_inbox_shows_the_problems_and_records_the_override(
    lab, clock, db_session, eligibility, make_competence, login_as
):
    instrument, user, staff = lab
    competence = make_competence()
    instrument.required_competence_id = competence.id
    instrument.approval_mode = ApprovalMode.EVERYONE
    eligibility({(user.id, competence.id): Eligibility(holds=True, level=3)})
    start = T0 + timedelta(days=2)
    pending = services.create_booking(
        user, instrument.id, BookingInput(start, start + timedelta(hours=1))
    )
    db_session.commit()
    eligibility({})
    client = login_as(staff)
    refused = client.post(f"/instruments/bookings/{pending.id}/approve")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Location" not in refused.headers
    assert "competence" in body and 'name="override_reason"' in body
    ok = client.post(
        f"/instruments/bookings/{pending.id}/approve", data={"override_reason": "Supervised"}
    )
    assert ok.status_code == 303
    db_session.refresh(pending)
    assert pending.status == BookingStatus.CONFIRMED and pending.override_reason == "Supervised"
