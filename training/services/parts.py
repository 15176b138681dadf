"""Session parts: the edit plan, and hands-on parts holding instrument time.

A hands-on part holds its instrument through the booking service.

Each part with an instrument owns one booking made by ``instruments.services``; the booking
service's own conflict check (and PostgreSQL's exclusion constraint) is what keeps a session
and a booking from ever sharing an instrument. Reservations of one edit are all or nothing:
every problem of every part is raised together and the boundary rolls the transaction back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa

from innocore.accounts.models import User
from innocore.clock import to_zone
from innocore.errors import DomainError, Problem
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.marks import T_
from instruments.models import Instrument, InstrumentStatus
from instruments.services import release_instrument_time, reserve_instrument_time
from training import rules
from training.models import Attendance, SessionPart, TrainingSession


class PartInput(NamedTuple):
    starts_at: datetime
    ends_at: datetime
    title: str = ""
    instrument_id: int | None = None


@dataclass
class PartChanges:
    """What an edit does to instrument time: bookings to give back, parts to reserve for."""

    release: list[int] = field(default_factory=list)
    reserve: list[SessionPart] = field(default_factory=list)
    removed: list[SessionPart] = field(default_factory=list)


def instruments_of(facility_id: int) -> list[Instrument]:
    """The facility's instruments a trainer may choose for a hands-on part (not retired)."""
    return list(
        db.session.scalars(
            sa.select(Instrument)
            .where(
                Instrument.facility_id == facility_id,
                Instrument.status != InstrumentStatus.RETIRED,
            )
            .order_by(Instrument.name, Instrument.id)
        )
    )


def instrument_problems(facility: Facility, instrument_ids: list[int | None]) -> list[Problem]:
    """Every instrument named belongs to the session's facility and is still in service."""
    wanted = {i for i in instrument_ids if i is not None}
    if not wanted:
        return []
    allowed = {i.id for i in instruments_of(facility.id)}
    if wanted - allowed:
        return [
            Problem(
                "instrument_unknown",
                T_(
                    "Choose an instrument of %(facility_name)s that is in service.",
                    facility_name=facility.name,
                ),
                "parts",
            )
        ]
    return []


def plan_parts(session: TrainingSession, wanted: list[PartInput]) -> PartChanges:
    """Change the session's parts to ``wanted`` (not flushed); say what instrument time changes.

    Refuses (422) to remove a part whose attendance is already recorded.
    """
    existing = sorted(session.parts, key=lambda p: p.starts_at)
    plan = rules.part_plan(
        [(p.starts_at, p.ends_at) for p in existing], [(w.starts_at, w.ends_at) for w in wanted]
    )
    changes = PartChanges(removed=[existing[i] for i in plan.removed])
    _refuse_removing_attended(session, changes.removed)
    for i, j in plan.kept + plan.moved:
        part, want = existing[i], wanted[j]
        same_time = (part.starts_at, part.ends_at) == (want.starts_at, want.ends_at)
        if not (same_time and part.instrument_id == want.instrument_id and _holds(part)):
            _rebook(part, changes)
            if want.instrument_id is not None:
                changes.reserve.append(part)
        part.starts_at, part.ends_at, part.title = want.starts_at, want.ends_at, want.title
        part.instrument_id = want.instrument_id
    for part in changes.removed:
        _rebook(part, changes)
        session.parts.remove(part)
    for j in plan.added:
        want = wanted[j]
        part = SessionPart(
            starts_at=want.starts_at,
            ends_at=want.ends_at,
            title=want.title,
            instrument_id=want.instrument_id,
        )
        session.parts.append(part)
        if want.instrument_id is not None:
            changes.reserve.append(part)
    return changes


def _holds(part: SessionPart) -> bool:
    return part.instrument_id is None or part.booking_id is not None


def _rebook(part: SessionPart, changes: PartChanges) -> None:
    if part.booking_id is not None:
        changes.release.append(part.booking_id)
        part.booking_id = None


def _refuse_removing_attended(session: TrainingSession, removed: list[SessionPart]) -> None:
    ids = [p.id for p in removed if p.id is not None]
    if not ids:
        return
    with_marks = set(
        db.session.scalars(
            sa.select(Attendance.part_id).where(Attendance.part_id.in_(ids)).distinct()
        )
    )
    problems = [
        Problem(
            "part_has_attendance",
            T_(
                "The part on %(label)s already has attendance recorded; keep it (you may change "
                "its title or time) rather than removing it.",
                label=_label(p, session),
            ),
            "parts",
        )
        for p in removed
        if p.id in with_marks
    ]
    if problems:
        raise DomainError(problems)


def _label(part: SessionPart, session: TrainingSession) -> str:
    start = to_zone(part.starts_at, session.facility.timezone)
    return f"{start:%Y-%m-%d %H:%M}"


def reserve(actor: User, session: TrainingSession, parts: list[SessionPart]) -> None:
    """Reserve instrument time for each hands-on part; raise every refusal together (422).

    Call it while the training changes are still pending (not flushed): the booking service
    then keeps the write transaction it finds instead of starting a new one.
    """
    if not parts:
        return
    problems: list[Problem] = []
    purpose = f"Training: {session.module.title}"[:200]
    with db.session.no_autoflush:  # a flush now would end the transaction the service joins
        names = dict(
            db.session.execute(
                sa.select(Instrument.id, Instrument.name).where(
                    Instrument.id.in_({p.instrument_id for p in parts})
                )
            ).all()
        )
    for part in sorted(parts, key=lambda p: p.starts_at):
        try:
            booking = reserve_instrument_time(
                actor, part.instrument_id, part.starts_at, part.ends_at, purpose=purpose
            )
        except DomainError as err:
            name = names.get(part.instrument_id, "the instrument")
            problems += [
                Problem(
                    p.code,
                    T_(
                        "%(label)s on %(name)s: %(message)s",
                        label=_label(part, session),
                        name=name,
                        message=p.message,
                    ),
                    "parts",
                )
                for p in err.problems
            ]
            if not db.session.is_active:  # a failed flush: nothing more can be tried
                break
            continue
        part.booking_id = booking.id
    if problems:
        raise DomainError(problems, status=422)


def release(actor: User, booking_ids: list[int], reason: str) -> None:
    """Give the instrument time of these parts back (already freed bookings stay as they are)."""
    for booking_id in booking_ids:
        release_instrument_time(actor, booking_id, reason)
