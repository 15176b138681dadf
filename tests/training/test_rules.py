"""Pure training rules, table-driven."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from innocore.vocab import UserCategory
from training import rules
from training.models import AssessmentOutcome, Audience, EnrolmentStatus, SessionStatus

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
INT, A, X = UserCategory.INTERNAL, UserCategory.EXTERNAL_ACADEMIC, UserCategory.INDUSTRY


def facts(**kw):
    base = {
        "status": SessionStatus.SCHEDULED,
        "audience": Audience.EVERYONE,
        "enrol_opens_at": NOW - timedelta(days=1),
        "enrol_closes_at": NOW + timedelta(days=1),
        "starts_at": NOW + timedelta(days=5),
    }
    return rules.SessionFacts(**(base | kw))


@pytest.mark.parametrize(
    "audience, category, admitted",
    [
        (Audience.INTERNAL, INT, True),
        (Audience.INTERNAL, A, False),
        (Audience.INTERNAL, X, False),
        (Audience.ACADEMIC, INT, True),
        (Audience.ACADEMIC, A, True),
        (Audience.ACADEMIC, X, False),
        (Audience.COMPANIES, X, True),
        (Audience.COMPANIES, INT, False),
        (Audience.EVERYONE, X, True),
        (Audience.EVERYONE, A, True),
    ],
)
def test_audience_admits(audience, category, admitted):
    assert rules.audience_admits(audience, category) is admitted


LASER = rules.Prerequisite("“Laser safety” at level 1", competence_id=1, min_level=1)
CLSM2 = rules.Prerequisite("“Confocal” at level 2", competence_id=2, min_level=2)
BASICS = rules.Prerequisite("Imaging basics", module_id=7)


@pytest.mark.parametrize(
    "holdings, passed, codes",
    [
        ({}, set(), ["missing_competence", "missing_competence", "missing_module"]),
        ({1: 1, 2: 2}, {7}, []),
        ({1: 1, 2: 1}, {7}, ["missing_competence"]),
        ({1: 3, 2: 3}, set(), ["missing_module"]),
    ],
)
def test_missing_prerequisites(holdings, passed, codes):
    problems = rules.missing_prerequisites([LASER, CLSM2, BASICS], holdings, passed)
    assert [p.code for p in problems] == codes


def test_missing_prerequisites_names_exactly_what_is_missing():
    [problem] = rules.missing_prerequisites([CLSM2], {2: 1}, set())
    assert "“Confocal” at level 2" in problem.message
    assert "you hold level 1" in problem.message


def test_missing_prerequisites_name_the_person_to_an_administrator_enrolling_them():
    problems = rules.missing_prerequisites([LASER, CLSM2, BASICS], {2: 1}, set(), "Omar Haddad")
    assert [p.message for p in problems] == [
        "Omar Haddad needs “Laser safety” at level 1.",
        "Omar Haddad needs “Confocal” at level 2 (holds level 1).",
        "Omar Haddad has not yet passed the module “Imaging basics”.",
    ]


@pytest.mark.parametrize(
    "session, category, current, codes",
    [
        (facts(), INT, None, []),
        (facts(status=SessionStatus.CANCELLED), INT, None, ["session_cancelled"]),
        (facts(starts_at=NOW - timedelta(hours=1)), INT, None, ["session_past"]),
        (facts(status=SessionStatus.COMPLETED), INT, None, ["session_past"]),
        (facts(enrol_opens_at=NOW + timedelta(hours=1)), INT, None, ["enrolment_not_open"]),
        (facts(enrol_closes_at=NOW), INT, None, ["enrolment_closed"]),
        (facts(audience=Audience.INTERNAL), X, None, ["audience"]),
        (facts(), INT, EnrolmentStatus.WAITLISTED, ["already_enrolled"]),
        (
            facts(status=SessionStatus.CANCELLED, audience=Audience.COMPANIES),
            A,
            EnrolmentStatus.ENROLLED,
            ["session_cancelled", "audience", "already_enrolled"],
        ),
    ],
)
def test_enrolment_problems(session, category, current, codes):
    problems = rules.enrolment_problems(
        session,
        category=category,
        prerequisites=[],
        holdings={},
        passed_modules=set(),
        current=current,
        now=NOW,
    )
    assert [p.code for p in problems] == codes


def test_enrolment_problems_lists_every_problem_with_prerequisites():
    problems = rules.enrolment_problems(
        facts(enrol_closes_at=NOW - timedelta(hours=1)),
        category=INT,
        prerequisites=[LASER, BASICS],
        holdings={},
        passed_modules=set(),
        current=None,
        now=NOW,
    )
    assert [p.code for p in problems] == [
        "enrolment_closed",
        "missing_competence",
        "missing_module",
    ]


@pytest.mark.parametrize(
    "capacity, taken, waiting, decision",
    [
        (10, 0, 0, EnrolmentStatus.ENROLLED),
        (10, 9, 0, EnrolmentStatus.ENROLLED),
        (10, 10, 0, EnrolmentStatus.WAITLISTED),
        (10, 9, 1, EnrolmentStatus.WAITLISTED),  # nobody jumps the queue
    ],
)
def test_seat_decision(capacity, taken, waiting, decision):
    assert rules.seat_decision(capacity=capacity, seats_taken=taken, waiting=waiting) == decision


@pytest.mark.parametrize(
    "capacity, taken, waiting, offers",
    [(10, 10, 5, 0), (10, 9, 5, 1), (10, 7, 2, 2), (10, 5, 0, 0), (10, 12, 3, 0)],
)
def test_offers_to_make(capacity, taken, waiting, offers):
    assert rules.offers_to_make(capacity=capacity, seats_taken=taken, waiting=waiting) == offers


@pytest.mark.parametrize(
    "status, expires, codes",
    [
        (EnrolmentStatus.OFFERED, NOW + timedelta(minutes=1), []),
        (EnrolmentStatus.OFFERED, NOW, ["offer_expired"]),
        (EnrolmentStatus.OFFERED, None, ["offer_expired"]),
        (EnrolmentStatus.WAITLISTED, NOW + timedelta(hours=1), ["no_offer"]),
        (EnrolmentStatus.WITHDRAWN, None, ["no_offer"]),
    ],
)
def test_offer_problems(status, expires, codes):
    assert [p.code for p in rules.offer_problems(status, expires, NOW)] == codes


@pytest.mark.parametrize(
    "starts_local, days, zone, cutoff_utc",
    [
        # 2 days before 09:00 Rome, across the spring DST change (29 March 2026): still 09:00 local.
        ("2026-03-30T09:00", 2, "Europe/Rome", datetime(2026, 3, 28, 8, 0, tzinfo=UTC)),
        # Across the autumn change (25 October 2026) in Lisbon.
        ("2026-10-26T09:00", 2, "Europe/Lisbon", datetime(2026, 10, 24, 8, 0, tzinfo=UTC)),
        ("2026-06-10T14:00", 0, "Europe/Berlin", datetime(2026, 6, 10, 12, 0, tzinfo=UTC)),
    ],
)
def test_withdrawal_cutoff(starts_local, days, zone, cutoff_utc):
    from zoneinfo import ZoneInfo

    starts = datetime.fromisoformat(starts_local).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    assert rules.withdrawal_cutoff(starts, days, zone) == cutoff_utc


@pytest.mark.parametrize(
    "status, now, codes",
    [
        (EnrolmentStatus.ENROLLED, datetime(2026, 3, 28, 7, 59, tzinfo=UTC), []),
        (EnrolmentStatus.ENROLLED, datetime(2026, 3, 28, 8, 0, tzinfo=UTC), ["withdraw_cutoff"]),
        (EnrolmentStatus.WAITLISTED, datetime(2026, 3, 30, 6, 0, tzinfo=UTC), []),
        (EnrolmentStatus.WITHDRAWN, datetime(2026, 3, 1, tzinfo=UTC), ["not_enrolled"]),
    ],
)
def test_withdrawal_problems(status, now, codes):
    starts = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # 09:00 Rome (CEST)
    problems = rules.withdrawal_problems(
        status, starts_at=starts, days_before=2, zone="Europe/Rome", now=now
    )
    assert [p.code for p in problems] == codes


@pytest.mark.parametrize("category, fee", [(INT, "10"), (A, "20"), (X, "300")])
def test_fee_for(category, fee):
    fees = {INT: Decimal("10"), A: Decimal("20"), X: Decimal("300")}
    assert rules.fee_for(category, fees) == Decimal(fee)


T = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "kw, codes",
    [
        ({}, []),
        ({"capacity": 0}, ["capacity"]),
        ({"parts": []}, ["no_parts"]),
        ({"parts": [(T, T)]}, ["part_order"]),
        (
            {
                "parts": [
                    (T, T + timedelta(hours=3)),
                    (T + timedelta(hours=2), T + timedelta(hours=4)),
                ]
            },
            ["parts_overlap"],
        ),
        ({"enrol_closes_at": T + timedelta(hours=1)}, ["window_after_start"]),
        ({"location": "", "online_url": None}, ["no_place"]),
        ({"online_url": "javascript:alert(1)"}, ["online_url"]),
        ({"withdraw_days_before": -1}, ["withdraw_days"]),
        ({"capacity": 3, "seats_held": 4}, ["capacity_below_held"]),
        ({"capacity": 4, "seats_held": 4}, []),
    ],
)
def test_session_problems(kw, codes):
    base = {
        "capacity": 10,
        "parts": [(T, T + timedelta(hours=3))],
        "enrol_opens_at": T - timedelta(days=10),
        "enrol_closes_at": T - timedelta(days=1),
        "withdraw_days_before": 2,
        "location": "Room 1",
        "online_url": None,
    }
    assert [p.code for p in rules.session_problems(**(base | kw))] == codes


@pytest.mark.parametrize(
    "ctype, size, head, codes",
    [
        ("application/pdf", 1000, b"%PDF-1.7", []),
        ("application/pdf", 1000, b"MZ\x90\x00", ["file_content"]),
        ("application/x-msdownload", 1000, b"MZ", ["file_type"]),
        ("text/plain", 0, b"", ["file_empty"]),
        ("text/plain", rules.MAX_FILE_BYTES + 1, b"hello", ["file_size"]),
    ],
)
def test_file_problems(ctype, size, head, codes):
    assert [p.code for p in rules.file_problems(ctype, size, head)] == codes


@pytest.mark.parametrize(
    "status, outcome, level, evidence, codes",
    [
        (EnrolmentStatus.ENROLLED, AssessmentOutcome.PASSED, 2, True, []),
        (EnrolmentStatus.COMPLETED, AssessmentOutcome.FAILED, None, True, []),
        (EnrolmentStatus.WAITLISTED, AssessmentOutcome.PASSED, 2, True, ["not_participant"]),
        (None, AssessmentOutcome.PASSED, 2, True, ["not_participant"]),
        (EnrolmentStatus.ENROLLED, AssessmentOutcome.PASSED, None, True, ["level_reached"]),
        (EnrolmentStatus.ENROLLED, AssessmentOutcome.PASSED, 4, True, ["level_reached"]),
        (EnrolmentStatus.ENROLLED, AssessmentOutcome.FAILED, 1, True, ["level_reached"]),
        (EnrolmentStatus.ENROLLED, AssessmentOutcome.PASSED, 1, False, ["evidence"]),
    ],
)
def test_assessment_problems(status, outcome, level, evidence, codes):
    problems = rules.assessment_problems(
        enrolment_status=status,
        outcome=outcome,
        level_reached=level,
        max_level=3,
        has_evidence=evidence,
    )
    assert [p.code for p in problems] == codes


@pytest.mark.parametrize(
    "kw, codes",
    [
        ({}, []),
        ({"learning_outcomes": ["  "]}, ["learning_outcomes"]),
        ({"level_awarded": 4}, ["level_awarded"]),
        ({"eqf_level": 9}, ["eqf_level"]),
        ({"quality_assurance": " "}, ["quality_assurance"]),
        ({"ects": Decimal("-1")}, ["ects"]),
    ],
)
def test_module_problems(kw, codes):
    base = {
        "title": "Confocal",
        "learning_outcomes": ["Acquire an image"],
        "level_awarded": 2,
        "competence_levels": 3,
        "ects": Decimal("1"),
        "notional_hours": 10,
        "eqf_level": 6,
        "quality_assurance": "Board review",
        "fees": {INT: Decimal("0")},
    }
    assert [p.code for p in rules.module_problems(**(base | kw))] == codes
