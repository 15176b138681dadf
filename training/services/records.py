"""Attendance per part and assessments (append-only history) recorded by trainers."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.errors import DomainError, Forbidden, Problem
from innocore.extensions import db
from innocore.marks import N_
from training import queries, rules
from training.models import (
    Assessment,
    AssessmentOutcome,
    Attendance,
    AttendanceStatus,
    Enrolment,
    EnrolmentStatus,
    TrainingSession,
)
from training.permissions import can_teach_session

PARTICIPANT = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)


def record_attendance(
    actor: User, session: TrainingSession, marks: dict[tuple[int, int], AttendanceStatus]
) -> int:
    """Mark attendance for (enrolment id, part id) pairs; returns how many marks changed."""
    if not can_teach_session(actor, session):
        raise Forbidden(
            N_("Only this session's trainers and the facility's staff take attendance.")
        )
    part_ids = {p.id for p in session.parts}
    participants = set(
        db.session.scalars(
            sa.select(Enrolment.id).where(
                Enrolment.session_id == session.id, Enrolment.status.in_(PARTICIPANT)
            )
        )
    )
    problems = []
    if any(part not in part_ids for _, part in marks):
        problems.append(Problem("unknown_part", N_("A part does not belong to this session.")))
    if any(e not in participants for e, _ in marks):
        problems.append(Problem("not_participant", N_("Someone marked is not a participant.")))
    starts = {p.id: p.starts_at for p in session.parts}
    problems += rules.attendance_problems(
        starts, {part for _, part in marks}, clock.now(), session.facility.timezone
    )
    if problems:
        raise DomainError(problems)
    existing = {
        (a.enrolment_id, a.part_id): a
        for a in db.session.scalars(
            sa.select(Attendance).where(Attendance.enrolment_id.in_(participants))
        )
    }
    changed = 0
    now = clock.now()
    for key, status in marks.items():
        row = existing.get(key)
        if row is not None and row.status == status:
            continue
        if row is None:
            row = Attendance(enrolment_id=key[0], part_id=key[1])
            db.session.add(row)
        row.status, row.recorded_by_id, row.recorded_at = status, actor.id, now
        changed += 1
    if changed:
        db.session.flush()
        audit.record(
            actor,
            "training.attendance_recorded",
            session,
            {"marks": [None, {f"{e}:{p}": s.value for (e, p), s in marks.items()}]},
            facility_id=session.facility_id,
        )
    return changed


@dataclass
class AssessmentData:
    outcome: AssessmentOutcome
    level_reached: int | None = None
    notes: str = ""
    evidence_text: str = ""
    evidence_filename: str | None = None
    evidence_content_type: str | None = None
    evidence_data: bytes | None = None


def record_assessment(actor: User, enrolment: Enrolment, data: AssessmentData) -> Assessment:
    """Record a result; an earlier result stays in the history and this one supersedes it."""
    session = enrolment.session
    if not can_teach_session(actor, session):
        raise Forbidden(N_("Only this session's trainers and the facility's staff assess."))
    module = session.module
    problems = rules.assessment_problems(
        enrolment_status=enrolment.status,
        outcome=data.outcome,
        level_reached=data.level_reached,
        max_level=len(module.competence.levels) or 1,
        has_evidence=bool(data.evidence_text.strip() or data.evidence_data),
    )
    problems += rules.assessment_attendance_problems(
        data.outcome,
        {p.id: p.starts_at for p in session.parts},
        queries.present_parts(enrolment.id),
        clock.now(),
    )
    if data.evidence_data is not None:
        problems += rules.file_problems(
            data.evidence_content_type or "",
            len(data.evidence_data),
            data.evidence_data[:8],
            "evidence_file",
        )
    if problems:
        raise DomainError(problems)
    previous = db.session.scalar(
        sa.select(sa.func.max(Assessment.id)).where(Assessment.enrolment_id == enrolment.id)
    )
    row = Assessment(
        enrolment_id=enrolment.id,
        user_id=enrolment.user_id,
        module_id=module.id,
        competence_id=module.competence_id,
        outcome=data.outcome,
        level_reached=data.level_reached,
        notes=data.notes.strip(),
        evidence_text=data.evidence_text.strip(),
        evidence_filename=data.evidence_filename,
        evidence_content_type=data.evidence_content_type if data.evidence_data else None,
        evidence_data=data.evidence_data,
        supersedes_id=previous,
        recorded_by_id=actor.id,
        recorded_at=clock.now(),
    )
    db.session.add(row)
    enrolment.status = EnrolmentStatus.COMPLETED
    db.session.flush()
    audit.record(
        actor,
        "training.assessment_recorded",
        row,
        {
            "outcome": [None, row.outcome.value],
            "level_reached": [None, row.level_reached],
            "supersedes_id": [None, previous],
        },
        facility_id=session.facility_id,
    )
    return row


def history(enrolment_id: int) -> list[Assessment]:
    return list(
        db.session.scalars(
            sa.select(Assessment)
            .where(Assessment.enrolment_id == enrolment_id)
            .order_by(Assessment.id.desc())
        )
    )
