"""Reads for pages and the API, each a fixed number of queries whatever the amount of data."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from innocore import clock
from innocore.extensions import db
from innocore.vocab import Technology
from training.models import (
    Assessment,
    Attendance,
    AttendanceStatus,
    Enrolment,
    EnrolmentStatus,
    ModuleMaterial,
    ModuleStatus,
    SessionPart,
    SessionStatus,
    TrainingModule,
    TrainingSession,
    TrainingSettings,
    session_trainer,
)


@dataclass
class Fill:
    enrolled: int = 0
    offered: int = 0
    waiting: int = 0
    completed: int = 0

    @property
    def seats_taken(self) -> int:
        return self.enrolled + self.offered + self.completed


def list_modules(
    *,
    technology: Technology | None = None,
    q: str | None = None,
    include_drafts_of: set[int] | None = None,
) -> sa.Select:
    stmt = sa.select(TrainingModule).order_by(TrainingModule.title, TrainingModule.id)
    visible = TrainingModule.status == ModuleStatus.PUBLISHED
    if include_drafts_of:
        visible = visible | TrainingModule.facility_id.in_(include_drafts_of)
    stmt = stmt.where(visible)
    if technology:
        stmt = stmt.where(TrainingModule.technology == technology)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(TrainingModule.title).like(like),
                sa.func.lower(TrainingModule.description).like(like),
            )
        )
    return stmt


def _first_start():
    return (
        sa.select(sa.func.min(SessionPart.starts_at))
        .where(SessionPart.session_id == TrainingSession.id)
        .scalar_subquery()
    )


def upcoming_sessions_stmt() -> sa.Select:
    """Scheduled sessions whose first part is still ahead, soonest first."""
    first = _first_start()
    return (
        sa.select(TrainingSession)
        .where(TrainingSession.status == SessionStatus.SCHEDULED, first > clock.now())
        .order_by(first, TrainingSession.id)
    )


def upcoming_count_by_module(module_ids: list[int]) -> dict[int, int]:
    if not module_ids:
        return {}
    first = _first_start()
    rows = db.session.execute(
        sa.select(TrainingSession.module_id, sa.func.count())
        .where(
            TrainingSession.module_id.in_(module_ids),
            TrainingSession.status == SessionStatus.SCHEDULED,
            first > clock.now(),
        )
        .group_by(TrainingSession.module_id)
    ).all()
    return dict(rows)


def fill_for(session_ids: list[int]) -> dict[int, Fill]:
    out = {sid: Fill() for sid in session_ids}
    if not session_ids:
        return out
    rows = db.session.execute(
        sa.select(Enrolment.session_id, Enrolment.status, sa.func.count())
        .where(Enrolment.session_id.in_(session_ids))
        .group_by(Enrolment.session_id, Enrolment.status)
    ).all()
    names = {
        EnrolmentStatus.ENROLLED: "enrolled",
        EnrolmentStatus.OFFERED: "offered",
        EnrolmentStatus.WAITLISTED: "waiting",
        EnrolmentStatus.COMPLETED: "completed",
    }
    for sid, status, n in rows:
        if status in names:
            setattr(out[sid], names[status], n)
    return out


def upcoming_for_modules(module_ids: list[int]) -> list[TrainingSession]:
    if not module_ids:
        return []
    return list(
        db.session.scalars(
            upcoming_sessions_stmt().where(TrainingSession.module_id.in_(module_ids))
        )
    )


def modules_leading_to(
    competence_levels: dict[int, int], module_ids: set[int]
) -> list[TrainingModule]:
    """Published modules that award one of the competences at the level needed, or are needed."""
    if not competence_levels and not module_ids:
        return []
    conds = [
        sa.and_(TrainingModule.competence_id == cid, TrainingModule.level_awarded >= lvl)
        for cid, lvl in competence_levels.items()
    ]
    if module_ids:
        conds.append(TrainingModule.id.in_(module_ids))
    return list(
        db.session.scalars(
            sa.select(TrainingModule)
            .where(TrainingModule.status == ModuleStatus.PUBLISHED, sa.or_(*conds))
            .order_by(TrainingModule.title)
        )
    )


def materials_of(module_id: int) -> list[ModuleMaterial]:
    return list(
        db.session.scalars(
            sa.select(ModuleMaterial)
            .where(ModuleMaterial.module_id == module_id)
            .order_by(ModuleMaterial.id)
        )
    )


def participates_in_module(user_id: int, module_id: int) -> bool:
    return db.session.scalar(
        sa.select(
            sa.exists().where(
                Enrolment.user_id == user_id,
                Enrolment.status.in_([EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED]),
                Enrolment.session_id == TrainingSession.id,
                TrainingSession.module_id == module_id,
            )
        )
    )


@dataclass
class ParticipantList:
    enrolments: list[Enrolment]
    attendance: dict[tuple[int, int], Attendance] = field(default_factory=dict)
    latest: dict[int, Assessment] = field(default_factory=dict)

    def by_status(self, *statuses: EnrolmentStatus) -> list[Enrolment]:
        return [e for e in self.enrolments if e.status in statuses]


def participants(session: TrainingSession) -> ParticipantList:
    """Everyone on a session's list with attendance and latest assessment: three queries."""
    enrolments = list(
        db.session.scalars(
            sa.select(Enrolment)
            .options(joinedload(Enrolment.user))
            .where(Enrolment.session_id == session.id)
            .order_by(Enrolment.queue_number, Enrolment.id)
        )
    )
    ids = [e.id for e in enrolments]
    attendance = (
        {
            (a.enrolment_id, a.part_id): a
            for a in db.session.scalars(
                sa.select(Attendance).where(
                    Attendance.part_id.in_(
                        sa.select(SessionPart.id).where(SessionPart.session_id == session.id)
                    )
                )
            )
        }
        if ids
        else {}
    )
    latest_ids = (
        sa.select(sa.func.max(Assessment.id))
        .where(
            Assessment.enrolment_id.in_(
                sa.select(Enrolment.id).where(Enrolment.session_id == session.id)
            )
        )
        .group_by(Assessment.enrolment_id)
    )
    latest = (
        {
            a.enrolment_id: a
            for a in db.session.scalars(sa.select(Assessment).where(Assessment.id.in_(latest_ids)))
        }
        if ids
        else {}
    )
    return ParticipantList(enrolments, attendance, latest)


def sessions_of_user(user_id: int) -> list[Enrolment]:
    return list(
        db.session.scalars(
            sa.select(Enrolment)
            .options(joinedload(Enrolment.session))
            .where(Enrolment.user_id == user_id)
            .order_by(Enrolment.created_at.desc(), Enrolment.id.desc())
        )
    )


def waitlist_positions(enrolments: list[Enrolment]) -> dict[int, int]:
    """Position in line of each waitlisted enrolment, in one query."""
    waiting = [e for e in enrolments if e.status == EnrolmentStatus.WAITLISTED]
    if not waiting:
        return {}
    other = sa.orm.aliased(Enrolment)
    rows = db.session.execute(
        sa.select(Enrolment.id, sa.func.count(other.id))
        .join(
            other,
            sa.and_(
                other.session_id == Enrolment.session_id,
                other.status == EnrolmentStatus.WAITLISTED,
                other.queue_number <= Enrolment.queue_number,
            ),
        )
        .where(Enrolment.id.in_([e.id for e in waiting]))
        .group_by(Enrolment.id)
    ).all()
    return dict(rows)


def teaching_sessions(user_id: int, facility_ids: set[int]) -> list[TrainingSession]:
    """Sessions the user teaches, or runs as staff of the facility, newest first."""
    mine = sa.select(session_trainer.c.session_id).where(session_trainer.c.user_id == user_id)
    cond = TrainingSession.id.in_(mine)
    if facility_ids:
        cond = cond | TrainingSession.facility_id.in_(facility_ids)
    first = _first_start()
    return list(
        db.session.scalars(
            sa.select(TrainingSession).where(cond).order_by(first.desc(), TrainingSession.id)
        )
    )


def facility_sessions_stmt(facility_id: int) -> sa.Select:
    """A facility's sessions, latest first (paginate it: the list grows every term)."""
    first = _first_start()
    return (
        sa.select(TrainingSession)
        .where(TrainingSession.facility_id == facility_id)
        .order_by(first.desc(), TrainingSession.id)
    )


def waiting_lists(session_ids: list[int]) -> dict[int, list[Enrolment]]:
    out: dict[int, list[Enrolment]] = {sid: [] for sid in session_ids}
    if not session_ids:
        return out
    for e in db.session.scalars(
        sa.select(Enrolment)
        .options(joinedload(Enrolment.user))
        .where(
            Enrolment.session_id.in_(session_ids),
            Enrolment.status.in_([EnrolmentStatus.WAITLISTED, EnrolmentStatus.OFFERED]),
        )
        .order_by(Enrolment.queue_number)
    ):
        out[e.session_id].append(e)
    return out


def feed_sessions(user_id: int) -> list[TrainingSession]:
    """Sessions to show in a person's feed: those they hold a seat in or teach (recent and ahead)."""
    held = sa.select(Enrolment.session_id).where(
        Enrolment.user_id == user_id,
        Enrolment.status.in_(
            [EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED, EnrolmentStatus.CANCELLED]
        ),
    )
    taught = sa.select(session_trainer.c.session_id).where(session_trainer.c.user_id == user_id)
    return list(
        db.session.scalars(
            sa.select(TrainingSession)
            .options(selectinload(TrainingSession.parts))
            .where(TrainingSession.id.in_(held) | TrainingSession.id.in_(taught))
            .order_by(TrainingSession.id)
        )
    )


def settings_for(facility_id: int) -> TrainingSettings:
    """The facility's training settings, or the defaults (offers open 24 h, reminders 24 h ahead)."""
    row = db.session.get(TrainingSettings, facility_id)
    return row or TrainingSettings(facility_id=facility_id, offer_hours=24, reminder_hours=24)


def present_parts(enrolment_id: int) -> set[int]:
    """Ids of the session parts at which the participant was recorded present."""
    return set(
        db.session.scalars(
            sa.select(Attendance.part_id).where(
                Attendance.enrolment_id == enrolment_id,
                Attendance.status == AttendanceStatus.PRESENT,
            )
        )
    )
