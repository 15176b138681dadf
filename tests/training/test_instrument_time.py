"""Hands-on parts hold instrument time through the booking service: never a collision."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from innocore.errors import DomainError
from instruments import services as booking_services
from instruments.models import Booking, BookingStatus
from training.models import Attendance, AttendanceStatus, SessionStatus, TrainingSession

ROME = ZoneInfo("Europe/Rome")


def rome(*a) -> datetime:
    return datetime(*a, tzinfo=ROME)


@pytest.fixture
def world(clock, make_facility, make_user, grant, make_module, make_instrument):
    facility = make_facility(timezone="Europe/Rome")
    staff, trainer = make_user(name="Sam Staff"), make_user(name="Tina Trainer")
    grant(staff, facility, "staff")
    grant(trainer, facility, "trainer")
    module = make_module(facility, title="Confocal basics")
    instrument = make_instrument(facility, name="Confocal LSM")
    return facility, staff, trainer, module, instrument


def form(trainer, parts: str, **kw) -> dict:
    return {
        "parts": parts,
        "location": "Room 1",
        "capacity": "8",
        "audience": "everyone",
        "enrol_opens_at": "2026-03-02T10:00",
        "enrol_closes_at": "2026-03-09T10:00",
        "withdraw_days_before": "2",
        "trainer_ids": [str(trainer.id)],
        **kw,
    }


def session_body(facility, trainer) -> dict:
    return {
        "facility_id": facility.id,
        "capacity": 8,
        "audience": "everyone",
        "parts": [
            {
                "starts_at": rome(2026, 3, 12, 14).isoformat(),
                "ends_at": rome(2026, 3, 12, 17).isoformat(),
            }
        ],
        "enrol_opens_at": rome(2026, 3, 2, 10).isoformat(),
        "enrol_closes_at": rome(2026, 3, 9, 10).isoformat(),
        "trainer_ids": [trainer.id],
        "location": "Room 3",
    }


def active_bookings(instrument) -> list[Booking]:
    from innocore.extensions import db

    return list(
        db.session.scalars(
            sa.select(Booking)
            .where(
                Booking.instrument_id == instrument.id, Booking.status == BookingStatus.CONFIRMED
            )
            .order_by(Booking.starts_at)
        )
    )


def session_count(db_session) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(TrainingSession))


def test_a_hands_on_part_reserves_its_instrument(world, login_as, db_session):
    facility, staff, trainer, module, instrument = world
    client = login_as(staff)
    text = "2026-03-12 09:00-12:00 Theory\n2026-03-12 14:00-17:00 Hands-on @ confocal lsm"
    response = client.post(f"/training/modules/{module.id}/sessions/new", data=form(trainer, text))
    assert response.status_code == 302, response.data
    session = db_session.scalar(sa.select(TrainingSession).where(TrainingSession.module == module))
    theory, hands_on = session.parts
    assert theory.instrument_id is None and theory.booking_id is None
    [booking] = active_bookings(instrument)
    assert hands_on.booking_id == booking.id and booking.for_training
    assert (booking.starts_at, booking.ends_at) == (rome(2026, 3, 12, 14), rome(2026, 3, 12, 17))
    page = client.get(f"/training/sessions/{session.id}").data.decode()
    assert "on <a" in page and "Confocal LSM" in page
    ics = client.get(f"/training/sessions/{session.id}.ics").data.decode()
    assert "Instrument: Confocal LSM" in ics.replace("\r\n ", "")


def test_a_part_colliding_with_a_booking_is_refused_and_nothing_is_written(
    world, login_as, db_session
):
    facility, staff, trainer, module, instrument = world
    booking_services.reserve_instrument_time(
        staff, instrument.id, rome(2026, 3, 12, 15), rome(2026, 3, 12, 16), purpose="Service run"
    )
    db_session.commit()
    client = login_as(staff)
    # The first hands-on part is free, the second collides: all or nothing.
    text = "2026-03-11 14:00-17:00 Day one @ Confocal LSM\n2026-03-12 14:00-17:00 Day two @ Confocal LSM"
    response = client.post(f"/training/modules/{module.id}/sessions/new", data=form(trainer, text))
    assert response.status_code == 422
    page = response.data.decode()
    # The clashing reservation is the staff member's own, and the message says so.
    assert "2026-03-12 14:00 on Confocal LSM: You already have a booking of this instrument" in page
    assert session_count(db_session) == 0
    assert [b.purpose for b in active_bookings(instrument)] == ["Service run"]


def test_the_api_refuses_a_colliding_part_with_422(world, api_headers, client, db_session):
    facility, staff, trainer, module, instrument = world
    booking_services.reserve_instrument_time(
        staff, instrument.id, rome(2026, 3, 12, 15), rome(2026, 3, 12, 16), purpose="Service run"
    )
    db_session.commit()
    body = session_body(facility, trainer)
    body["parts"][0]["instrument_id"] = instrument.id
    response = client.post(
        f"/api/v1/training/modules/{module.id}/sessions", json=body, headers=api_headers(staff)
    )
    assert response.status_code == 422
    assert [e["code"] for e in response.json["errors"]] == ["conflict"]
    assert response.json["errors"][0]["field"] == "parts"
    assert session_count(db_session) == 0


def test_an_instrument_of_another_facility_is_refused(
    world, api_headers, client, make_instrument, db_session
):
    facility, staff, trainer, module, _ = world
    elsewhere = make_instrument(name="Someone else's sorter")
    body = session_body(facility, trainer)
    body["parts"][0]["instrument_id"] = elsewhere.id
    response = client.post(
        f"/api/v1/training/modules/{module.id}/sessions", json=body, headers=api_headers(staff)
    )
    assert response.status_code == 422
    assert [e["code"] for e in response.json["errors"]] == ["instrument_unknown"]
    assert active_bookings(elsewhere) == []


def test_a_booking_colliding_with_a_session_part_is_refused(world, login_as, make_user, db_session):
    facility, staff, trainer, module, instrument = world
    client = login_as(staff)
    text = "2026-03-12 14:00-17:00 Hands-on @ Confocal LSM"
    assert (
        client.post(
            f"/training/modules/{module.id}/sessions/new", data=form(trainer, text)
        ).status_code
        == 302
    )
    user = make_user(organisation=facility.institution)
    with pytest.raises(DomainError) as err:
        booking_services.create_booking(
            user,
            instrument.id,
            booking_services.BookingInput(rome(2026, 3, 12, 16), rome(2026, 3, 12, 18)),
        )
    assert [p.code for p in err.value.problems] == ["conflict"]


def test_cancelling_the_session_frees_the_slot(world, login_as, make_user, db_session):
    facility, staff, trainer, module, instrument = world
    client = login_as(staff)
    text = "2026-03-12 14:00-17:00 Hands-on @ Confocal LSM"
    client.post(f"/training/modules/{module.id}/sessions/new", data=form(trainer, text))
    session = db_session.scalar(sa.select(TrainingSession).where(TrainingSession.module == module))
    response = client.post(
        f"/training/sessions/{session.id}/cancel",
        data={"reason": "The trainer is ill.", "confirmed": "1"},
    )
    assert response.status_code == 302
    assert session.status == SessionStatus.CANCELLED
    assert active_bookings(instrument) == []
    user = make_user(organisation=facility.institution)
    booking = booking_services.create_booking(
        user,
        instrument.id,
        booking_services.BookingInput(rome(2026, 3, 12, 14), rome(2026, 3, 12, 17)),
    )
    assert booking.status == BookingStatus.CONFIRMED


def test_moving_a_part_moves_its_booking_and_removing_it_releases_it(world, login_as, db_session):
    facility, staff, trainer, module, instrument = world
    client = login_as(staff)
    text = "2026-03-12 09:00-12:00 Theory\n2026-03-12 14:00-17:00 Hands-on @ Confocal LSM"
    client.post(f"/training/modules/{module.id}/sessions/new", data=form(trainer, text))
    session = db_session.scalar(sa.select(TrainingSession).where(TrainingSession.module == module))
    theory_id = session.parts[0].id
    # The hands-on part moves an hour later, overlapping its own old slot: still allowed.
    moved = "2026-03-12 09:00-12:00 Theory\n2026-03-12 15:00-18:00 Hands-on @ Confocal LSM"
    response = client.post(f"/training/sessions/{session.id}/edit", data=form(trainer, moved))
    assert response.status_code == 302, response.data
    [booking] = active_bookings(instrument)
    assert (booking.starts_at, booking.ends_at) == (rome(2026, 3, 12, 15), rome(2026, 3, 12, 18))
    db_session.expire_all()
    assert session.parts[0].id == theory_id  # the unchanged part kept its identity
    assert session.parts[1].booking_id == booking.id

    only_theory = "2026-03-12 09:00-12:00 Theory"
    response = client.post(f"/training/sessions/{session.id}/edit", data=form(trainer, only_theory))
    assert response.status_code == 302
    assert active_bookings(instrument) == []


def test_an_edit_colliding_with_a_booking_keeps_the_old_reservation(world, login_as, db_session):
    facility, staff, trainer, module, instrument = world
    client = login_as(staff)
    text = "2026-03-12 14:00-17:00 Hands-on @ Confocal LSM"
    client.post(f"/training/modules/{module.id}/sessions/new", data=form(trainer, text))
    session = db_session.scalar(sa.select(TrainingSession).where(TrainingSession.module == module))
    booking_services.reserve_instrument_time(
        staff, instrument.id, rome(2026, 3, 13, 9), rome(2026, 3, 13, 10), purpose="Service run"
    )
    db_session.commit()
    moved = "2026-03-13 08:00-11:00 Hands-on @ Confocal LSM"
    response = client.post(f"/training/sessions/{session.id}/edit", data=form(trainer, moved))
    assert response.status_code == 422
    assert "You already have a booking of this instrument" in response.data.decode()  # staff's own
    db_session.expire_all()
    assert [(b.starts_at, b.purpose) for b in active_bookings(instrument)] == [
        (rome(2026, 3, 12, 14), "Training: Confocal basics"),
        (rome(2026, 3, 13, 9), "Service run"),
    ]


def test_removing_a_part_with_recorded_attendance_is_a_form_error(
    world, login_as, make_session, make_user, db_session
):
    facility, staff, trainer, module, _ = world
    session = make_session(
        module,
        parts=[
            (rome(2026, 3, 12, 9), rome(2026, 3, 12, 12)),
            (rome(2026, 3, 13, 9), rome(2026, 3, 13, 12)),
        ],
        trainers=[trainer],
    )
    from training.services import enrolment

    learner = make_user()
    row = enrolment.enrol(learner, session.id, learner)
    db_session.add(
        Attendance(
            enrolment_id=row.id,
            part_id=session.parts[1].id,
            status=AttendanceStatus.PRESENT,
            recorded_by_id=trainer.id,
            recorded_at=rome(2026, 3, 13, 12),
        )
    )
    db_session.commit()
    client = login_as(staff)
    response = client.post(
        f"/training/sessions/{session.id}/edit",
        data=form(trainer, "2026-03-12 09:00-12:00", enrol_closes_at="2026-03-09T10:00"),
    )
    assert response.status_code == 422
    assert "already has attendance recorded" in response.data.decode()
    db_session.expire_all()
    assert len(session.parts) == 2
