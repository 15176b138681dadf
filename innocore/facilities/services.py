"""Facility use cases: create and edit facilities, appoint and remove staff roles."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from innocore import audit, clock
from innocore.accounts.models import Organisation, User
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db
from innocore.facilities.models import Facility, FacilityRole, FacilityTechnology
from innocore.facilities.rules import facility_problems
from innocore.links import absolute_url
from innocore.marks import N_, T_
from innocore.notifications import kinds
from innocore.notifications.services import queue_email
from innocore.permissions import (
    can_appoint,
    can_create_facility,
    can_manage_facility,
    forget_roles,
)
from innocore.unique import flush_unique
from innocore.vocab import FacilityRoleKind, Technology


@dataclass
class FacilityData:
    slug: str
    name: str
    institution_id: int
    timezone: str
    contact_email: str
    description: str = ""
    contact_phone: str | None = None
    location: str | None = None
    technologies: tuple[Technology, ...] = ()


SLUG_TAKEN = Problem("slug_taken", N_("Another facility already uses this short name."), "slug")


def _check(data: FacilityData, *, facility_id: int | None = None) -> None:
    problems = facility_problems(
        slug=data.slug, name=data.name, timezone=data.timezone, contact_email=data.contact_email
    )
    institution = db.session.get(Organisation, data.institution_id)
    if institution is None or not institution.kind.is_academic:
        problems.append(
            Problem(
                "invalid_institution",
                N_("Choose the university, institute or hospital the facility belongs to."),
                "institution_id",
            )
        )
    clash = db.session.scalar(sa.select(Facility.id).where(Facility.slug == data.slug))
    if clash is not None and clash != facility_id:
        problems.append(SLUG_TAKEN)
    if problems:
        raise DomainError(problems)


def create_facility(actor: User, data: FacilityData) -> Facility:
    """Network administrators open a new facility in the network."""
    if not can_create_facility(actor):
        raise Forbidden(N_("Only network administrators create facilities."))
    _check(data)
    facility = Facility(created_at=clock.now())
    _apply(facility, data)
    db.session.add(facility)
    _flush_slug()
    audit.record(
        actor, "facility.created", facility, audit.snapshot(facility), facility_id=facility.id
    )
    return facility


def update_facility(actor: User, facility: Facility, data: FacilityData) -> dict:
    """Managers (and network admins) edit their facility's description, contact and zone."""
    if not can_manage_facility(actor, facility):
        raise Forbidden(N_("Only the facility's managers edit it."))
    _check(data, facility_id=facility.id)
    before = sorted(t.value for t in facility.technologies)
    _apply(facility, data)
    changes = audit.changes_of(facility)
    after = sorted(t.value for t in data.technologies)
    if before != after:
        changes["technologies"] = [before, after]
    _flush_slug()
    if changes:
        audit.record(actor, "facility.updated", facility, changes, facility_id=facility.id)
    return changes


def _flush_slug() -> None:
    """Flush; a short name another request took meanwhile is ``slug_taken`` (422), not a 500."""
    flush_unique([("uq_facility_slug", (Facility.slug,), SLUG_TAKEN)])


def _apply(facility: Facility, data: FacilityData) -> None:
    facility.slug = data.slug
    facility.name = " ".join(data.name.split())
    facility.institution_id = data.institution_id
    facility.timezone = data.timezone
    facility.contact_email = data.contact_email
    facility.description = data.description or ""
    facility.contact_phone = data.contact_phone or None
    facility.location = data.location or None
    wanted = set(data.technologies)
    facility.technology_rows = [r for r in facility.technology_rows if r.technology in wanted] + [
        FacilityTechnology(technology=t) for t in sorted(wanted - set(facility.technologies))
    ]


def appoint(actor: User, facility: Facility, user: User, role: FacilityRoleKind) -> FacilityRole:
    """Give ``user`` a role at ``facility``; appointing twice is refused plainly."""
    if not can_appoint(actor, facility, role):
        raise Forbidden(
            N_("Network administrators appoint managers; managers appoint staff and trainers.")
        )
    exists = db.session.scalar(
        sa.select(FacilityRole).where(
            FacilityRole.facility_id == facility.id,
            FacilityRole.user_id == user.id,
            FacilityRole.role == role,
        )
    )
    if exists is not None:
        raise DomainError(
            Problem(
                "already_appointed",
                T_("%(user_name)s is already %(role)s here.", user_name=user.name, role=role.value),
                "email",
            )
        )
    row = FacilityRole(
        facility_id=facility.id,
        user_id=user.id,
        role=role,
        granted_at=clock.now(),
        granted_by_id=actor.id,
    )
    db.session.add(row)
    audit.record(
        actor,
        "facility_role.granted",
        row,
        {"user": [None, user.email], "role": [None, role.value]},
        facility_id=facility.id,
    )
    queue_email(
        user,
        {  # one sentence per role (never the role's code inside a translated sentence)
            "manager": T_(
                "You are now a manager of %(facility_name)s", facility_name=facility.name
            ),
            "staff": T_(
                "You are now on the staff of %(facility_name)s", facility_name=facility.name
            ),
            "trainer": T_(
                "You are now a trainer at %(facility_name)s", facility_name=facility.name
            ),
        }[role.value],
        "role_granted",
        kind=kinds.SECURITY,
        link=absolute_url("facilities.show", slug=facility.slug),
        facility=facility,
        role=role,
    )
    forget_roles()
    return row


def remove_role(actor: User, facility: Facility, role_id: int) -> None:
    row = db.session.scalar(
        sa.select(FacilityRole).where(
            FacilityRole.id == role_id, FacilityRole.facility_id == facility.id
        )
    )
    if row is None:
        raise NotFound(N_("No such role at this facility."))
    if not can_appoint(actor, facility, row.role):
        raise Forbidden(N_("You may not remove this role."))
    if row.role == FacilityRoleKind.MANAGER and _manager_count(facility) == 1:
        raise DomainError(
            Problem(
                "last_manager", N_("A facility keeps at least one manager; appoint another first.")
            )
        )
    audit.record(
        actor,
        "facility_role.removed",
        row,
        {"user": [row.user.email, None], "role": [row.role.value, None]},
        facility_id=facility.id,
    )
    db.session.delete(row)
    forget_roles()


def _manager_count(facility: Facility) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(FacilityRole)
            .where(
                FacilityRole.facility_id == facility.id,
                FacilityRole.role == FacilityRoleKind.MANAGER,
            )
        )
        or 0
    )


def get_facility(facility_id: int) -> Facility:
    facility = db.session.get(Facility, facility_id)
    if facility is None:
        raise NotFound(N_("No such facility."))
    return facility


def get_facility_by_slug(slug: str) -> Facility:
    facility = db.session.scalar(sa.select(Facility).where(Facility.slug == slug))
    if facility is None:
        raise NotFound(N_("No such facility."))
    return facility


def list_facilities(*, technology: Technology | None = None, q: str | None = None) -> sa.Select:
    stmt = sa.select(Facility).where(Facility.active.is_(True)).order_by(Facility.name)
    if technology is not None:
        stmt = stmt.where(Facility.technology_rows.any(FacilityTechnology.technology == technology))
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.join(Organisation, Facility.institution_id == Organisation.id).where(
            sa.or_(
                sa.func.lower(Facility.name).like(like),
                sa.func.lower(Facility.description).like(like),
                sa.func.lower(Organisation.name).like(like),
                sa.func.lower(Organisation.city).like(like),
            )
        )
    return stmt


def list_roles(facility: Facility) -> list[FacilityRole]:
    return list(
        db.session.scalars(
            sa.select(FacilityRole)
            .where(FacilityRole.facility_id == facility.id)
            .options(sa.orm.joinedload(FacilityRole.user))
            .order_by(FacilityRole.role, FacilityRole.id)
        )
    )


def facility_timezone(facility_id: int) -> str:
    """The IANA zone of a facility, read once per request or job (``g``), for exports that date
    many rows of a few facilities (statement CSV and PDF)."""
    from flask import g

    zones = g.setdefault("_facility_zones", {})
    if facility_id not in zones:
        zones[facility_id] = db.session.get(Facility, facility_id).timezone
    return zones[facility_id]
