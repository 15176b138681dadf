"""Pure certificate rules, table-driven."""

from datetime import UTC, datetime, timedelta

import pytest

from training.certification import rules
from training.certification.models import CertificateStatus as S

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def fact(level=2, status=S.ACTIVE, until=T0 + 30 * DAY, issued=T0 - DAY, competence=1, module=None):
    return rules.CertFact(1, competence, level, module, None, status, issued, until)


@pytest.mark.parametrize(
    ("status", "until", "now", "shown"),
    [
        (S.ACTIVE, T0 + DAY, T0, "valid"),
        (S.ACTIVE, T0 + DAY, T0 + DAY, "expired"),
        (S.EXPIRED, None, T0, "expired"),
        (S.SUSPENDED, None, T0, "suspended"),
        (S.REVOKED, T0 + DAY, T0, "revoked"),
        (S.ACTIVE, None, T0 - 2 * DAY, "not yet valid"),
    ],
)
def test_public_status(status, until, now, shown):
    assert rules.public_status(status, T0 - DAY, until, now) == shown


@pytest.mark.parametrize(
    ("status", "until", "shown"),
    [
        (S.EXPIRED, T0 + DAY, "superseded"),  # renewed early
        (S.EXPIRED, T0 - DAY / 2, "superseded"),  # renewed after it expired
        (S.REVOKED, T0 + DAY, "revoked"),  # revoked after the renewal: revocation wins
    ],
)
def test_a_renewed_certificate_is_shown_as_superseded_unless_revoked(status, until, shown):
    assert rules.public_status(status, T0 - DAY, until, T0, superseded=True) == shown


@pytest.mark.parametrize(
    ("action", "status", "reason", "codes"),
    [
        ("revoke", S.ACTIVE, "error", []),
        ("revoke", S.REVOKED, "again", ["cannot_revoke"]),
        ("revoke", S.ACTIVE, " ", ["reason_missing"]),
        ("suspend", S.EXPIRED, "x", ["cannot_suspend"]),
        ("reinstate", S.SUSPENDED, None, []),
        ("reinstate", S.ACTIVE, None, ["cannot_reinstate"]),
        ("renew", S.REVOKED, None, ["cannot_renew"]),
    ],
)
def test_each_lifecycle_step_starts_from_the_states_it_allows(action, status, reason, codes):
    assert [p.code for p in rules.transition_problems(action, status, reason)] == codes


def test_use_it_or_lose_it_counts_from_the_last_use():
    assert rules.lapse_at(T0, None, 10) == T0 + 10 * DAY
    assert rules.lapse_at(T0, T0 + 5 * DAY, 10) == T0 + 15 * DAY
    assert rules.lapse_at(T0, None, None) is None
    assert rules.effective_until(T0 + 30 * DAY, T0 + 10 * DAY) == T0 + 10 * DAY


def test_validity_months_keep_the_wall_clock_day():
    assert rules.add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(
        2026, 2, 28, tzinfo=UTC
    )
    assert rules.add_months(datetime(2026, 11, 15, tzinfo=UTC), 24) == datetime(
        2028, 11, 15, tzinfo=UTC
    )


def test_issuing_needs_a_defined_level_evidence_and_a_future_end():
    problems = rules.issue_problems(level=4, levels=[1, 2, 3], evidence="", valid_until=T0, now=T0)
    assert [p.code for p in problems] == ["invalid_level", "evidence_missing", "valid_until_past"]
