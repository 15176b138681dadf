"""The services catalog and the expertise directory: use cases and queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db
from innocore.facilities.models import Facility, FacilityTechnology
from innocore.facilities.services import get_facility
from innocore.marks import N_
from innocore.vocab import Technology, UserCategory
from instruments.models import Instrument, InstrumentStatus
from instruments.requests import rules
from instruments.requests.models import Expertise, Service, ServicePrice, ServiceUnit
from instruments.requests.permissions import can_manage_services


@dataclass
class ServiceData:
    name: str
    unit: ServiceUnit
    description: str = ""
    deliverables: str = ""
    expertise: str = ""
    turnaround_days: int | None = None
    prices: dict[UserCategory, Decimal | None] = field(default_factory=dict)
    instrument_ids: list[int] = field(default_factory=list)
    active: bool = True


def get_service(service_id: int) -> Service:
    service = db.session.get(Service, service_id)
    if service is None:
        raise NotFound(N_("No such service."))
    return service


def _apply(service: Service, data: ServiceData) -> None:
    problems = rules.service_problems(
        name=data.name, prices=data.prices, turnaround_days=data.turnaround_days
    )
    instruments = []
    if data.instrument_ids:
        instruments = db.session.scalars(
            sa.select(Instrument).where(Instrument.id.in_(data.instrument_ids))
        ).all()
        if len(instruments) != len(set(data.instrument_ids)) or any(
            i.facility_id != service.facility_id for i in instruments
        ):
            problems.append(
                Problem("instruments", N_("Pick instruments of this facility."), "instrument_ids")
            )
    if problems:
        raise DomainError(problems)
    service.name, service.unit = data.name.strip(), data.unit
    service.description, service.deliverables = data.description, data.deliverables
    service.expertise, service.turnaround_days = data.expertise, data.turnaround_days
    service.active, service.updated_at = data.active, clock.now()
    service.instruments = list(instruments)
    wanted = {c: p for c, p in data.prices.items() if p is not None}
    service.prices = [ServicePrice(category=c, price=Decimal(p)) for c, p in sorted(wanted.items())]


def create_service(actor: User, facility_id: int, data: ServiceData) -> Service:
    """A facility's manager lists a requestable service with its prices per category."""
    facility = get_facility(facility_id)
    if not can_manage_services(actor, facility):
        raise Forbidden(N_("Only the facility's managers list its services."))
    service = Service(facility=facility, created_at=clock.now())
    service.facility_id = facility.id
    _apply(service, data)
    db.session.add(service)
    db.session.flush()
    audit.record(actor, "service.create", service, audit.snapshot(service), facility_id=facility.id)
    return service


def update_service(actor: User, service_id: int, data: ServiceData) -> Service:
    service = get_service(service_id)
    if not can_manage_services(actor, service.facility):
        raise Forbidden(N_("Only the facility's managers edit its services."))
    db.session.flush()  # prices are replaced: delete the old rows before the new ones
    service.prices = []
    db.session.flush()
    _apply(service, data)
    changes = audit.changes_of(service)
    db.session.flush()
    audit.record(actor, "service.update", service, changes, facility_id=service.facility_id)
    return service


def list_services(*, facility_id: int | None = None, q: str | None = None, active_only=True):
    stmt = sa.select(Service).join(Service.facility).order_by(Facility.name, Service.name)
    if facility_id is not None:
        stmt = stmt.where(Service.facility_id == facility_id)
    if active_only:
        stmt = stmt.where(Service.active.is_(True))
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Service.name).like(like),
                sa.func.lower(Service.description).like(like),
                sa.func.lower(Service.expertise).like(like),
            )
        )
    return stmt


def add_expertise(
    actor: User, facility_id: int, *, topic: str, description: str = "", user_id: int | None = None
) -> Expertise:
    """Managers describe what their facility (and which of its staff) knows."""
    facility = get_facility(facility_id)
    if not can_manage_services(actor, facility):
        raise Forbidden(N_("Only the facility's managers edit its expertise profile."))
    problems = []
    if not (topic or "").strip() or len(topic) > 200:
        problems.append(Problem("topic", N_("Give a topic of up to 200 characters."), "topic"))
    if len(description or "") > 5000:
        problems.append(Problem("description", N_("Keep it under 5000 characters."), "description"))
    if user_id is not None and not _is_staff_of(user_id, facility.id):
        problems.append(Problem("user", N_("Pick a member of the facility's staff."), "user_id"))
    if problems:
        raise DomainError(problems)
    row = Expertise(
        facility_id=facility.id,
        user_id=user_id,
        topic=topic.strip(),
        description=(description or "").strip(),
        created_at=clock.now(),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "expertise.add", row, audit.snapshot(row), facility_id=facility.id)
    return row


def _is_staff_of(user_id: int, facility_id: int) -> bool:
    from innocore.facilities.models import FacilityRole

    return (
        db.session.scalar(
            sa.select(FacilityRole.id).where(
                FacilityRole.user_id == user_id, FacilityRole.facility_id == facility_id
            )
        )
        is not None
    )


def remove_expertise(actor: User, expertise_id: int) -> None:
    row = db.session.get(Expertise, expertise_id)
    if row is None:
        raise NotFound(N_("No such expertise entry."))
    if not can_manage_services(actor, get_facility(row.facility_id)):
        raise Forbidden(N_("Only the facility's managers edit its expertise profile."))
    audit.record(
        actor, "expertise.remove", row, {"topic": [row.topic, None]}, facility_id=row.facility_id
    )
    db.session.delete(row)


def facility_staff(facility_id: int) -> list[User]:
    from innocore.facilities.models import FacilityRole

    return list(
        db.session.scalars(
            sa.select(User)
            .join(FacilityRole, FacilityRole.user_id == User.id)
            .where(FacilityRole.facility_id == facility_id)
            .distinct()
            .order_by(User.name)
        )
    )


# ---- the expertise directory ---------------------------------------------------------------------


def directory(q: str | None = None, technology: Technology | None = None):
    """Facilities matching a free text across their description, technologies, instruments,
    services and expertise; a statement to paginate."""
    stmt = sa.select(Facility).where(Facility.active.is_(True)).order_by(Facility.name)
    if technology is not None:
        stmt = stmt.where(
            sa.exists().where(
                FacilityTechnology.facility_id == Facility.id,
                FacilityTechnology.technology == technology,
            )
        )
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Facility.name).like(like),
                sa.func.lower(Facility.description).like(like),
                sa.exists().where(
                    Instrument.facility_id == Facility.id,
                    Instrument.status != InstrumentStatus.RETIRED,
                    sa.or_(
                        sa.func.lower(Instrument.name).like(like),
                        sa.func.lower(Instrument.model).like(like),
                    ),
                ),
                sa.exists().where(
                    Service.facility_id == Facility.id,
                    Service.active.is_(True),
                    sa.or_(
                        sa.func.lower(Service.name).like(like),
                        sa.func.lower(Service.description).like(like),
                        sa.func.lower(Service.expertise).like(like),
                    ),
                ),
                sa.exists().where(
                    Expertise.facility_id == Facility.id,
                    sa.or_(
                        sa.func.lower(Expertise.topic).like(like),
                        sa.func.lower(Expertise.description).like(like),
                    ),
                ),
            )
        )
    return stmt


def profiles(facility_ids: list[int]) -> dict[int, dict]:
    """Instruments, services and expertise of several facilities in three queries."""
    out: dict[int, dict] = {
        fid: {"instruments": [], "services": [], "expertise": []} for fid in facility_ids
    }
    if not facility_ids:
        return out
    for row in db.session.execute(
        sa.select(Instrument.facility_id, Instrument.id, Instrument.name)
        .where(
            Instrument.facility_id.in_(facility_ids), Instrument.status != InstrumentStatus.RETIRED
        )
        .order_by(Instrument.name)
    ):
        out[row.facility_id]["instruments"].append(row)
    for service in db.session.scalars(
        sa.select(Service)
        .where(Service.facility_id.in_(facility_ids), Service.active.is_(True))
        .options(selectinload(Service.prices), selectinload(Service.instruments))
        .order_by(Service.name)
    ):
        out[service.facility_id]["services"].append(service)
    for row in db.session.scalars(
        sa.select(Expertise)
        .where(Expertise.facility_id.in_(facility_ids))
        .order_by(Expertise.topic)
    ):
        out[row.facility_id]["expertise"].append(row)
    return out
