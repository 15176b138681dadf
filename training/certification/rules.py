"""Pure certificate rules: validity, lifecycle transitions, issuing checks, the booking answer.

No Flask, no database, no clock: ``now`` and the facts are parameters.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from innocore.errors import Problem
from training.certification.models import CertificateStatus


@dataclass(frozen=True, slots=True)
class CertFact:
    """What the rules need to know of one certificate."""

    id: int
    competence_id: int | None
    level: int | None
    module_id: int | None
    path_id: int | None
    status: CertificateStatus
    issued_at: datetime
    valid_until: datetime | None  # already shortened by "use it or lose it" where it applies


def add_months(instant: datetime, months: int) -> datetime:
    """The same wall-clock day ``months`` later (the 31st becomes the month's last day)."""
    month0 = instant.month - 1 + months
    year, month = instant.year + month0 // 12, month0 % 12 + 1
    day = min(instant.day, calendar.monthrange(year, month)[1])
    return instant.replace(year=year, month=month, day=day)


def default_valid_until(issued_at: datetime, validity_months: int | None) -> datetime | None:
    """A certificate is valid for the competence's default validity, or open-ended without one."""
    return add_months(issued_at, validity_months) if validity_months else None


def lapse_at(
    issued_at: datetime, last_used_at: datetime | None, lapse_after_days: int | None
) -> datetime | None:
    """Use it or lose it: N days after the later of issue and the last use of such an instrument."""
    if not lapse_after_days:
        return None
    since = max(issued_at, last_used_at) if last_used_at else issued_at
    return since + timedelta(days=lapse_after_days)


def effective_until(valid_until: datetime | None, lapses_at: datetime | None) -> datetime | None:
    """A certificate ends at the earlier of its validity and its lapse."""
    ends = [t for t in (valid_until, lapses_at) if t is not None]
    return min(ends) if ends else None


def is_valid_at(fact: CertFact, at: datetime) -> bool:
    """Active, already issued, and not yet ended at ``at``."""
    return (
        fact.status == CertificateStatus.ACTIVE
        and fact.issued_at <= at
        and (fact.valid_until is None or at < fact.valid_until)
    )


def public_status(
    status: CertificateStatus, issued_at: datetime, valid_until: datetime | None, now: datetime
) -> str:
    """What the verification page says: valid, expired, suspended, revoked or not yet valid."""
    if status in (CertificateStatus.REVOKED, CertificateStatus.SUSPENDED):
        return status.value
    if status == CertificateStatus.EXPIRED or (valid_until is not None and now >= valid_until):
        return "expired"
    if now < issued_at:
        return "not yet valid"
    return "valid"


def issue_problems(
    *,
    level: int | None,
    levels: Sequence[int],
    evidence: str,
    valid_until: datetime | None,
    now: datetime,
) -> list[Problem]:
    """A certificate names a level the competence defines, carries evidence, and ends after now."""
    problems = []
    if level is None or level not in levels:
        names = ", ".join(str(x) for x in levels) or "none"
        problems.append(
            Problem("invalid_level", f"Choose one of the competence's levels ({names}).", "level")
        )
    if not (evidence or "").strip():
        problems.append(
            Problem(
                "evidence_missing", "Describe the evidence the certificate rests on.", "evidence"
            )
        )
    elif len(evidence) > 10_000:
        problems.append(
            Problem("evidence_too_long", "Keep the evidence under 10,000 characters.", "evidence")
        )
    if valid_until is not None and valid_until <= now:
        problems.append(
            Problem("valid_until_past", "The end of validity must be in the future.", "valid_until")
        )
    return problems


TRANSITIONS = {
    "suspend": ({CertificateStatus.ACTIVE}, "Only an active certificate can be suspended."),
    "reinstate": ({CertificateStatus.SUSPENDED}, "Only a suspended certificate can be reinstated."),
    "revoke": (
        {CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED, CertificateStatus.EXPIRED},
        "This certificate is already revoked; revocation cannot be repeated or undone.",
    ),
    "renew": (
        {CertificateStatus.ACTIVE, CertificateStatus.EXPIRED},
        "Only an active or expired certificate can be renewed.",
    ),
}


def transition_problems(
    action: str, status: CertificateStatus, reason: str | None
) -> list[Problem]:
    """Each lifecycle step starts from the states it allows; suspend and revoke need a reason."""
    allowed, message = TRANSITIONS[action]
    problems = [] if status in allowed else [Problem(f"cannot_{action}", message)]
    if action in ("suspend", "revoke") and not (reason or "").strip():
        problems.append(Problem("reason_missing", "Give the reason.", "reason"))
    if reason and len(reason) > 500:
        problems.append(
            Problem("reason_too_long", "Keep the reason under 500 characters.", "reason")
        )
    return problems


def best_holding(
    facts: Sequence[CertFact], competence_id: int, at: datetime
) -> tuple[int, datetime | None] | None:
    """The highest level held at ``at`` and, for that level, the latest end (None: open-ended)."""
    valid = [f for f in facts if f.competence_id == competence_id and is_valid_at(f, at)]
    if not valid:
        return None
    level = max(f.level or 0 for f in valid)
    ends = [f.valid_until for f in valid if (f.level or 0) >= level]
    return level, (None if any(e is None for e in ends) else max(ends))


def booking_problems(
    facts: Sequence[CertFact],
    competence_id: int,
    level: int | None,
    starts: datetime,
    ends: datetime,
) -> list[Problem]:
    """A booking needs a certificate at the level that is valid from its start to its end."""
    covering = [
        f
        for f in facts
        if f.competence_id == competence_id
        and (f.level or 0) >= (level or 0)
        and is_valid_at(f, starts)
    ]
    if any(f.valid_until is None or f.valid_until >= ends for f in covering):
        return []
    if covering:
        until = max(f.valid_until for f in covering if f.valid_until is not None)
        return [
            Problem(
                "certificate_ends_before_booking",
                f"Your certificate ends on {until:%d %b %Y %H:%M} UTC, before this booking ends: "
                "renew it first or book a shorter slot.",
            )
        ]
    return [
        Problem(
            "certificate_missing",
            f"You need a valid certificate for this competence at level {level or 1} or above.",
        )
    ]
