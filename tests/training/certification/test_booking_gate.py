"""The booking gate, table-driven: a booking needing competence C at level L is allowed iff SOME
certificate of C at level L or above is valid for the whole booking.

Each case is checked twice: by training's own explanation (``rules.booking_problems``) and through
the seam, as ``instruments`` sees it (the provider's answer, asked at the booking's start, then
``instruments.rules.competence_problems``). Both must agree.
"""

from datetime import UTC, datetime, timedelta

import pytest

from instruments.eligibility import Eligibility
from instruments.rules import BookingRequest, Policy, competence_problems
from training.certification import rules
from training.certification.eligibility import CertifiedEligibility, eligibility_from
from training.certification.models import CertificateStatus as S

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY, HOUR = timedelta(days=1), timedelta(hours=1)


def fact(level=2, status=S.ACTIVE, until=T0 + 30 * DAY, issued=T0 - DAY, competence=1):
    return rules.CertFact(1, competence, level, None, None, status, issued, until)


CASES = [
    # name, facts, level, start, end, expected code (None: allowed)
    ("valid for the whole booking", [fact()], 2, T0, T0 + DAY, None),
    ("a higher level counts", [fact(level=3, until=None)], 2, T0, T0 + 900 * DAY, None),
    ("ends exactly at the booking's end", [fact(until=T0 + 2 * HOUR)], 2, T0, T0 + 2 * HOUR, None),
    (
        "an expiring level 3 does not hide a lasting level 2",
        [fact(level=3, until=T0 + HOUR), fact(level=2, until=T0 + 300 * DAY)],
        2,
        T0,
        T0 + 3 * HOUR,
        None,
    ),
    (
        "an expiring level 3 does not hide an open-ended level 2",
        [fact(level=2, until=None), fact(level=3, until=T0 + HOUR)],
        2,
        T0,
        T0 + 3 * HOUR,
        None,
    ),
    (
        "the lasting one must itself reach the level",
        [fact(level=3, until=T0 + HOUR), fact(level=1, until=None)],
        3,
        T0,
        T0 + 3 * HOUR,
        "certificate_ends_before_booking",
    ),
    (
        "expiry mid-booking",
        [fact(until=T0 + 2 * DAY)],
        2,
        T0 + DAY,
        T0 + 3 * DAY,
        "certificate_ends_before_booking",
    ),
    (
        "two certificates each expiring mid-booking",
        [fact(level=3, until=T0 + HOUR), fact(level=2, until=T0 + 2 * HOUR)],
        2,
        T0,
        T0 + 3 * HOUR,
        "certificate_ends_before_booking",
    ),
    (
        "expired before the start",
        [fact(until=T0)],
        2,
        T0 + DAY,
        T0 + 2 * DAY,
        "certificate_expired",
    ),
    (
        "expired by the job before the start",
        [fact(status=S.EXPIRED, until=T0)],
        2,
        T0 + DAY,
        T0 + 2 * DAY,
        "certificate_expired",
    ),
    ("suspended", [fact(status=S.SUSPENDED)], 2, T0, T0 + DAY, "certificate_suspended"),
    ("revoked", [fact(status=S.REVOKED, until=None)], 2, T0, T0 + DAY, "certificate_revoked"),
    (
        "revoked, with a valid lower level",
        [fact(level=2, status=S.REVOKED), fact(level=1, until=None)],
        2,
        T0,
        T0 + DAY,
        "certificate_revoked",
    ),
    (
        "suspended level 3, valid level 2, booking needs 2",
        [fact(level=3, status=S.SUSPENDED), fact(level=2)],
        2,
        T0,
        T0 + DAY,
        None,
    ),
    ("level too low", [fact(level=1)], 2, T0, T0 + DAY, "level_too_low"),
    ("level too low (open-ended)", [fact(until=None)], 3, T0, T0 + DAY, "level_too_low"),
    ("another competence", [fact(competence=2)], 1, T0, T0 + DAY, "certificate_missing"),
    ("none at all", [], 1, T0, T0 + DAY, "certificate_missing"),
    (
        "not yet issued at the start",
        [fact(issued=T0 + HOUR)],
        2,
        T0,
        T0 + DAY,
        "certificate_missing",
    ),
]


@pytest.mark.parametrize(
    ("facts", "level", "start", "end", "code"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_some_certificate_at_the_level_must_be_valid_for_the_whole_booking(
    facts, level, start, end, code
):
    problems = rules.booking_problems(facts, 1, level, start, end)
    assert [p.code for p in problems] == ([code] if code else [])
    eligibility = eligibility_from(rules.holdings_at(facts, 1, start))
    policy = Policy("Europe/Rome", requires_competence=True, required_level=level)
    gate = competence_problems(BookingRequest(start, end, 1), policy, eligibility)
    assert [p.code for p in gate] == ([] if code is None else ["competence_missing"])


def test_the_answer_keeps_the_highest_level_and_its_latest_end_as_headline():
    facts = [
        fact(level=1, until=None),
        fact(level=2, until=T0 + DAY),
        fact(level=2, until=T0 + 9 * DAY),
        fact(level=3, status=S.REVOKED, until=None),
    ]
    e = eligibility_from(rules.holdings_at(facts, 1, T0))
    assert isinstance(e, CertifiedEligibility)
    assert (e.holds, e.level, e.valid_until) == (True, 2, T0 + 9 * DAY)
    assert e.meets(2, T0 + 9 * DAY) and not e.meets(2, T0 + 10 * DAY)
    assert e.meets(1, T0 + 900 * DAY) and not e.meets(3)
    later = eligibility_from(rules.holdings_at(facts, 1, T0 + 10 * DAY))
    assert (later.holds, later.level, later.valid_until) == (True, 1, None)
    assert eligibility_from(rules.holdings_at(facts, 5, T0)) == Eligibility()


def test_an_open_ended_certificate_at_the_top_level_is_an_open_ended_headline():
    facts = [fact(level=3, until=T0 + DAY), fact(level=3, until=None)]
    e = eligibility_from(rules.holdings_at(facts, 1, T0))
    assert (e.level, e.valid_until) == (3, None)
    assert e.meets(3, T0 + 900 * DAY)
