"""Training is certified after it happens (issue 12, point 4)."""

from datetime import UTC, datetime, timedelta

import pytest

from innocore.errors import DomainError
from training import rules
from training.certification import services as cert_services
from training.models import AssessmentOutcome, AttendanceStatus, Enrolment, EnrolmentStatus
from training.services.records import AssessmentData, record_assessment, record_attendance

T0 = datetime(2026, 12, 14, 9, 0, tzinfo=UTC)
PASSED, FAILED = AssessmentOutcome.PASSED, AssessmentOutcome.FAILED


@pytest.mark.parametrize(
    ("now", "marked", "expected"),
    [(T0 - timedelta(days=14), {1}, ["part_not_started"]), (T0, {1}, []), (T0, {2}, [])],
)
def test_attendance_of_a_part_opens_when_the_part_starts(now, marked, expected):
    starts = {1: T0, 2: T0 - timedelta(days=1)}
    assert [p.code for p in rules.attendance_problems(starts, marked, now)] == expected


@pytest.mark.parametrize(
    ("outcome", "present", "now", "expected"),
    [
        (PASSED, {1, 2}, T0 - timedelta(days=14), ["session_not_started"]),
        (PASSED, {1}, T0 + timedelta(days=2), ["attendance_missing"]),
        (PASSED, {1, 2}, T0 + timedelta(days=2), []),
        (FAILED, set(), T0 + timedelta(days=2), []),
    ],
)
def test_an_assessment_needs_attendance_of_the_parts_it_covers(outcome, present, now, expected):
    starts = {1: T0, 2: T0 + timedelta(days=1)}
    problems = rules.assessment_attendance_problems(outcome, starts, present, now)
    assert [p.code for p in problems] == expected


def test_the_certificate_says_when_the_training_happened(
    clock, db_session, make_session, make_user, grant
):
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    session = make_session(starts_at=T0)
    learner, trainer = make_user(), session.trainers[0]
    grant(trainer, session.facility, "manager")
    row = Enrolment(
        session_id=session.id,
        user_id=learner.id,
        status=EnrolmentStatus.ENROLLED,
        enrolled_by_id=learner.id,
        created_at=clock.now,
        fee_category="internal",
        fee_amount=0,
    )
    db_session.add(row)
    db_session.flush()
    part = session.parts[0]
    with pytest.raises(DomainError) as err:  # 30 Nov: the 14 Dec session has not happened
        record_attendance(trainer, session, {(row.id, part.id): AttendanceStatus.PRESENT})
    assert err.value.problems[0].code == "part_not_started"
    with pytest.raises(DomainError) as err:
        record_assessment(trainer, row, AssessmentData(PASSED, 2, evidence_text="Checklist"))
    assert "session_not_started" in [p.code for p in err.value.problems]
    clock.set(datetime(2026, 12, 20, 10, 0, tzinfo=UTC))
    record_attendance(trainer, session, {(row.id, part.id): AttendanceStatus.PRESENT})
    assessment = record_assessment(trainer, row, AssessmentData(PASSED, 2, evidence_text="12/12"))
    cert = cert_services.issue_from_assessment(trainer, assessment.id)
    assert "after attending the session of 14 Dec 2026" in cert.evidence
    assert "30 Nov" not in cert.evidence
