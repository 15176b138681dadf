"""Enrolment, waiting list and offers, through the pages a person uses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from innocore.vocab import OrganisationKind, OrgRole
from tests.support import appconfig
from training.models import Enrolment, EnrolmentStatus, TrainingSettings
from training.services.enrolment import expire_offers


def text_of(mail) -> str:
    return next(
        p.get_payload(decode=True).decode()
        for p in mail.walk()
        if p.get_content_type() == "text/plain"
    )


def ics_of(mail) -> str:
    return next(
        p.get_payload(decode=True).decode()
        for p in mail.walk()
        if p.get_content_type() == "text/calendar"
    )


def _status(db_session, session, user):
    return db_session.scalars(
        sa.select(Enrolment.status)
        .where(Enrolment.session_id == session.id, Enrolment.user_id == user.id)
        .order_by(Enrolment.id.desc())
    ).first()


def test_enrol_takes_a_place_and_sends_a_calendar_invitation(
    client, login_as, clock, make_session, internal_user, deliver, db_session
):
    session = make_session(capacity=2)
    paula = internal_user(session.facility, name="Paula Student")
    response = login_as(paula).post(f"/training/sessions/{session.id}/enrol")
    assert response.status_code == 302
    assert _status(db_session, session, paula) == EnrolmentStatus.ENROLLED
    page = client.get(f"/training/sessions/{session.id}")
    assert b"Enrolled" in page.data
    assert "€50.00 (internal rate)".encode() in page.data
    [mail] = deliver()
    assert "Enrolled" in mail["Subject"]
    ics = ics_of(mail)
    assert "METHOD:REQUEST" in ics
    assert f"UID:training-part-{session.parts[0].id}@{appconfig.base_host()}" in ics
    assert "BEGIN:VTIMEZONE" in ics


def test_full_session_waitlists_then_offers_the_freed_place_to_the_first_in_line(
    client, login_as, clock, make_session, internal_user, deliver, db_session
):
    session = make_session(capacity=1)
    db_session.add(TrainingSettings(facility_id=session.facility_id, offer_hours=12))
    first, second, third = (internal_user(session.facility) for _ in range(3))
    for user in (first, second, third):
        login_as(user).post(f"/training/sessions/{session.id}/enrol")
    assert _status(db_session, session, second) == EnrolmentStatus.WAITLISTED
    page = login_as(third).get("/training/my")
    assert b"Position 2 in line" in page.data
    deliver()

    mine = db_session.scalar(sa.select(Enrolment).where(Enrolment.user_id == first.id))
    login_as(first).post(f"/training/enrolments/{mine.id}/withdraw", data={"confirmed": "1"})

    offered = db_session.scalar(sa.select(Enrolment).where(Enrolment.user_id == second.id))
    assert offered.status == EnrolmentStatus.OFFERED
    assert offered.offer_expires_at == clock.now + timedelta(hours=12)
    assert _status(db_session, session, third) == EnrolmentStatus.WAITLISTED
    subjects = [m["Subject"] for m in deliver()]
    assert any("A place is free for you" in s for s in subjects)
    assert not any(m for m in subjects if "free" in m and third.name in m)

    response = login_as(second).post(f"/training/enrolments/{offered.id}/accept")
    assert response.status_code == 302
    assert _status(db_session, session, second) == EnrolmentStatus.ENROLLED


def test_expired_offer_cannot_be_accepted_and_passes_to_the_next_person(
    client, login_as, clock, make_session, internal_user, deliver, db_session
):
    session = make_session(capacity=1)
    first, second, third = (internal_user(session.facility) for _ in range(3))
    for user in (first, second, third):
        login_as(user).post(f"/training/sessions/{session.id}/enrol")
    mine = db_session.scalar(sa.select(Enrolment).where(Enrolment.user_id == first.id))
    login_as(first).post(f"/training/enrolments/{mine.id}/withdraw", data={"confirmed": "1"})
    offer = db_session.scalar(sa.select(Enrolment).where(Enrolment.user_id == second.id))
    deliver()

    clock.advance(hours=25)
    response = login_as(second).post(
        f"/api/v1/training/enrolments/{offer.id}/accept", headers={"Accept": "application/json"}
    )
    # A browser session may not write through the API: use the page instead.
    response = login_as(second).post(f"/training/enrolments/{offer.id}/accept")
    assert response.status_code == 422
    assert b"This offer has expired" in response.data
    assert _status(db_session, session, second) == EnrolmentStatus.OFFERED  # nothing written

    assert expire_offers() == 1
    assert expire_offers() == 0  # a second run changes and sends nothing
    assert _status(db_session, session, second) == EnrolmentStatus.WITHDRAWN
    assert _status(db_session, session, third) == EnrolmentStatus.OFFERED
    subjects = sorted(m["Subject"] for m in deliver())
    assert len(subjects) == 2
    assert subjects[0].startswith("A place is free for you")
    assert subjects[1].startswith("Offer expired")


def test_declined_offer_goes_to_the_next_person(login_as, make_session, internal_user, db_session):
    session = make_session(capacity=1)
    a, b, c = (internal_user(session.facility) for _ in range(3))
    for user in (a, b, c):
        login_as(user).post(f"/training/sessions/{session.id}/enrol")
    mine = db_session.scalar(sa.select(Enrolment).where(Enrolment.user_id == a.id))
    login_as(a).post(f"/training/enrolments/{mine.id}/withdraw", data={"confirmed": "1"})
    offer = db_session.scalar(sa.select(Enrolment).where(Enrolment.user_id == b.id))
    login_as(b).post(f"/training/enrolments/{offer.id}/decline", data={"confirmed": "1"})
    assert _status(db_session, session, b) == EnrolmentStatus.WITHDRAWN
    assert _status(db_session, session, c) == EnrolmentStatus.OFFERED


def test_bad_enrolments_are_refused_plainly_and_write_nothing(
    client, login_as, clock, make_session, make_user, internal_user, db_session
):
    from training.models import Audience, SessionStatus

    session = make_session(audience=Audience.INTERNAL)
    paula = internal_user(session.facility)
    login_as(paula).post(f"/training/sessions/{session.id}/enrol")
    twice = client.post(f"/training/sessions/{session.id}/enrol")
    assert twice.status_code == 422
    assert b"Already on this session" in twice.data

    outsider = make_user()
    response = login_as(outsider).post(f"/training/sessions/{session.id}/enrol")
    assert response.status_code == 422
    assert b"This session is for: members of the facility" in response.data

    clock.advance(days=9, hours=1)  # enrolment closed a day before the start
    late = login_as(internal_user(session.facility)).post(f"/training/sessions/{session.id}/enrol")
    assert b"Enrolment for this session has closed" in late.data

    clock.advance(days=2)
    past = login_as(internal_user(session.facility)).post(f"/training/sessions/{session.id}/enrol")
    assert b"already started or ended" in past.data

    session.status = SessionStatus.CANCELLED
    db_session.flush()
    cancelled = login_as(internal_user(session.facility)).post(
        f"/training/sessions/{session.id}/enrol"
    )
    assert b"has been cancelled" in cancelled.data
    count = db_session.scalar(
        sa.select(sa.func.count()).select_from(Enrolment).where(Enrolment.session_id == session.id)
    )
    assert count == 1


def test_missing_prerequisites_are_listed_with_the_modules_that_lead_there(
    client, login_as, make_session, make_module, make_competence, internal_user, make_facility
):
    facility = make_facility()
    laser = make_competence(title="Laser safety")
    laser_module = make_module(
        facility, competence=laser, title="Laser safety course", level_awarded=1
    )
    make_session(module=laser_module)
    confocal = make_module(facility, title="Confocal course", prerequisites=[(laser, 1)])
    session = make_session(module=confocal)
    paula = internal_user(facility)
    response = login_as(paula).post(f"/training/sessions/{session.id}/enrol")
    assert response.status_code == 422
    assert "You need “Laser safety” at level 1" in response.data.decode()
    page = client.get(f"/training/modules/{confocal.id}").data.decode()
    assert "You still lack" in page
    assert "Laser safety course" in page


def test_a_certificate_from_a_pass_satisfies_the_prerequisite(
    clock,
    login_as,
    make_session,
    make_module,
    make_competence,
    internal_user,
    make_facility,
    db_session,
    make_user,
    grant,
):
    from training.certification.services import issue_from_assessment
    from training.models import AssessmentOutcome, AttendanceStatus
    from training.services.records import AssessmentData, record_assessment, record_attendance

    facility = make_facility()
    laser = make_competence(title="Laser safety")
    basics = make_session(
        module=make_module(facility, competence=laser, level_awarded=1),
        starts_at=clock.now + timedelta(days=3),
    )
    confocal = make_session(module=make_module(facility, prerequisites=[(laser, 1)]))
    paula = internal_user(facility)
    login_as(paula).post(f"/training/sessions/{basics.id}/enrol")
    row = db_session.scalar(sa.select(Enrolment).where(Enrolment.user_id == paula.id))
    clock.set(basics.parts[0].ends_at)  # the training happened; the trainer records it
    record_attendance(
        basics.trainers[0], basics, {(row.id, basics.parts[0].id): AttendanceStatus.PRESENT}
    )
    assessment = record_assessment(
        basics.trainers[0],
        row,
        AssessmentData(AssessmentOutcome.PASSED, 1, evidence_text="Test 18/20"),
    )
    db_session.commit()
    # A pass is not yet a competence: the facility turns it into a certificate first.
    refused = login_as(paula).post(f"/training/sessions/{confocal.id}/enrol")
    assert refused.status_code == 422
    manager = make_user()
    grant(manager, facility, "manager")
    issue_from_assessment(manager, assessment.id)
    db_session.commit()
    response = login_as(paula).post(f"/training/sessions/{confocal.id}/enrol")
    assert response.status_code == 302
    assert _status(db_session, confocal, paula) == EnrolmentStatus.ENROLLED


def test_company_admin_enrols_employees_only(
    client, login_as, make_session, make_user, make_org, db_session
):
    company = make_org(kind=OrganisationKind.COMPANY, name="Helixa")
    admin = make_user(organisation=company, org_role=OrgRole.ADMIN)
    employee = make_user(organisation=company, email="omar@helixa.example")
    stranger = make_user(email="someone@else.example")
    session = make_session()
    ok = login_as(admin).post(
        f"/training/sessions/{session.id}/enrol", data={"email": "omar@helixa.example"}
    )
    assert ok.status_code == 302
    assert _status(db_session, session, employee) == EnrolmentStatus.ENROLLED
    row = db_session.scalar(sa.select(Enrolment).where(Enrolment.user_id == employee.id))
    assert row.enrolled_by_id == admin.id and str(row.fee_amount) == "500.00"
    refused = client.post(
        f"/training/sessions/{session.id}/enrol", data={"email": "someone@else.example"}
    )
    assert refused.status_code == 422
    assert _status(db_session, session, stranger) is None
    member = make_user()
    forbidden = login_as(member).post(
        f"/training/sessions/{session.id}/enrol", data={"email": "omar@helixa.example"}
    )
    assert forbidden.status_code == 422


def test_withdrawal_closes_at_the_cut_off_in_the_facility_zone(
    client, login_as, clock, make_session, internal_user, db_session
):
    clock.set(datetime(2026, 3, 20, 9, 0, tzinfo=UTC))
    starts = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # Monday 09:00 in Rome, after DST change
    session = make_session(starts_at=starts, withdraw_days_before=2)
    paula = internal_user(session.facility)
    login_as(paula).post(f"/training/sessions/{session.id}/enrol")
    row = db_session.scalar(sa.select(Enrolment).where(Enrolment.user_id == paula.id))
    clock.set(datetime(2026, 3, 28, 8, 0, tzinfo=UTC))  # Saturday 09:00 CET: cut-off reached
    response = client.post(f"/training/enrolments/{row.id}/withdraw", data={"confirmed": "1"})
    assert response.status_code == 422
    assert b"Withdrawal closed on Sat 28 Mar 2026, 09:00 CET (Europe/Rome)" in response.data
    assert _status(db_session, session, paula) == EnrolmentStatus.ENROLLED


def test_cancelling_a_session_notifies_everyone_with_a_calendar_cancellation(
    client, login_as, make_session, internal_user, make_user, grant, deliver, db_session
):
    session = make_session(capacity=1)
    manager = make_user()
    grant(manager, session.facility, "manager")
    enrolled, waiting = internal_user(session.facility), internal_user(session.facility)
    for user in (enrolled, waiting):
        login_as(user).post(f"/training/sessions/{session.id}/enrol")
    deliver()
    before = session.sequence
    client = login_as(manager)
    data = {"reason": "The trainer is ill."}
    asked = client.post(f"/training/sessions/{session.id}/cancel", data=data)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Cancel this training session?" in page
    assert "2 people on its list are told by e-mail" in page and "The trainer is ill." in page
    assert not deliver() and _status(db_session, session, enrolled) == EnrolmentStatus.ENROLLED
    response = client.post(
        f"/training/sessions/{session.id}/cancel", data=data | {"confirmed": "1"}
    )
    assert response.status_code == 302
    mails = deliver()
    assert sorted(m["To"] for m in mails) == sorted([enrolled.email, waiting.email])
    cancel = next(m for m in mails if m["To"] == enrolled.email)
    ics = ics_of(cancel)
    assert "METHOD:CANCEL" in ics and "STATUS:CANCELLED" in ics
    assert f"SEQUENCE:{before + 1}" in ics
    assert "The trainer is ill." in text_of(cancel)
    assert _status(db_session, session, enrolled) == EnrolmentStatus.CANCELLED


def test_only_staff_cancel(login_as, make_session, internal_user):
    session = make_session()
    response = login_as(internal_user(session.facility)).post(
        f"/training/sessions/{session.id}/cancel", data={"reason": "x"}
    )
    assert response.status_code == 403
