"""Facilities through /api/v1."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from innocore import api_schemas as schemas
from innocore.accounts.services import get_user_by_email
from innocore.api.core import TECHNOLOGY, api_blueprint, operation, paginated
from innocore.clock import api_time
from innocore.errors import DomainError, Forbidden, Problem
from innocore.extensions import db
from innocore.facilities import services
from innocore.links import absolute_url
from innocore.marks import N_, T_
from innocore.permissions import can_create_facility, can_manage_facility
from innocore.vocab import Technology

bp = api_blueprint("facilities_api", __name__, "/facilities")


def facility_json(f) -> dict:
    return {
        "id": f.id,
        "slug": f.slug,
        "name": f.name,
        "institution": schemas.organisation_json(f.institution),
        "timezone": f.timezone,
        "description": f.description,
        "contact_email": f.contact_email,
        "contact_phone": f.contact_phone,
        "location": f.location,
        "technologies": [t.value for t in f.technologies],
        "url": absolute_url("facilities.show", slug=f.slug),
    }


def role_json(r) -> dict:
    return {
        "id": r.id,
        "user_id": r.user_id,
        "name": r.user.name,
        "email": r.user.email,
        "role": r.role.value,
        "granted_at": api_time(r.granted_at),
    }


def _manages(user, facility_id: int) -> bool:
    return can_manage_facility(user, services.get_facility(facility_id))


def _data(body: schemas.FacilityIn) -> services.FacilityData:
    return services.FacilityData(
        **body.model_dump(exclude={"technologies"}), technologies=tuple(body.technologies)
    )


@operation(
    bp,
    "",
    "GET",
    summary="Facilities of the network",
    tags=["facilities"],
    paginated=True,
    response=schemas.FacilityOut,
    query={"technology": TECHNOLOGY, "q": "free text"},
)
def list_facilities():
    tech = request.args.get("technology")
    if tech and tech not in Technology._value2member_map_:
        raise DomainError(
            Problem(
                "invalid_technology",
                T_("Unknown technology '%(tech)s'.", tech=tech[:40]),
                "technology",
            ),
            status=400,
        )
    stmt = services.list_facilities(
        technology=Technology(tech) if tech else None,
        q=(request.args.get("q") or "").strip()[:100] or None,
    )
    return paginated(stmt, facility_json)


@operation(
    bp,
    "",
    "POST",
    summary="Create a facility (network administrators)",
    tags=["facilities"],
    body=schemas.FacilityIn,
    response=schemas.FacilityOut,
    status=201,
    permission=lambda user: can_create_facility(user),
)
def create_facility(body: schemas.FacilityIn):
    facility = services.create_facility(current_user, _data(body))
    db.session.commit()
    return facility_json(facility), 201


@operation(
    bp,
    "/<int:facility_id>",
    "GET",
    summary="One facility",
    tags=["facilities"],
    response=schemas.FacilityOut,
)
def get_facility(facility_id: int):
    return facility_json(services.get_facility(facility_id))


@operation(
    bp,
    "/<int:facility_id>",
    "PUT",
    summary="Replace a facility's details (its managers)",
    tags=["facilities"],
    body=schemas.FacilityIn,
    response=schemas.FacilityOut,
    permission=lambda user, facility_id: _manages(user, facility_id),
)
def update_facility(facility_id: int, body: schemas.FacilityIn):
    facility = services.get_facility(facility_id)
    services.update_facility(current_user, facility, _data(body))
    db.session.commit()
    return facility_json(facility)


@operation(
    bp,
    "/<int:facility_id>/roles",
    "GET",
    summary="Staff roles of a facility (its managers)",
    tags=["facilities"],
    response=schemas.RoleOut,
    listed=True,
)
def list_roles(facility_id: int):
    facility = services.get_facility(facility_id)
    if not can_manage_facility(current_user, facility):
        raise Forbidden(N_("Only the facility's managers see its staff list."))
    return [role_json(r) for r in services.list_roles(facility)]


@operation(
    bp,
    "/<int:facility_id>/roles",
    "POST",
    summary="Appoint a manager, staff member or trainer",
    tags=["facilities"],
    body=schemas.RoleIn,
    response=schemas.RoleOut,
    status=201,
    permission=lambda user, facility_id: _manages(user, facility_id),
)
def appoint(facility_id: int, body: schemas.RoleIn):
    facility = services.get_facility(facility_id)
    if not can_manage_facility(current_user, facility):
        raise Forbidden(N_("Only the facility's managers appoint its staff."))
    user = get_user_by_email(body.email)
    if user is None:
        raise DomainError(
            Problem("unknown_user", N_("Nobody with this e-mail has an account."), "email")
        )
    row = services.appoint(current_user, facility, user, body.role)
    db.session.commit()
    return role_json(row), 201


@operation(
    bp,
    "/<int:facility_id>/roles/<int:role_id>",
    "DELETE",
    summary="Remove a staff role",
    tags=["facilities"],
)
def remove_role(facility_id: int, role_id: int):
    facility = services.get_facility(facility_id)
    if not can_manage_facility(current_user, facility):
        raise Forbidden(N_("Only the facility's managers change its staff."))
    services.remove_role(current_user, facility, role_id)
    db.session.commit()
    return {"removed": role_id}
