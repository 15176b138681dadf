"""Issuing, lifecycle, jobs and the booking gate, on a real database."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from innocore.audit import AuditEvent
from innocore.errors import DomainError, Forbidden
from innocore.extensions import db
from instruments.eligibility import eligibility_of
from training.certification import services
from training.certification.eligibility import booking_explanation
from training.certification.models import Certificate
from training.models import Enrolment


def _facility_of(assessment):
    return db.session.get(Enrolment, assessment.enrolment_id).session.facility


def test_a_trainer_issues_from_a_passed_assessment_once(
    db_session, make_assessment, make_user, grant
):
    assessment = make_assessment(level=2)
    trainer = make_user()
    grant(trainer, _facility_of(assessment), "trainer")
    cert = services.issue_from_assessment(trainer, assessment.id)
    assert (cert.level, cert.basis.value, cert.module_id) == (2, "assessment", assessment.module_id)
    assert len(cert.public_id) == 26
    with pytest.raises(DomainError) as err:
        services.issue_from_assessment(trainer, assessment.id)
    assert err.value.problems[0].code == "already_issued"


def test_a_failed_assessment_gives_no_certificate(db_session, make_assessment, make_user, grant):
    assessment = make_assessment(outcome="failed")
    manager = make_user()
    grant(manager, _facility_of(assessment), "manager")
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Certificate))
    with pytest.raises(DomainError) as err:
        services.issue_from_assessment(manager, assessment.id)
    assert err.value.problems[0].code == "not_passed"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == count


def test_a_facility_may_not_certify_another_facilitys_competence(
    db_session, make_user, make_facility, make_competence, grant
):
    mine, theirs = make_facility(), make_facility()
    manager = make_user()
    grant(manager, mine, "manager")
    foreign = make_competence(facility_id=theirs.id)
    with pytest.raises(Forbidden):
        services.issue_prior_learning(
            manager, facility=mine, holder=make_user(), competence=foreign, level=1, evidence="x"
        )
    network_wide = make_competence()
    cert = services.issue_prior_learning(
        manager, facility=mine, holder=make_user(), competence=network_wide, level=1, evidence="x"
    )
    assert cert.issuer_key == f"facility-{mine.slug}"


def test_staff_without_a_teaching_role_may_not_issue(
    db_session, make_user, make_facility, make_competence, grant
):
    facility = make_facility()
    staff = make_user()
    grant(staff, facility, "staff")
    with pytest.raises(Forbidden):
        services.issue_prior_learning(
            staff,
            facility=facility,
            holder=make_user(),
            competence=make_competence(),
            level=1,
            evidence="x",
        )


def test_prior_learning_needs_evidence(
    db_session, make_user, make_facility, make_competence, grant
):
    facility = make_facility()
    manager = make_user()
    grant(manager, facility, "manager")
    with pytest.raises(DomainError) as err:
        services.issue_prior_learning(
            manager,
            facility=facility,
            holder=make_user(),
            competence=make_competence(),
            level=2,
            evidence="  ",
        )
    assert [p.code for p in err.value.problems] == ["evidence_missing"]


def test_revoking_twice_is_refused_and_the_first_revocation_stays(db_session, make_certificate):
    cert = make_certificate()
    services.revoke(cert.issued_by, cert, "Fraudulent evidence")
    with pytest.raises(DomainError) as err:
        services.revoke(cert.issued_by, cert, "Again")
    assert err.value.problems[0].code == "cannot_revoke"
    assert cert.status_reason == "Fraudulent evidence" and cert.listed_at is not None
    actions = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.object_type == "certificate", AuditEvent.object_id == str(cert.id))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["certificate.issued", "certificate.revoke"]


def test_a_trainer_may_not_revoke(db_session, make_certificate, make_user, grant):
    cert = make_certificate()
    trainer = make_user()
    grant(trainer, cert.facility, "trainer")
    with pytest.raises(Forbidden):
        services.revoke(trainer, cert, "no")


def test_expiry_job_ends_certificates_and_lapses_unused_ones(
    db_session, make_certificate, make_competence, clock
):
    dated = make_certificate(valid_days=10)
    lapsing = make_certificate(competence=make_competence(lapse_after_days=5), valid_days=None)
    clock.advance(days=6)
    assert services.expire_due() == 1
    assert lapsing.status.value == "expired" and lapsing.listed_at is not None
    assert "Lapsed" in lapsing.status_reason
    clock.advance(days=5)
    assert services.expire_due() == 1 and dated.status.value == "expired"
    assert services.expire_due() == 0


def test_expiry_warnings_go_out_exactly_once_at_30_and_7_days(
    db_session, make_certificate, clock, deliver
):
    cert = make_certificate(valid_days=40)
    assert services.send_expiry_warnings() == 0
    clock.advance(days=11)
    assert services.send_expiry_warnings() == 1
    assert services.send_expiry_warnings() == 0
    clock.advance(days=23)
    assert services.send_expiry_warnings() == 1
    assert services.send_expiry_warnings() == 0
    db_session.commit()
    mails = deliver()
    assert [m["To"] for m in mails if "ends in" in m["Subject"]] == [cert.holder.email] * 2


def test_the_booking_gate_answers_from_certificates(db_session, make_certificate, clock):
    cert = make_certificate(level=2, valid_days=10)
    now = clock.now
    e = eligibility_of(cert.holder_id, cert.competence_id, now)
    assert e.holds and e.level == 2 and e.meets(2, now + timedelta(days=9))
    assert not e.meets(2, now + timedelta(days=11)) and not e.meets(3)
    problems, _ = booking_explanation(
        cert.holder_id,
        cert.competence_id,
        2,
        now + timedelta(days=9),
        now + timedelta(days=11),
        now,
    )
    assert problems[0].code == "certificate_ends_before_booking"
    services.suspend(cert.issued_by, cert, "Incident")
    assert not eligibility_of(cert.holder_id, cert.competence_id, now).holds


def test_someone_lacking_a_competence_sees_the_modules_and_sessions_leading_there(
    db_session, make_session, make_user, clock
):
    session = make_session()
    module = session.module
    db_session.commit()
    learner = make_user()
    problems, routes = booking_explanation(
        learner.id, module.competence_id, 2, clock.now, clock.now + timedelta(hours=1), clock.now
    )
    assert problems[0].code == "certificate_missing"
    assert [(m.id, [s.id for s in sessions]) for m, sessions in routes] == [
        (module.id, [session.id])
    ]


def test_a_lasting_level_2_certificate_books_where_an_expiring_level_3_one_would_not(
    db_session, make_certificate, make_instrument, clock
):
    """Through instruments' own check: some certificate at the level covers the whole booking."""
    from instruments.rules import BookingRequest
    from instruments.services.bookings import check_request

    lasting = make_certificate(level=2, valid_days=300)
    make_certificate(
        holder=lasting.holder,
        competence=lasting.competence,
        facility=lasting.facility,
        issuer=lasting.issued_by,
        level=3,
        valid_days=2,
    )
    instrument = make_instrument(
        facility=lasting.facility, required_competence_id=lasting.competence_id, required_level=2
    )
    starts = clock.now + timedelta(days=1, hours=20)
    req = BookingRequest(starts, starts + timedelta(hours=6), lasting.holder_id)
    problems = check_request(instrument, lasting.holder, req, staff=False, reason=None)
    assert "competence_missing" not in [p.code for p in problems]
    services.suspend(lasting.issued_by, lasting, "Incident under review")
    problems = check_request(instrument, lasting.holder, req, staff=False, reason=None)
    assert "competence_missing" in [p.code for p in problems]
    explained, _ = booking_explanation(
        lasting.holder_id, lasting.competence_id, 2, req.starts_at, req.ends_at, clock.now
    )
    assert [p.code for p in explained] == ["certificate_ends_before_booking"]


def test_a_refused_booking_says_why_and_which_training_leads_there(
    db_session, make_certificate, make_instrument, make_module, clock, client, api_headers
):
    """The booking API's 422 carries the certification's plain reason, not a generic one."""
    cert = make_certificate(level=2, valid_days=3)
    make_module(cert.facility, competence=cert.competence, level_awarded=2, title="Confocal II")
    instrument = make_instrument(
        facility=cert.facility, required_competence_id=cert.competence_id, required_level=2
    )
    starts = (clock.now + timedelta(days=2, hours=20)).replace(minute=0, second=0, microsecond=0)
    body = {
        "instrument_id": instrument.id,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(days=1)).isoformat(),
        "purpose": "Imaging",
    }
    r = client.post("/api/v1/bookings", json=body, headers=api_headers(cert.holder))
    assert r.status_code == 422
    [problem] = [e for e in r.json["errors"] if e["code"] == "competence_missing"]
    assert "before this booking ends" in problem["message"]
    assert "Training that leads there: Confocal II." in problem["message"]


def test_the_competence_page_lists_the_training_that_leads_there(
    db_session, make_competence, make_module, make_facility, client
):
    competence = make_competence(title="Cell sorting")
    make_module(make_facility(), competence=competence, level_awarded=2, title="Sorter basics")
    page = client.get(f"/competences/{competence.id}").data.decode()
    assert "Training that leads there" in page
    assert "Sorter basics" in page and "Independent use" in page
