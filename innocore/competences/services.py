"""Competence framework use cases."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.competences.models import Competence, CompetenceLevel
from innocore.competences.rules import competence_problems
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.marks import N_
from innocore.permissions import can_create_competence, can_manage_competence
from innocore.unique import flush_unique
from innocore.vocab import Technology


@dataclass
class CompetenceData:
    code: str
    title: str
    technology: Technology
    levels: list[tuple[int, str]]
    description: str = ""
    facility_id: int | None = None
    esco_uri: str | None = None
    default_validity_months: int | None = None
    lapse_after_days: int | None = None


CODE_TAKEN = Problem("code_taken", N_("Another competence already uses this code."), "code")


def _check(data: CompetenceData, competence_id: int | None = None) -> None:
    problems = competence_problems(
        code=data.code,
        title=data.title,
        levels=data.levels,
        esco_uri=data.esco_uri,
        validity_months=data.default_validity_months,
        lapse_after_days=data.lapse_after_days,
    )
    clash = db.session.scalar(sa.select(Competence.id).where(Competence.code == data.code))
    if clash is not None and clash != competence_id:
        problems.append(CODE_TAKEN)
    if problems:
        raise DomainError(problems)


def create_competence(actor: User, data: CompetenceData) -> Competence:
    """Network admins add network-wide competences; facility managers add their facility's own."""
    if not can_create_competence(actor, data.facility_id):
        raise Forbidden(N_("You may not add competences here."))
    _check(data)
    competence = Competence(code=data.code, facility_id=data.facility_id, created_at=clock.now())
    _apply(competence, data)
    db.session.add(competence)
    flush_unique([("uq_competence_code", (Competence.code,), CODE_TAKEN)])
    audit.record(
        actor,
        "competence.created",
        competence,
        {**audit.snapshot(competence), "levels": [None, [n for _, n in data.levels]]},
        facility_id=data.facility_id,
    )
    return competence


def update_competence(actor: User, competence: Competence, data: CompetenceData) -> dict:
    """Edit a competence; its code and owner stay (certificates refer to them)."""
    if not can_manage_competence(actor, competence):
        raise Forbidden(N_("You may not edit this competence."))
    data.code, data.facility_id = competence.code, competence.facility_id
    _check(data, competence.id)
    if len(data.levels) < len(competence.levels):
        raise DomainError(
            Problem(
                "levels_removed",
                N_("Levels can be renamed or added, not removed: certificates may refer to them."),
                "levels",
            )
        )
    before = [lv.name for lv in competence.levels]
    _apply(competence, data)
    changes = audit.changes_of(competence)
    if before != [n for _, n in data.levels]:
        changes["levels"] = [before, [n for _, n in data.levels]]
    if changes:
        audit.record(
            actor, "competence.updated", competence, changes, facility_id=competence.facility_id
        )
    return changes


def _apply(competence: Competence, data: CompetenceData) -> None:
    competence.title = " ".join(data.title.split())
    competence.description = data.description or ""
    competence.technology = data.technology
    competence.esco_uri = data.esco_uri or None
    competence.default_validity_months = data.default_validity_months
    competence.lapse_after_days = data.lapse_after_days
    existing = {lv.level: lv for lv in competence.levels}
    for number, name in data.levels:
        if number in existing:
            existing[number].name = name.strip()
        else:
            competence.levels.append(CompetenceLevel(level=number, name=name.strip()))


def set_retired(actor: User, competence: Competence, retired: bool) -> None:
    if not can_manage_competence(actor, competence):
        raise Forbidden(N_("You may not edit this competence."))
    if competence.retired != retired:
        competence.retired = retired
        audit.record(
            actor,
            "competence.retired" if retired else "competence.reinstated",
            competence,
            {"retired": [not retired, retired]},
            facility_id=competence.facility_id,
        )


def get_competence(competence_id: int) -> Competence:
    competence = db.session.get(Competence, competence_id)
    if competence is None:
        raise NotFound(N_("No such competence."))
    return competence


def list_competences(
    *,
    technology: Technology | None = None,
    facility_id: int | None = None,
    include_retired: bool = False,
) -> sa.Select:
    stmt = (
        sa.select(Competence)
        .options(sa.orm.joinedload(Competence.facility).joinedload(Facility.institution))
        .order_by(Competence.code)
    )
    if technology is not None:
        stmt = stmt.where(Competence.technology == technology)
    if facility_id is not None:
        stmt = stmt.where(Competence.facility_id == facility_id)
    if not include_retired:
        stmt = stmt.where(Competence.retired.is_(False))
    return stmt
