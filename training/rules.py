"""Pure training rules: no Flask, no database, no clock. Each returns every problem it finds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from innocore.clock import message_moment
from innocore.errors import Problem
from innocore.marks import N_, T_, TN_
from innocore.status import status_word
from innocore.vocab import UserCategory
from training.models import (
    AssessmentOutcome,
    Audience,
    EnrolmentStatus,
    SessionStatus,
)

MAX_FILE_BYTES = 10 * 1024 * 1024
MATERIAL_TYPES = {
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "text/csv": ".csv",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "video/mp4": ".mp4",
    "application/zip": ".zip",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}
MAGIC = {
    "application/pdf": (b"%PDF",),
    "image/png": (b"\x89PNG",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "application/zip": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
}

AUDIENCE_CATEGORIES = {
    Audience.INTERNAL: {UserCategory.INTERNAL},
    Audience.ACADEMIC: {UserCategory.INTERNAL, UserCategory.EXTERNAL_ACADEMIC},
    Audience.COMPANIES: {UserCategory.INDUSTRY},
    Audience.EVERYONE: set(UserCategory),
}


@dataclass(frozen=True)
class Prerequisite:
    """A competence at a minimum level (``competence_id``) or a module passed (``module_id``)."""

    label: str  # "Confocal microscopy at level 2 (Independent use)" or the module title
    competence_id: int | None = None
    min_level: int | None = None
    module_id: int | None = None


@dataclass(frozen=True)
class SessionFacts:
    status: SessionStatus
    audience: Audience
    enrol_opens_at: datetime
    enrol_closes_at: datetime
    starts_at: datetime | None


# The audience of a session admits the user categories listed in AUDIENCE_CATEGORIES.
def audience_admits(audience: Audience, category: UserCategory) -> bool:
    return category in AUDIENCE_CATEGORIES[audience]


# A prerequisite is held when the person holds the competence at least at its level, or passed
# the module; every missing one is named. ``for_name``: the person's name when someone else (a
# company administrator) enrols them, so the reasons name them instead of saying "you".
def missing_prerequisites(
    prerequisites: list[Prerequisite],
    holdings: dict[int, int],
    passed_modules: set[int],
    for_name: str | None = None,
) -> list[Problem]:
    problems = []
    for p in prerequisites:
        if p.module_id is not None and p.module_id not in passed_modules:
            reason = (
                T_("You have not yet passed the module “%(p)s”.", p=p.label)
                if for_name is None
                else T_("%(name)s has not yet passed the module “%(p)s”.", name=for_name, p=p.label)
            )
            problems.append(Problem("missing_module", reason))
        elif p.competence_id is not None:
            held = holdings.get(p.competence_id, 0)
            if held < (p.min_level or 1):
                problems.append(Problem("missing_competence", _needs(p, held, for_name)))
    return problems


def _needs(p: Prerequisite, held: int, for_name: str | None):
    if for_name is None:
        return (
            T_("You need %(p)s (you hold level %(held)s).", p=p.label, held=held)
            if held
            else T_("You need %(p)s.", p=p.label)
        )
    if held:
        return T_(
            "%(name)s needs %(p)s (holds level %(held)s).", name=for_name, p=p.label, held=held
        )
    return T_("%(name)s needs %(p)s.", name=for_name, p=p.label)


# A person may enrol in a scheduled, future session whose enrolment window is open, whose
# audience admits them, who holds its prerequisites and who is not already on its list.
def enrolment_problems(
    session: SessionFacts,
    *,
    category: UserCategory,
    prerequisites: list[Prerequisite],
    holdings: dict[int, int],
    passed_modules: set[int],
    current: EnrolmentStatus | None,
    now: datetime,
    for_name: str | None = None,
) -> list[Problem]:
    problems = []
    if session.status == SessionStatus.CANCELLED:
        problems.append(Problem("session_cancelled", N_("This session has been cancelled.")))
    elif session.status == SessionStatus.COMPLETED or (
        session.starts_at is not None and session.starts_at <= now
    ):
        problems.append(Problem("session_past", N_("This session has already started or ended.")))
    if now < session.enrol_opens_at:
        problems.append(
            Problem("enrolment_not_open", N_("Enrolment for this session is not open yet."))
        )
    elif now >= session.enrol_closes_at:
        problems.append(Problem("enrolment_closed", N_("Enrolment for this session has closed.")))
    if not audience_admits(session.audience, category):
        problems.append(
            Problem(
                "audience",
                T_(
                    "This session is for: %(audience)s; you take part as %(category)s.",
                    audience=session.audience.label.lower(),
                    category=category.label.lower(),
                )
                if for_name is None
                else T_(
                    "This session is for: %(audience)s; %(name)s takes part as %(category)s.",
                    audience=session.audience.label.lower(),
                    name=for_name,
                    category=category.label.lower(),
                ),
            )
        )
    if current is not None:
        problems.append(
            Problem(
                "already_enrolled",
                T_(
                    "Already on this session's list (status: %(current)s).",
                    current=status_word(current),
                ),
            )
        )
    problems += missing_prerequisites(prerequisites, holdings, passed_modules, for_name)
    return problems


# A new enrolment takes a seat only when one is free and nobody is waiting; otherwise it queues.
def seat_decision(*, capacity: int, seats_taken: int, waiting: int) -> EnrolmentStatus:
    if seats_taken < capacity and waiting == 0:
        return EnrolmentStatus.ENROLLED
    return EnrolmentStatus.WAITLISTED


# Seats freed go to the first people in the queue, one offer per free seat.
def offers_to_make(*, capacity: int, seats_taken: int, waiting: int) -> int:
    return max(0, min(capacity - seats_taken, waiting))


# An offer stays open for the facility's offer window (a duration, e.g. 24 hours).
def offer_expiry(now: datetime, hours: int) -> datetime:
    return now + timedelta(hours=hours)


# An offer can be accepted only while it is open.
def offer_problems(status: EnrolmentStatus, expires_at: datetime | None, now: datetime) -> list:
    if status != EnrolmentStatus.OFFERED:
        return [Problem("no_offer", N_("There is no open offer of a place for you here."))]
    if expires_at is None or now >= expires_at:
        return [
            Problem(
                "offer_expired", N_("This offer has expired; the place went to the next person.")
            )
        ]
    return []


# Withdrawal closes N calendar days before the first part, at the same wall-clock time in the
# facility's zone (never "N x 24 hours": a DST change in between would shift it by an hour).
def withdrawal_cutoff(starts_at: datetime, days_before: int, zone: str) -> datetime:
    local = starts_at.astimezone(ZoneInfo(zone))
    wall = local.replace(tzinfo=None) - timedelta(days=days_before)
    return wall.replace(tzinfo=ZoneInfo(zone)).astimezone(starts_at.tzinfo)


# People on the waiting list may always leave; enrolled people only until the cut-off.
def withdrawal_problems(
    status: EnrolmentStatus,
    *,
    starts_at: datetime | None,
    days_before: int,
    zone: str,
    now: datetime,
) -> list[Problem]:
    if status not in (
        EnrolmentStatus.ENROLLED,
        EnrolmentStatus.WAITLISTED,
        EnrolmentStatus.OFFERED,
    ):
        return [Problem("not_enrolled", N_("You are not on this session's list."))]
    if status == EnrolmentStatus.ENROLLED and starts_at is not None:
        cutoff = withdrawal_cutoff(starts_at, days_before, zone)
        if now >= cutoff:
            local = message_moment(cutoff, zone)  # labelled: 02:30 CEST and 02:30 CET differ
            return [
                Problem(
                    "withdraw_cutoff",
                    T_(
                        "Withdrawal closed on %(local)s (%(zone)s); please contact the facility.",
                        local=local,
                        zone=zone,
                    ),
                )
            ]
    return []


# The fee is the module's fee for the person's category relative to the session's facility.
def fee_for(category: UserCategory, fees: dict[UserCategory, Decimal]) -> Decimal:
    return fees.get(category, Decimal("0"))


# A session has a positive capacity, never fewer places than people already hold, at least one
# part, parts that end after they start and do not overlap, an enrolment window that closes before
# the first part, and a place or a link.
def session_problems(
    *,
    capacity: int | None,
    seats_held: int = 0,
    parts: list[tuple[datetime, datetime]],
    enrol_opens_at: datetime | None,
    enrol_closes_at: datetime | None,
    withdraw_days_before: int | None,
    location: str,
    online_url: str | None,
) -> list[Problem]:
    problems = []
    if capacity is None or capacity < 1:
        problems.append(Problem("capacity", N_("Capacity must be at least one place."), "capacity"))
    elif capacity < seats_held:
        msg = T_(
            "%(seats_held)s people hold a place (enrolled or offered): "
            "the capacity cannot be less. Withdraw participants first.",
            seats_held=seats_held,
        )
        problems.append(Problem("capacity_below_held", msg, "capacity"))
    if not parts:
        problems.append(Problem("no_parts", N_("Add at least one dated part."), "parts"))
    ordered = sorted(parts)
    for start, end in ordered:
        if end <= start:
            problems.append(
                Problem("part_order", N_("Every part must end after it starts."), "parts")
            )
            break
    for (_, end), (start, _) in zip(ordered, ordered[1:], strict=False):
        if start < end:
            problems.append(Problem("parts_overlap", N_("Two parts overlap."), "parts"))
            break
    if enrol_opens_at and enrol_closes_at and enrol_closes_at <= enrol_opens_at:
        problems.append(
            Problem("window_order", N_("Enrolment must close after it opens."), "enrol_closes_at")
        )
    if ordered and enrol_closes_at and enrol_closes_at > ordered[0][0]:
        problems.append(
            Problem(
                "window_after_start",
                N_("Enrolment must close before the first part starts."),
                "enrol_closes_at",
            )
        )
    if withdraw_days_before is None or withdraw_days_before < 0:
        problems.append(
            Problem(
                "withdraw_days",
                N_("Give the withdrawal cut-off in days (0 or more)."),
                "withdraw_days_before",
            )
        )
    if not location.strip() and not (online_url or "").strip():
        problems.append(Problem("no_place", N_("Give a place or an online link."), "location"))
    if online_url and not online_url.startswith(("https://", "http://")):
        problems.append(
            Problem("online_url", N_("The online link must be a web address."), "online_url")
        )
    return problems


# A module states the EU micro-credential elements: title, outcomes, workload, level awarded
# (within the competence's levels), EQF level 1-8 if given, and a quality-assurance statement.
def module_problems(
    *,
    title: str,
    learning_outcomes: list[str],
    level_awarded: int,
    competence_levels: int,
    ects: Decimal,
    notional_hours: int,
    eqf_level: int | None,
    quality_assurance: str,
    fees: dict[UserCategory, Decimal],
) -> list[Problem]:
    problems = []
    if not title.strip():
        problems.append(Problem("title", N_("Give the module a title."), "title"))
    if not [o for o in learning_outcomes if o.strip()]:
        problems.append(
            Problem(
                "learning_outcomes", N_("State at least one learning outcome."), "learning_outcomes"
            )
        )
    if not 1 <= level_awarded <= max(competence_levels, 1):
        problems.append(
            Problem(
                "level_awarded",
                T_(
                    "The competence has levels 1 to %(competence_levels)s.",
                    competence_levels=competence_levels,
                ),
                "level_awarded",
            )
        )
    if ects < 0 or ects > 60:
        problems.append(Problem("ects", N_("ECTS credits are between 0 and 60."), "ects"))
    if notional_hours < 1:
        problems.append(
            Problem("notional_hours", N_("Give the workload in hours."), "notional_hours")
        )
    if eqf_level is not None and not 1 <= eqf_level <= 8:
        problems.append(Problem("eqf_level", N_("EQF levels run from 1 to 8."), "eqf_level"))
    if not quality_assurance.strip():
        problems.append(
            Problem(
                "quality_assurance",
                N_("State how the quality of this module is assured."),
                "quality_assurance",
            )
        )
    if any(v < 0 for v in fees.values()):
        problems.append(Problem("fees", N_("Fees cannot be negative."), "fee_internal"))
    return problems


# An uploaded file is one of the accepted types, its content matches the type, and it is not
# larger than the limit.
def file_problems(content_type: str, size: int, head: bytes, field: str = "file") -> list[Problem]:
    problems = []
    if content_type not in MATERIAL_TYPES:
        problems.append(
            Problem(
                "file_type", N_("Upload PDF, text, CSV, image, MP4, ZIP or Office files."), field
            )
        )
    elif content_type in MAGIC and not head.startswith(MAGIC[content_type]):
        problems.append(
            Problem("file_content", N_("The file's content does not match its type."), field)
        )
    if size == 0:
        problems.append(Problem("file_empty", N_("The file is empty."), field))
    if size > MAX_FILE_BYTES:
        problems.append(
            Problem(
                "file_size",
                T_(
                    "Files are limited to %(max_file_bytes)s MB.",
                    max_file_bytes=MAX_FILE_BYTES // 1024 // 1024,
                ),
                field,
            )
        )
    return problems


# Only people enrolled (or who completed) can be assessed; a pass states a level within the
# competence's levels, and every result carries some evidence.
def assessment_problems(
    *,
    enrolment_status: EnrolmentStatus | None,
    outcome: AssessmentOutcome,
    level_reached: int | None,
    max_level: int,
    has_evidence: bool,
) -> list[Problem]:
    problems = []
    if enrolment_status not in (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED):
        problems.append(
            Problem("not_participant", N_("This person is not a participant of the session."))
        )
    if outcome == AssessmentOutcome.PASSED:
        if level_reached is None or not 1 <= level_reached <= max_level:
            problems.append(
                Problem(
                    "level_reached",
                    T_(
                        "A pass states the level reached (1 to %(max_level)s).", max_level=max_level
                    ),
                    "level_reached",
                )
            )
    elif level_reached is not None:
        problems.append(
            Problem("level_reached", N_("A failed assessment reaches no level."), "level_reached")
        )
    if not has_evidence:
        problems.append(
            Problem("evidence", N_("Give evidence: a short narrative or a file."), "evidence_text")
        )
    return problems


@dataclass(frozen=True)
class PartPlan:
    """How an edit maps a session's existing parts onto the wanted ones (indices into each)."""

    kept: list[tuple[int, int]]
    moved: list[tuple[int, int]]
    added: list[int]
    removed: list[int]


def part_plan(
    existing: list[tuple[datetime, datetime]], wanted: list[tuple[datetime, datetime]]
) -> PartPlan:
    """A part whose interval is unchanged keeps its identity (and its attendance); the other
    parts are paired in date order as moves; what is left over is added or removed."""
    free = {}
    for j, interval in enumerate(wanted):
        free.setdefault(interval, []).append(j)
    kept, rest_old = [], []
    for i, interval in enumerate(existing):
        if free.get(interval):
            kept.append((i, free[interval].pop(0)))
        else:
            rest_old.append(i)
    taken = {j for _, j in kept}
    rest_new = [j for j in range(len(wanted)) if j not in taken]
    rest_old.sort(key=lambda i: existing[i])
    rest_new.sort(key=lambda j: wanted[j])
    moved = list(zip(rest_old, rest_new, strict=False))
    return PartPlan(
        kept=kept,
        moved=moved,
        added=rest_new[len(moved) :],
        removed=rest_old[len(moved) :],
    )


def attendance_problems(
    part_starts: dict[int, datetime], marked: set[int], now: datetime, zone: str = "UTC"
) -> list[Problem]:
    """Attendance of a part opens when the part starts: nobody is marked for what has not happened.
    The message names the start in the facility's ``zone``, labelled (``message_moment``)."""
    early = sorted(p for p in marked if p in part_starts and part_starts[p] > now)
    if not early:
        return []
    first = min(part_starts[p] for p in early)
    msg = T_(
        "Attendance opens when a part starts; the earliest marked part starts %(first)s.",
        first=message_moment(first, zone),
    )
    return [Problem("part_not_started", msg)]


def assessment_attendance_problems(
    outcome: AssessmentOutcome, part_starts: dict[int, datetime], present: set[int], now: datetime
) -> list[Problem]:
    """An assessment comes after the training: it is recorded once the session has begun, and a
    pass needs the learner's attendance (present) at every part of the session it covers."""
    if not part_starts or min(part_starts.values()) > now:
        return [
            Problem("session_not_started", N_("The session has not started yet: assess after it."))
        ]
    if outcome == AssessmentOutcome.PASSED and not set(part_starts) <= present:
        missing = len(set(part_starts) - present)
        msg = TN_(
            "A pass needs attendance at every part: %(num)d part not recorded as present.",
            "A pass needs attendance at every part: %(num)d parts not recorded as present.",
            missing,
        )
        return [Problem("attendance_missing", msg)]
    return []
