"""Pure certificate rules: validity, lifecycle transitions, issuing checks, the booking answer.

No Flask, no database, no clock: ``now`` and the facts are parameters.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from innocore.clock import date_text, day_end, local_date, message_moment
from innocore.errors import Problem
from innocore.marks import N_, T_
from training.certification.models import CertificateStatus

# The W3C Bitstring Status List's minimum length (16 KiB): each issuer numbers its certificates'
# status entries below it.
STATUS_LIST_SIZE = 131_072


# A facility issues under its own key (``facility-<slug>``); network-wide certificates under
# ``network``.
def issuer_key_for(facility) -> str:
    return f"facility-{facility.slug}" if facility is not None else "network"


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


# Without a validity period of its own, a competence's certificate is valid for ten years at most.
MAX_VALIDITY_MONTHS = 120


def latest_valid_until(issued_at: datetime, validity_months: int | None, zone: str) -> datetime:
    """A certificate ends at the latest at the end of the day (in the facility's ``zone``) the
    competence's validity period after its issue, or ten years after it without one (a date
    such as 31 Dec 2999 is a typing slip, not a validity)."""
    months = validity_months or MAX_VALIDITY_MONTHS
    return day_end(local_date(add_months(issued_at, months), zone), zone)


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
    status: CertificateStatus,
    issued_at: datetime,
    valid_until: datetime | None,
    now: datetime,
    *,
    superseded: bool = False,
) -> str:
    """What the verification page says: valid, expired, superseded (renewed by a newer
    certificate), suspended, revoked or not yet valid. Revocation outranks renewal."""
    if status in (CertificateStatus.REVOKED, CertificateStatus.SUSPENDED):
        return status.value
    if superseded:
        return "superseded"
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
    validity_months: int | None = None,
    zone: str = "UTC",
) -> list[Problem]:
    """A certificate names a level the competence defines, carries evidence, and ends after now
    but no later than ``latest_valid_until`` (the competence's ``validity_months`` from now, or
    ten years); dates in messages are days in the facility's ``zone``."""
    problems = []
    if level is None or level not in levels:
        names = ", ".join(str(x) for x in levels) or "none"
        problems.append(
            Problem(
                "invalid_level",
                T_("Choose one of the competence's levels (%(names)s).", names=names),
                "level",
            )
        )
    if not (evidence or "").strip():
        problems.append(
            Problem(
                "evidence_missing",
                N_("Describe the evidence the certificate rests on."),
                "evidence",
            )
        )
    elif len(evidence) > 10_000:
        problems.append(
            Problem(
                "evidence_too_long", N_("Keep the evidence under 10,000 characters."), "evidence"
            )
        )
    if valid_until is not None and valid_until <= now:
        problems.append(
            Problem(
                "valid_until_past", N_("The end of validity must be in the future."), "valid_until"
            )
        )
    latest = latest_valid_until(now, validity_months, zone)
    if valid_until is not None and valid_until > latest:
        problems.append(
            Problem(
                "valid_until_too_late",
                T_(
                    "The certificate can be valid until %(latest)s at the latest (%(months)s "
                    "months from today).",
                    latest=date_text(latest, zone),
                    months=validity_months or MAX_VALIDITY_MONTHS,
                ),
                "valid_until",
            )
        )
    return problems


def duplicate_problems(standing: Sequence[str], level: int | None) -> list[Problem]:
    """A person holds at most one standing (active or suspended) certificate per competence and
    level: issuing another is refused with a pointer to the one to renew (``standing`` are the
    public ids of those already held)."""
    if not standing:
        return []
    msg = T_(
        "This person already holds a certificate for this competence at level %(level)s "
        "(%(standing)s). Renew that certificate instead of issuing a second one.",
        level=level,
        standing=standing[0],
    )
    return [Problem("already_certified", msg)]


TRANSITIONS = {
    "suspend": ({CertificateStatus.ACTIVE}, N_("Only an active certificate can be suspended.")),
    "reinstate": (
        {CertificateStatus.SUSPENDED},
        N_("Only a suspended certificate can be reinstated."),
    ),
    "revoke": (
        {CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED, CertificateStatus.EXPIRED},
        N_("This certificate is already revoked; revocation cannot be repeated or undone."),
    ),
    "renew": (
        {CertificateStatus.ACTIVE, CertificateStatus.EXPIRED},
        N_("Only an active or expired certificate can be renewed."),
    ),
}


def transition_problems(
    action: str, status: CertificateStatus, reason: str | None
) -> list[Problem]:
    """Each lifecycle step starts from the states it allows; suspend and revoke need a reason."""
    allowed, message = TRANSITIONS[action]
    problems = [] if status in allowed else [Problem(f"cannot_{action}", message)]
    if action in ("suspend", "revoke") and not (reason or "").strip():
        problems.append(Problem("reason_missing", N_("Give the reason."), "reason"))
    if reason and len(reason) > 500:
        problems.append(
            Problem("reason_too_long", N_("Keep the reason under 500 characters."), "reason")
        )
    return problems


Holding = tuple[int, datetime | None]  # (level, end; None is open-ended)


def holdings_at(facts: Sequence[CertFact], competence_id: int, at: datetime) -> tuple[Holding, ...]:
    """Every (level, end) of the certificates of a competence valid at ``at``, highest level first.

    One value per competence is not enough: a level-3 certificate ending tomorrow must not hide a
    level-2 one valid for a year, which alone covers a long level-2 booking.
    """
    valid = {
        (f.level or 0, f.valid_until)
        for f in facts
        if f.competence_id == competence_id and is_valid_at(f, at)
    }
    return tuple(sorted(valid, key=lambda h: (-h[0], h[1] is None, h[1] or at)))


def _ends_by(end: datetime | None, until: datetime | None) -> bool:
    return end is None or until is None or end >= until


def holdings_cover(holdings: Sequence[Holding], level: int | None, until: datetime | None) -> bool:
    """A booking needing ``level`` up to ``until`` is covered iff one certificate at that level or
    above, valid at its start, lasts until its end (bookings are half-open: an end at ``until``
    is enough)."""
    return any(held >= (level or 0) and _ends_by(end, until) for held, end in holdings)


def _covers(f: CertFact, starts: datetime, ends: datetime) -> bool:
    return is_valid_at(f, starts) and _ends_by(f.valid_until, ends)


def _when(instant: datetime, zone: str) -> str:
    return message_moment(instant, zone)


def booking_problems(
    facts: Sequence[CertFact],
    competence_id: int,
    level: int | None,
    starts: datetime,
    ends: datetime,
    zone: str = "UTC",
) -> list[Problem]:
    """A booking needs one certificate at the level or above that is valid from its start to its
    end; when none is, the one problem says plainly why (the closest certificate first). Dates
    in the message are wall-clock times in ``zone`` (the instrument's facility), labelled."""
    need = level or 0
    mine = [f for f in facts if f.competence_id == competence_id]
    at_level = [f for f in mine if (f.level or 0) >= need]
    if any(_covers(f, starts, ends) for f in at_level):
        return []
    return [_why_not(mine, at_level, level, starts, ends, zone)]


def _why_not(mine, at_level, level, starts, ends, zone) -> Problem:
    started = [f for f in at_level if f.issued_at <= starts]
    running = [f for f in started if is_valid_at(f, starts)]
    if running:
        until = max(f.valid_until for f in running)
        return Problem(
            "certificate_ends_before_booking",
            T_(
                "Your certificate ends on %(when)s, before this booking ends: renew it first or "
                "book a shorter slot.",
                when=_when(until, zone),
            ),
        )
    by_status = {f.status: f for f in started}
    if CertificateStatus.SUSPENDED in by_status:
        return Problem(
            "certificate_suspended",
            N_(
                "Your certificate for this competence is suspended: it counts again once reinstated."
            ),
        )
    ended = [
        f.valid_until
        for f in started
        if f.status in (CertificateStatus.ACTIVE, CertificateStatus.EXPIRED)
        and f.valid_until is not None
    ]
    if ended:
        return Problem(
            "certificate_expired",
            T_(
                "Your certificate ended on %(when)s, before this booking starts: renew it first.",
                when=_when(max(ended), zone),
            ),
        )
    if CertificateStatus.REVOKED in by_status:
        return Problem(
            "certificate_revoked",
            N_("Your certificate for this competence was revoked; a new one must be issued."),
        )
    lower = [f.level or 0 for f in mine if _covers(f, starts, ends)]
    if lower:
        return Problem(
            "level_too_low",
            T_(
                "You hold level %(max)s; this instrument needs level %(level)s or above.",
                max=max(lower),
                level=level,
            ),
        )
    return Problem(
        "certificate_missing",
        T_(
            "You need a valid certificate for this competence at level %(level)s or above.",
            level=level or 1,
        ),
    )


PUBLIC_ID_LENGTH = 26
# Characters people misread for base32 letters when they copy an id by hand.
_MISREAD = str.maketrans({"0": "o", "1": "l", "8": "b", "9": "g"})
# A prefix this long (20 base32 characters, 100 bits) cannot be guessed, so naming the one
# certificate it starts may not reveal one its holder has not shared.
MIN_PREFIX = 20


def lookup_candidates(text: str) -> tuple[str | None, str | None]:
    """What a mistyped ``/verify/<text>`` may have meant: ``(full_id, prefix)``.

    ``full_id`` is the text lower-cased, without spaces or dashes, with 0/1/8/9 read as o/l/b/g,
    when that gives 26 base32 characters; ``prefix`` is that cleaned text when it is a truncated
    id of at least ``MIN_PREFIX`` characters. Either is ``None`` when it does not apply.
    """
    cleaned = "".join(ch for ch in (text or "").strip().lower() if ch not in " -/").translate(
        _MISREAD
    )
    if not cleaned or any(ch not in "abcdefghijklmnopqrstuvwxyz234567" for ch in cleaned):
        return None, None
    if len(cleaned) == PUBLIC_ID_LENGTH:
        return cleaned, None
    if MIN_PREFIX <= len(cleaned) < PUBLIC_ID_LENGTH:
        return None, cleaned
    return None, None
