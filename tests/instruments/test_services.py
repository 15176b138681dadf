"""Booking use cases on a real database (rolled back per test)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from innocore.errors import DomainError, Forbidden, NotFound
from innocore.vocab import OrganisationKind
from instruments import reminders, services
from instruments.eligibility import Eligibility
from instruments.models import (
    ApprovalMode,
    Booking,
    BookingChange,
    BookingStatus,
    InstrumentStatus,
    Severity,
)
from instruments.services import BookingInput
from instruments.services.common import flush_or_conflict
from tests.instruments.conftest import WEEKDAYS_8_TO_20

ROME = ZoneInfo("Europe/Rome")


def rome(*a):
    return datetime(*a, tzinfo=ROME)


def ics_of(message) -> str:
    """The text/calendar part of a received e-mail, decoded."""
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return part.get_payload(decode=True).decode()
    return ""


def codes(err) -> list[str]:
    return sorted(p.code for p in err.value.problems)


@pytest.fixture
def setup(clock, make_user, make_instrument, make_facility, grant, make_org):
    facility = make_facility()
    instrument = make_instrument(facility=facility, opening=WEEKDAYS_8_TO_20, slot_minutes=30)
    user = make_user(organisation=facility.institution)
    staff = make_user(organisation=facility.institution)
    grant(staff, facility, "staff")
    return facility, instrument, user, staff


def test_create_booking_confirms_and_mails_an_invitation(setup, deliver, db_session):
    _, instrument, user, _ = setup
    booking = services.create_booking(
        user, instrument.id, BookingInput(rome(2026, 3, 3, 9), rome(2026, 3, 3, 11), "imaging")
    )
    db_session.commit()
    assert booking.status == BookingStatus.CONFIRMED and booking.sequence == 0
    mails = deliver()
    assert [m["To"] for m in mails] == [user.email]
    body = ics_of(mails[0])
    assert "METHOD:REQUEST" in body and booking.uid in body and "BEGIN:VTIMEZONE" in body


def test_overlap_is_refused_as_conflict_with_409(setup, make_user):
    facility, instrument, user, _ = setup
    services.create_booking(
        user, instrument.id, BookingInput(rome(2026, 3, 3, 9), rome(2026, 3, 3, 11))
    )
    other = make_user(organisation=facility.institution)
    with pytest.raises(DomainError) as err:
        services.create_booking(
            other, instrument.id, BookingInput(rome(2026, 3, 3, 10), rome(2026, 3, 3, 12))
        )
    assert codes(err) == ["conflict"] and err.value.status == 409


def test_every_problem_at_once_and_nothing_written(setup, db_session):
    _, instrument, user, _ = setup
    instrument.horizon_days = 5
    before = db_session.scalar(sa.select(sa.func.count()).select_from(Booking))
    with pytest.raises(DomainError) as err:
        services.create_booking(
            user,
            instrument.id,
            BookingInput(rome(2026, 3, 14, 21, 10), rome(2026, 3, 14, 22), purpose="x" * 1_000_000),
        )
    assert codes(err) == ["beyond_horizon", "off_grid", "outside_opening_hours", "purpose_too_long"]
    assert err.value.status == 422
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Booking)) == before


def test_required_competence_fails_closed_until_staff_override(setup, make_competence, db_session):
    _, instrument, user, staff = setup
    instrument.required_competence_id = make_competence().id
    instrument.required_level = 2
    data = BookingInput(rome(2026, 3, 3, 9), rome(2026, 3, 3, 10), user_id=user.id)
    with pytest.raises(DomainError) as err:
        services.create_booking(
            user, instrument.id, BookingInput(rome(2026, 3, 3, 9), rome(2026, 3, 3, 10))
        )
    assert codes(err) == ["competence_missing"]
    with pytest.raises(DomainError):  # staff without a reason
        services.create_booking(staff, instrument.id, data)
    data.override_reason = "Supervised by Giulia"
    booking = services.create_booking(staff, instrument.id, data)
    assert booking.user_id == user.id and booking.booked_by_id == staff.id
    assert booking.override_reason == "Supervised by Giulia"
    with pytest.raises(Forbidden):
        services.create_booking(
            user,
            instrument.id,
            BookingInput(rome(2026, 3, 4, 9), rome(2026, 3, 4, 10), override_reason="please"),
        )


def test_plugged_eligibility_lets_certified_users_book(setup, make_competence, eligibility):
    _, instrument, user, _ = setup
    competence = make_competence()
    instrument.required_competence_id, instrument.required_level = competence.id, 2
    eligibility({(user.id, competence.id): Eligibility(True, 2)})
    booking = services.create_booking(
        user, instrument.id, BookingInput(rome(2026, 3, 3, 9), rome(2026, 3, 3, 10))
    )
    assert booking.status == BookingStatus.CONFIRMED


def test_move_keeps_history_and_raises_sequence(setup, db_session, deliver):
    _, instrument, user, _ = setup
    booking = services.create_booking(
        user, instrument.id, BookingInput(rome(2026, 3, 3, 9), rome(2026, 3, 3, 10))
    )
    services.move_booking(user, booking.id, rome(2026, 3, 4, 9), rome(2026, 3, 4, 11))
    db_session.commit()
    assert booking.sequence == 1
    moved = db_session.scalar(sa.select(BookingChange).where(BookingChange.action == "moved"))
    assert moved.old_starts_at == rome(2026, 3, 3, 9) and moved.new_ends_at == rome(2026, 3, 4, 11)
    mails = deliver()
    assert "SEQUENCE:1" in ics_of(mails[-1]) and booking.uid in ics_of(mails[-1])


def test_cancel_records_who_when_why_and_late(setup, clock, db_session, deliver):
    _, instrument, user, _ = setup
    instrument.cancel_cutoff_minutes = 24 * 60
    early = services.create_booking(
        user, instrument.id, BookingInput(rome(2026, 3, 5, 9), rome(2026, 3, 5, 10))
    )
    late = services.create_booking(
        user, instrument.id, BookingInput(rome(2026, 3, 2, 15), rome(2026, 3, 2, 16))
    )
    services.cancel_booking(user, early.id, "changed plans")
    services.cancel_booking(user, late.id, "ill")
    db_session.commit()
    assert (early.cancelled_late, late.cancelled_late) == (False, True)
    assert late.cancelled_by_id == user.id and late.cancel_reason == "ill"
    assert late.cancelled_at == clock.now
    assert "METHOD:CANCEL" in ics_of(deliver()[-1])


def test_someone_elses_booking_is_not_found(setup, make_user):
    facility, instrument, user, _ = setup
    booking = services.create_booking(
        user, instrument.id, BookingInput(rome(2026, 3, 3, 9), rome(2026, 3, 3, 10))
    )
    with pytest.raises(NotFound):
        services.cancel_booking(make_user(), booking.id, "")


def test_approval_for_external_users_then_approve(setup, make_user, make_org, db_session, deliver):
    facility, instrument, user, staff = setup
    instrument.approval_mode = ApprovalMode.EXTERNAL
    external = make_user(organisation=make_org(kind=OrganisationKind.COMPANY))
    internal = services.create_booking(
        user, instrument.id, BookingInput(rome(2026, 3, 3, 9), rome(2026, 3, 3, 10))
    )
    pending = services.create_booking(
        external, instrument.id, BookingInput(rome(2026, 3, 3, 11), rome(2026, 3, 3, 12))
    )
    assert internal.status == BookingStatus.CONFIRMED and pending.status == BookingStatus.PENDING
    with pytest.raises(DomainError) as err:  # pending holds the slot
        services.create_booking(
            user, instrument.id, BookingInput(rome(2026, 3, 3, 11), rome(2026, 3, 3, 12))
        )
    assert codes(err) == ["conflict"]
    with pytest.raises(NotFound):  # users do not even see others' requests
        services.approve_booking(user, pending.id)
    services.approve_booking(staff, pending.id)
    assert pending.status == BookingStatus.CONFIRMED and pending.decided_by_id == staff.id
    with pytest.raises(DomainError) as err:
        services.approve_booking(staff, pending.id)
    assert codes(err) == ["already_decided"]


def test_reject_needs_a_reason_and_frees_the_slot(setup, make_user, make_org):
    _, instrument, user, staff = setup
    instrument.approval_mode = ApprovalMode.EVERYONE
    pending = services.create_booking(
        user, instrument.id, BookingInput(rome(2026, 3, 3, 9), rome(2026, 3, 3, 10))
    )
    with pytest.raises(DomainError):
        services.reject_booking(staff, pending.id, " ")
    services.reject_booking(staff, pending.id, "Instrument reserved for a course")
    assert pending.status == BookingStatus.REJECTED
    again = services.create_booking(
        user, instrument.id, BookingInput(rome(2026, 3, 3, 9), rome(2026, 3, 3, 10))
    )
    assert again.status == BookingStatus.PENDING


def test_no_show_only_after_start(setup, clock):
    _, instrument, user, staff = setup
    booking = services.create_booking(
        user, instrument.id, BookingInput(rome(2026, 3, 2, 11), rome(2026, 3, 2, 12))
    )
    with pytest.raises(DomainError):
        services.mark_no_show(staff, booking.id)
    clock.advance(hours=2)
    services.mark_no_show(staff, booking.id)
    assert booking.status == BookingStatus.NO_SHOW


def test_downtime_cancels_overlapping_bookings_and_blocks_new_ones(setup, deliver, db_session):
    _, instrument, user, staff = setup
    booking = services.create_booking(
        user, instrument.id, BookingInput(rome(2026, 3, 3, 9), rome(2026, 3, 3, 10))
    )
    db_session.commit()
    deliver()
    with pytest.raises(Forbidden):
        services.schedule_downtime(
            user, instrument.id, rome(2026, 3, 3, 8), rome(2026, 3, 3, 18), "x"
        )
    _, affected = services.schedule_downtime(
        staff, instrument.id, rome(2026, 3, 3, 8), rome(2026, 3, 3, 18), "Laser service"
    )
    db_session.commit()
    assert affected == [booking] and booking.status == BookingStatus.CANCELLED
    assert "METHOD:CANCEL" in ics_of(deliver()[0])
    with pytest.raises(DomainError) as err:
        services.create_booking(
            user, instrument.id, BookingInput(rome(2026, 3, 3, 12), rome(2026, 3, 3, 13))
        )
    assert codes(err) == ["downtime"]


def test_downtime_can_flag_instead_of_cancel(setup):
    _, instrument, user, staff = setup
    booking = services.create_booking(
        user, instrument.id, BookingInput(rome(2026, 3, 3, 9), rome(2026, 3, 3, 10))
    )
    services.schedule_downtime(
        staff,
        instrument.id,
        rome(2026, 3, 3, 9),
        rome(2026, 3, 3, 12),
        "Check",
        cancel_bookings=False,
    )
    assert booking.status == BookingStatus.CONFIRMED and "Check" in booking.flagged


def test_high_severity_report_takes_instrument_down_until_resolved(setup, deliver, db_session):
    facility, instrument, user, staff = setup
    report = services.report_problem(user, instrument.id, Severity.HIGH, "Laser does not fire")
    db_session.commit()
    assert instrument.status == InstrumentStatus.DOWN
    assert deliver()[0]["To"] == facility.contact_email
    with pytest.raises(DomainError) as err:
        services.create_booking(
            user, instrument.id, BookingInput(rome(2026, 3, 3, 9), rome(2026, 3, 3, 10))
        )
    assert codes(err) == ["instrument_down"]
    with pytest.raises(Forbidden):
        services.resolve_problem(user, report.id, "fixed")
    services.resolve_problem(staff, report.id, "Replaced the fibre")
    assert instrument.status == InstrumentStatus.AVAILABLE


def test_training_reserve_and_release(setup, make_user, grant):
    facility, instrument, user, staff = setup
    trainer = make_user()
    grant(trainer, facility, "trainer")
    booking = services.reserve_instrument_time(
        trainer, instrument.id, rome(2026, 3, 7, 9), rome(2026, 3, 7, 17), purpose="Course"
    )
    assert booking.status == BookingStatus.CONFIRMED and booking.for_training
    with pytest.raises(DomainError) as err:
        services.reserve_instrument_time(
            staff, instrument.id, rome(2026, 3, 7, 16), rome(2026, 3, 7, 18), purpose="x"
        )
    assert codes(err) == ["conflict"]
    with pytest.raises(Forbidden):
        services.reserve_instrument_time(
            user, instrument.id, rome(2026, 3, 8, 9), rome(2026, 3, 8, 10), purpose="x"
        )
    services.release_instrument_time(trainer, booking.id, "Course cancelled")
    assert booking.status == BookingStatus.CANCELLED


def test_reminder_is_sent_exactly_once(setup, clock, deliver, db_session):
    _, instrument, user, _ = setup
    services.create_booking(
        user, instrument.id, BookingInput(rome(2026, 3, 3, 9), rome(2026, 3, 3, 10))
    )
    db_session.commit()
    deliver()
    clock.set(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))  # 25 h before: too early
    assert reminders.send_reminders() == 0
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    assert reminders.send_reminders() == 1
    assert reminders.send_reminders() == 0
    db_session.commit()
    mails = deliver()
    assert [m["Subject"] for m in mails] == [f"Reminder: {instrument.name}"]


def test_create_booking_runs_few_queries(setup, count_queries, db_session):
    _, instrument, user, _ = setup
    instrument.max_hours_week, instrument.max_future_bookings = 20, 5
    instrument_id = instrument.id
    db_session.commit()
    assert user.email  # the signed-in user is loaded before any request handler runs
    with count_queries() as q:
        services.create_booking(
            user, instrument_id, BookingInput(rome(2026, 3, 3, 9), rome(2026, 3, 3, 10))
        )
        db_session.flush()
    assert q.count <= 10, "\n".join(s[-200:] for s in q.statements)


def test_database_refuses_overlap_even_behind_the_apps_back(setup, db_session):
    """PostgreSQL: the exclusion constraint is the last line of defence (same conflict problem)."""
    from tests.support.databases import backend

    if backend() != "postgresql":
        pytest.skip("exclusion constraints exist on PostgreSQL only")
    _, instrument, user, _ = setup
    first = services.create_booking(
        user, instrument.id, BookingInput(rome(2026, 3, 3, 9), rome(2026, 3, 3, 10))
    )
    clone = Booking(
        instrument_id=instrument.id,
        user_id=user.id,
        booked_by_id=user.id,
        starts_at=rome(2026, 3, 3, 9, 30),
        ends_at=rome(2026, 3, 3, 11),
        status=BookingStatus.PENDING,
        uid="clone@x",
        created_at=first.created_at,
        updated_at=first.created_at,
    )
    db_session.add(clone)
    with pytest.raises(DomainError) as err:
        flush_or_conflict()
    assert codes(err) == ["conflict"] and err.value.status == 409
