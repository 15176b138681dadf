"""Pure challenge rules, table-driven."""

from datetime import UTC, date, datetime, timedelta

import pytest

from training.challenges import rules
from training.challenges.models import ApplicationStatus, ChallengeStatus

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
GOOD = rules.Posting(
    "T", "S", 1, 3, 1, NOW + timedelta(days=5), date(2026, 3, 10), date(2026, 4, 1)
)


@pytest.mark.parametrize(
    "change, code",
    [
        ({}, None),
        ({"title": " "}, "missing"),
        ({"team_min": 4}, "team_size"),
        ({"team_max": 11}, "team_size"),
        ({"teams_wanted": 0}, "teams_wanted"),
        ({"applications_close_at": NOW}, "deadline"),
        ({"ends_on": date(2026, 3, 9)}, "period"),
        ({"starts_on": date(2026, 3, 5)}, "starts_before_deadline"),
    ],
)
def test_posting_problems(change, code):
    problems = rules.posting_problems(rules.Posting(**(GOOD.__dict__ | change)), NOW)
    assert [p.code for p in problems] == ([code] if code else [])


FACTS = rules.ApplicationFacts(
    ChallengeStatus.PUBLISHED, NOW + timedelta(days=1), 1, 2, 1, False, [], [], False, False, "Keen"
)


@pytest.mark.parametrize(
    "change, now, code",
    [
        ({}, NOW, None),
        ({}, NOW + timedelta(days=1), "deadline_passed"),
        ({"status": ChallengeStatus.IN_REVIEW}, NOW, "not_open"),
        ({"already_applied": True}, NOW, "already_applied"),
        ({"unknown": ["x@example.org"]}, NOW, "not_a_user"),
        ({"taken": ["y@example.org"]}, NOW, "in_another_team"),
        ({"team_size": 3}, NOW, "team_size"),
        ({"poster_side": True}, NOW, "own_challenge"),
        ({"nda_missing": True}, NOW, "nda"),
        ({"motivation": ""}, NOW, "missing"),
    ],
)
def test_application_problems(change, now, code):
    problems = rules.application_problems(rules.ApplicationFacts(**(FACTS.__dict__ | change)), now)
    assert [p.code for p in problems] == ([code] if code else [])


@pytest.mark.parametrize(
    "current, target, selected, code",
    [
        (ApplicationStatus.SUBMITTED, ApplicationStatus.SHORTLISTED, 0, None),
        (ApplicationStatus.SHORTLISTED, ApplicationStatus.SELECTED, 0, None),
        (ApplicationStatus.SHORTLISTED, ApplicationStatus.SELECTED, 1, "no_places"),
        (ApplicationStatus.NOT_SELECTED, ApplicationStatus.SELECTED, 0, "transition"),
        (ApplicationStatus.SELECTED, ApplicationStatus.SHORTLISTED, 0, "transition"),
    ],
)
def test_decision_problems(current, target, selected, code):
    problems = rules.decision_problems(ChallengeStatus.PUBLISHED, current, target, selected, 1)
    assert [p.code for p in problems] == ([code] if code else [])
