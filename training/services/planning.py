"""Use cases of the catalog: modules, prerequisites, materials, sessions and facility settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.competences.models import Competence, CompetenceLevel
from innocore.db import begin_serialised_write
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.marks import N_, T_
from innocore.permissions import can_teach_at
from innocore.vocab import Technology, UserCategory
from training import notices, rules
from training.models import (
    CURRENT_ENROLMENT,
    AssessmentType,
    Audience,
    Enrolment,
    EnrolmentStatus,
    MaterialKind,
    ModuleKind,
    ModuleMaterial,
    ModulePrerequisite,
    ModuleStatus,
    ParticipationForm,
    SessionStatus,
    TrainingModule,
    TrainingSession,
    TrainingSettings,
)
from training.permissions import (
    can_create_module,
    can_manage_module,
    can_manage_session,
    can_see_module,
)
from training.services import parts
from training.services.enrolment import fill_free_seats, lock_session, seats_held


@dataclass
class ModuleData:
    title: str
    technology: Technology
    competence_id: int
    level_awarded: int
    learning_outcomes: list[str]
    ects: Decimal
    notional_hours: int
    assessment_type: AssessmentType
    participation_form: ParticipationForm
    quality_assurance: str
    facility_id: int | None = None
    description: str = ""
    eqf_level: int | None = None
    language: str = "en"
    fee_internal: Decimal = Decimal("0")
    fee_academic: Decimal = Decimal("0")
    fee_industry: Decimal = Decimal("0")
    status: ModuleStatus = ModuleStatus.PUBLISHED
    kind: ModuleKind = ModuleKind.COURSE
    # (competence_id, min_level) pairs and module ids
    prerequisite_competences: list[tuple[int, int]] = field(default_factory=list)
    prerequisite_modules: list[int] = field(default_factory=list)


@dataclass
class SessionData:
    capacity: int
    audience: Audience
    # (starts_at, ends_at, title) or (starts_at, ends_at, title, instrument_id)
    parts: list[tuple]
    enrol_opens_at: datetime
    enrol_closes_at: datetime
    trainer_ids: list[int]
    location: str = ""
    online_url: str | None = None
    withdraw_days_before: int = 2
    notes: str = ""


def get_module(module_id: int) -> TrainingModule:
    module = db.session.get(TrainingModule, module_id)
    if module is None:
        raise NotFound(N_("No such training module."))
    return module


def get_visible_module(user, module_id: int) -> TrainingModule:
    """The module if ``user`` may see it (``can_see_module``); NotFound otherwise, so an unpublished
    module is hidden as if it did not exist."""
    module = get_module(module_id)
    if not can_see_module(user, module):
        raise NotFound(N_("No such training module."))
    return module


def get_session(session_id: int, *, lock: bool = False) -> TrainingSession:
    session = db.session.get(TrainingSession, session_id)
    if session is None:
        raise NotFound(N_("No such training session."))
    return session


def update_settings(actor: User, facility: Facility, *, offer_hours: int, reminder_hours: int):
    """Managers and staff set how long a waitlist offer stays open and the reminder lead time."""
    from innocore.permissions import can_staff_facility

    if not can_staff_facility(actor, facility):
        raise Forbidden(N_("Only the facility's managers and staff change its training settings."))
    problems = [
        Problem(f, N_("Give a number of hours between 1 and 336 (two weeks)."), f)
        for f, v in (("offer_hours", offer_hours), ("reminder_hours", reminder_hours))
        if not 1 <= v <= 336
    ]
    if problems:
        raise DomainError(problems)
    row = db.session.get(TrainingSettings, facility.id)
    if row is None:
        row = TrainingSettings(facility_id=facility.id)
        db.session.add(row)
    row.offer_hours, row.reminder_hours = offer_hours, reminder_hours
    audit.record(
        actor, "training.settings_changed", row, audit.changes_of(row), facility_id=facility.id
    )
    return row


def _check_module(data: ModuleData, module_id: int | None = None) -> Competence:
    competence = db.session.get(Competence, data.competence_id)
    problems = []
    if competence is None:
        raise DomainError(Problem("competence", N_("Choose a competence."), "competence_id"))
    problems += rules.module_problems(
        title=data.title,
        learning_outcomes=data.learning_outcomes,
        level_awarded=data.level_awarded,
        competence_levels=len(competence.levels),
        ects=data.ects,
        notional_hours=data.notional_hours,
        eqf_level=data.eqf_level,
        quality_assurance=data.quality_assurance,
        fees={UserCategory.INTERNAL: data.fee_internal},
    )
    if module_id is not None and module_id in data.prerequisite_modules:
        problems.append(
            Problem("prerequisite_self", N_("A module cannot require itself."), "prerequisites")
        )
    known = set(
        db.session.scalars(
            sa.select(TrainingModule.id).where(TrainingModule.id.in_(data.prerequisite_modules))
        )
    )
    if set(data.prerequisite_modules) - known:
        problems.append(
            Problem("prerequisite_unknown", N_("Unknown prerequisite module."), "prerequisites")
        )
    problems += _competence_prerequisite_problems(data.prerequisite_competences)
    if problems:
        raise DomainError(problems)
    return competence


def _competence_prerequisite_problems(wanted: list[tuple[int, int]]) -> list[Problem]:
    """Each prerequisite names an existing competence at one of its levels (else the foreign key
    would refuse the row at the commit, a server error instead of a reason)."""
    ids = {c for c, _ in wanted}
    levels = dict(
        db.session.execute(
            sa.select(CompetenceLevel.competence_id, sa.func.max(CompetenceLevel.level))
            .where(CompetenceLevel.competence_id.in_(ids))
            .group_by(CompetenceLevel.competence_id)
        ).all()
    )
    if ids - set(levels):
        return [
            Problem("prerequisite_unknown", N_("Unknown prerequisite competence."), "prerequisites")
        ]
    if any(not 1 <= level <= levels[c] for c, level in wanted):
        msg = N_("A prerequisite's level is one of its competence's levels.")
        return [Problem("prerequisite_level", msg, "prerequisites")]
    return []


def _apply_module(module: TrainingModule, data: ModuleData) -> None:
    for name in (
        "title",
        "technology",
        "competence_id",
        "level_awarded",
        "ects",
        "notional_hours",
        "assessment_type",
        "participation_form",
        "quality_assurance",
        "description",
        "eqf_level",
        "language",
        "fee_internal",
        "fee_academic",
        "fee_industry",
        "status",
        "kind",
    ):
        setattr(module, name, getattr(data, name))
    module.learning_outcomes = [o.strip() for o in data.learning_outcomes if o.strip()]
    module.updated_at = clock.now()
    module.prerequisites = [
        ModulePrerequisite(competence_id=c, min_level=lvl)
        for c, lvl in data.prerequisite_competences
    ] + [ModulePrerequisite(required_module_id=m) for m in data.prerequisite_modules]


def create_module(actor: User, data: ModuleData) -> TrainingModule:
    """Facility managers define their facility's modules; network admins network-wide ones."""
    if not can_create_module(actor, data.facility_id):
        raise Forbidden(N_("You may not define training modules here."))
    _check_module(data)
    module = TrainingModule(facility_id=data.facility_id, created_at=clock.now())
    _apply_module(module, data)
    db.session.add(module)
    db.session.flush()
    audit.record(
        actor,
        "training.module_created",
        module,
        audit.snapshot(module),
        facility_id=data.facility_id,
    )
    return module


def update_module(actor: User, module: TrainingModule, data: ModuleData) -> TrainingModule:
    """Edit a module; its owner stays."""
    if not can_manage_module(actor, module):
        raise Forbidden(N_("You may not edit this module."))
    data.facility_id = module.facility_id
    _check_module(data, module.id)
    _apply_module(module, data)
    audit.record(
        actor,
        "training.module_updated",
        module,
        audit.changes_of(module),
        facility_id=module.facility_id,
    )
    return module


def add_material(
    actor: User,
    module: TrainingModule,
    *,
    title: str,
    url: str | None = None,
    filename: str | None = None,
    content_type: str | None = None,
    data: bytes | None = None,
) -> ModuleMaterial:
    """Add a link or a checked file (type, content and size) to a module."""
    if not can_manage_module(actor, module):
        raise Forbidden(N_("You may not change this module's materials."))
    problems = (
        [] if title.strip() else [Problem("title", N_("Give the material a title."), "title")]
    )
    if data is not None:
        problems += rules.file_problems(content_type or "", len(data), data[:8])
    elif not (url or "").startswith(("https://", "http://")):
        problems.append(
            Problem("url", N_("Give a web address (https://…) or upload a file."), "url")
        )
    if problems:
        raise DomainError(problems)
    material = ModuleMaterial(
        module_id=module.id,
        kind=MaterialKind.FILE if data is not None else MaterialKind.LINK,
        title=title.strip()[:200],
        url=None if data is not None else url,
        filename=(filename or "file")[-200:] if data is not None else None,
        content_type=content_type if data is not None else None,
        size_bytes=len(data) if data is not None else None,
        data=data,
        created_at=clock.now(),
        created_by_id=actor.id,
    )
    db.session.add(material)
    db.session.flush()
    audit.record(
        actor,
        "training.material_added",
        material,
        {"title": [None, material.title], "kind": [None, material.kind.value]},
        facility_id=module.facility_id,
    )
    return material


def _part_inputs(data: SessionData) -> list[parts.PartInput]:
    return sorted((parts.PartInput(*p) for p in data.parts), key=lambda p: p[:2])


def _check_session(facility: Facility, data: SessionData, seats_held: int = 0) -> list[User]:
    wanted = _part_inputs(data)
    problems = rules.session_problems(
        capacity=data.capacity,
        seats_held=seats_held,
        parts=[(p.starts_at, p.ends_at) for p in wanted],
        enrol_opens_at=data.enrol_opens_at,
        enrol_closes_at=data.enrol_closes_at,
        withdraw_days_before=data.withdraw_days_before,
        location=data.location,
        online_url=data.online_url,
    )
    problems += parts.instrument_problems(facility, [p.instrument_id for p in wanted])
    trainers = list(db.session.scalars(sa.select(User).where(User.id.in_(data.trainer_ids))))
    if not trainers:
        problems.append(Problem("trainers", N_("Name at least one trainer."), "trainer_ids"))
    for t in trainers:
        if not can_teach_at(t, facility):
            problems.append(
                Problem(
                    "trainer_role",
                    T_(
                        "%(t_name)s does not teach at %(facility_name)s.",
                        t_name=t.name,
                        facility_name=facility.name,
                    ),
                    "trainer_ids",
                )
            )
    if problems:
        raise DomainError(problems)
    return trainers


def create_session(
    actor: User, module: TrainingModule, facility: Facility, data: SessionData
) -> TrainingSession:
    """Schedule a session of a published module at a facility (its managers and staff).

    Hands-on parts reserve their instrument time at once; any refusal undoes the whole session.
    """
    from training.permissions import can_schedule_at

    if not can_schedule_at(actor, facility):
        raise Forbidden(N_("Only the facility's managers and staff schedule its sessions."))
    if module.facility_id not in (None, facility.id):
        raise DomainError(
            Problem("module_facility", N_("This module belongs to another facility."))
        )
    if module.status != ModuleStatus.PUBLISHED:
        raise DomainError(Problem("module_status", N_("Publish the module before scheduling it.")))
    begin_serialised_write(db.session())
    trainers = _check_session(facility, data)
    session = TrainingSession(module=module, facility=facility, created_at=clock.now())
    moves = _apply_session(session, data, trainers)
    db.session.add(session)
    parts.reserve(actor, session, moves.reserve)  # before any flush: see parts.reserve
    db.session.flush()
    audit.record(
        actor, "training.session_created", session, audit.snapshot(session), facility_id=facility.id
    )
    return session


def _apply_session(
    session: TrainingSession, data: SessionData, trainers: list[User]
) -> parts.PartChanges:
    for name in (
        "capacity",
        "audience",
        "enrol_opens_at",
        "enrol_closes_at",
        "location",
        "online_url",
        "withdraw_days_before",
        "notes",
    ):
        setattr(session, name, getattr(data, name))
    session.trainers = trainers
    return parts.plan_parts(session, _part_inputs(data))


def update_session(actor: User, session: TrainingSession, data: SessionData) -> TrainingSession:
    """Edit a scheduled session; participants get an updated invitation (SEQUENCE raised).

    Moved hands-on parts move their instrument time; removed ones give it back. A part with
    recorded attendance cannot be removed. The capacity never drops below the places already
    held (``capacity_below_held``); raising it offers the new places to the waiting list.
    """
    if not can_manage_session(actor, session):
        raise Forbidden(N_("Only the facility's managers and staff edit its sessions."))
    lock_session(session.id)
    if session.status != SessionStatus.SCHEDULED:
        raise DomainError(Problem("session_status", N_("Only scheduled sessions can be edited.")))
    trainers = _check_session(session.facility, data, seats_held=seats_held(session.id))
    before = [(p.starts_at, p.ends_at) for p in session.parts]
    instruments_before = [p.instrument_id for p in session.parts]
    moves = _apply_session(session, data, trainers)
    parts.release(actor, moves.release, "The training session changed.")
    parts.reserve(actor, session, moves.reserve)
    db.session.flush()
    changes = audit.changes_of(session)
    ordered = sorted(session.parts, key=lambda p: p.starts_at)
    if before != [(p.starts_at, p.ends_at) for p in ordered]:
        changes["parts"] = [[str(s) for s, _ in before], [str(p.starts_at) for p in ordered]]
    if instruments_before != [p.instrument_id for p in ordered]:
        changes["instruments"] = [instruments_before, [p.instrument_id for p in ordered]]
    if changes:
        session.sequence += 1
        db.session.flush()
        db.session.expire(session, ["parts"])
        notices.changed(session, _holders(session))
    audit.record(
        actor, "training.session_updated", session, changes, facility_id=session.facility_id
    )
    fill_free_seats(session)
    return session


def _holders(session: TrainingSession) -> list[Enrolment]:
    return list(
        db.session.scalars(
            sa.select(Enrolment).where(
                Enrolment.session_id == session.id,
                Enrolment.status.in_([EnrolmentStatus.ENROLLED, EnrolmentStatus.OFFERED]),
            )
        )
    )


def cancel_session(actor: User, session: TrainingSession, reason: str) -> list[Enrolment]:
    """Cancel a session: everyone on its list is told (with a calendar cancellation) and the
    instrument time of its hands-on parts is given back."""
    if not can_manage_session(actor, session):
        raise Forbidden(N_("Only the facility's managers and staff cancel its sessions."))
    if not reason.strip():
        raise DomainError(Problem("reason", N_("Say why the session is cancelled."), "reason"))
    lock_session(session.id)
    if session.status != SessionStatus.SCHEDULED:
        raise DomainError(
            Problem("session_status", N_("Only scheduled sessions can be cancelled."))
        )
    now = clock.now()
    session.status, session.cancelled_at = SessionStatus.CANCELLED, now
    session.cancel_reason = reason.strip()[:500]
    session.sequence += 1
    held = [p.booking_id for p in session.parts if p.booking_id is not None]
    parts.release(actor, held, f"Training session cancelled: {session.cancel_reason}")
    affected = list(
        db.session.scalars(
            sa.select(Enrolment).where(
                Enrolment.session_id == session.id,
                Enrolment.status.in_(CURRENT_ENROLMENT),
            )
        )
    )
    notices.cancelled(session, affected, session.cancel_reason)
    from training.models import EndReason

    for e in affected:
        e.status, e.ended_at, e.end_reason = (
            EnrolmentStatus.CANCELLED,
            now,
            EndReason.SESSION_CANCELLED,
        )
    audit.record(
        actor,
        "training.session_cancelled",
        session,
        {
            "status": ["scheduled", "cancelled"],
            "reason": [None, session.cancel_reason],
            "people_notified": [None, len(affected)],
        },
        facility_id=session.facility_id,
    )
    return affected
