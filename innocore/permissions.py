"""Permission predicates of the kernel: named, with an explicit user, reused by views and templates.

Authorisation answers "may this person do this at all?" (403/404); eligibility lives in rules.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

import sqlalchemy as sa
from flask import g
from flask_login import current_user

from innocore.errors import Forbidden
from innocore.extensions import db
from innocore.marks import N_
from innocore.vocab import FacilityRoleKind

STAFF_ROLES = frozenset({FacilityRoleKind.MANAGER, FacilityRoleKind.STAFF})
TEACHING_ROLES = frozenset(
    {FacilityRoleKind.MANAGER, FacilityRoleKind.STAFF, FacilityRoleKind.TRAINER}
)


def _authenticated(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def facility_roles(user) -> dict[int, frozenset[FacilityRoleKind]]:
    """Facility id -> the user's roles there; one query per request and user."""
    if not _authenticated(user):
        return {}
    cache = g.setdefault("_facility_roles", {})
    if user.id not in cache:
        # The facility_role table (innocore.facilities.models) is read by name: facilities enforce
        # these predicates, so they build on this module and not the other way round.
        role = db.metadata.tables["facility_role"]
        rows = db.session.execute(
            sa.select(role.c.facility_id, role.c.role).where(role.c.user_id == user.id)
        ).all()
        roles: dict[int, set] = {}
        for facility_id, role in rows:
            roles.setdefault(facility_id, set()).add(role)
        cache[user.id] = {k: frozenset(v) for k, v in roles.items()}
    return cache[user.id]


def forget_roles() -> None:
    g.pop("_facility_roles", None)
    g.pop("_administered_orgs", None)


def is_network_admin(user) -> bool:
    return _authenticated(user) and bool(user.is_network_admin)


def has_facility_role(user, facility_id: int, roles: frozenset[FacilityRoleKind]) -> bool:
    return bool(facility_roles(user).get(facility_id, frozenset()) & roles)


def can_manage_facility(user, facility) -> bool:
    """Network admins and the facility's managers edit a facility and appoint its staff."""
    return is_network_admin(user) or has_facility_role(
        user, facility.id, frozenset({FacilityRoleKind.MANAGER})
    )


def can_staff_facility(user, facility) -> bool:
    """Managers and staff run a facility day to day (approvals, overrides, no-shows)."""
    return is_network_admin(user) or has_facility_role(user, facility.id, STAFF_ROLES)


def can_teach_at(user, facility) -> bool:
    """Trainers, staff and managers deliver training at a facility."""
    return is_network_admin(user) or has_facility_role(user, facility.id, TEACHING_ROLES)


def managed_facility_ids(user) -> set[int]:
    return {fid for fid, roles in facility_roles(user).items() if FacilityRoleKind.MANAGER in roles}


def staffed_facility_ids(user) -> set[int]:
    return {fid for fid, roles in facility_roles(user).items() if roles & STAFF_ROLES}


def is_facility_member_of_staff(user) -> bool:
    return bool(facility_roles(user))


def can_appoint(user, facility, role: FacilityRoleKind) -> bool:
    """Network admins appoint managers; managers appoint staff and trainers of their facility."""
    if is_network_admin(user):
        return True
    return role != FacilityRoleKind.MANAGER and can_manage_facility(user, facility)


def can_create_facility(user) -> bool:
    return is_network_admin(user)


def can_manage_competence(user, competence) -> bool:
    """Network-wide competences belong to network admins; a facility's own to its managers."""
    if competence.facility_id is None:
        return is_network_admin(user)
    return is_network_admin(user) or competence.facility_id in managed_facility_ids(user)


def can_create_competence(user, facility_id: int | None) -> bool:
    if facility_id is None:
        return is_network_admin(user)
    return is_network_admin(user) or facility_id in managed_facility_ids(user)


def can_add_competence(user) -> bool:
    """Network admins and the manager of any facility add competences (each within their scope)."""
    return is_network_admin(user) or bool(managed_facility_ids(user))


def can_view_audit(user, facility_id: int | None = None) -> bool:
    """Network admins see the whole trail; managers the events of their facilities."""
    if is_network_admin(user):
        return True
    if facility_id is None:
        return bool(managed_facility_ids(user))
    return facility_id in managed_facility_ids(user)


def is_company_admin(user) -> bool:
    """A company administrator: sees the company's people, requests, charges and statements."""
    return _authenticated(user) and bool(user.is_company_admin)


def is_company_admin_of(user, organisation_id: int) -> bool:
    """A company administrator sees the activity of their own company only."""
    return (
        _authenticated(user) and user.is_company_admin and user.organisation_id == organisation_id
    )


def can_administer_company(user, organisation) -> bool:
    return is_company_admin_of(user, organisation.id)


def administered_organisation_ids(user) -> set[int]:
    """Organisations whose memberships the user decides: those whose verified administrator they
    are, and the institutions hosting a facility they manage; network admins decide everywhere
    (the caller passes the organisation in question)."""
    if not _authenticated(user):
        return set()
    cache = g.setdefault("_administered_orgs", {})
    if user.id not in cache:
        from innocore.vocab import OrgRole

        # The facility table is read by name, as facility_role above: facilities import permissions.
        facility = db.metadata.tables["facility"]

        ids = set()
        if user.org_role == OrgRole.ADMIN and user.membership_verified_at is not None:
            ids.add(user.organisation_id)
        managed = managed_facility_ids(user)
        if managed:
            ids |= set(
                db.session.scalars(
                    sa.select(facility.c.institution_id).where(facility.c.id.in_(managed))
                )
            )
        cache[user.id] = ids
    return cache[user.id]


def can_administer_organisation(user, organisation) -> bool:
    """Network admins, an organisation's verified administrators and the managers of facilities it
    hosts register its e-mail domains and approve, decline or revoke who belongs to it."""
    return is_network_admin(user) or organisation.id in administered_organisation_ids(user)


def decides_memberships(user) -> bool:
    """Whoever administers at least one organisation (navigation: the membership pages)."""
    return is_network_admin(user) or bool(administered_organisation_ids(user))


def require(
    predicate: Callable[..., bool], message: str = N_("You are not allowed to see this page.")
):
    """Coarse gate for a view: the current user must satisfy ``predicate(user)`` (403 otherwise).

    Anonymous users are sent to the login page by ``login_required`` semantics first.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            from innocore.extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not predicate(current_user):
                raise Forbidden(message)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def signed_in(user) -> bool:
    return _authenticated(user)


TEMPLATE_PREDICATES = {
    "is_network_admin": is_network_admin,
    "can_manage_facility": can_manage_facility,
    "can_staff_facility": can_staff_facility,
    "can_teach_at": can_teach_at,
    "can_manage_competence": can_manage_competence,
    "can_view_audit": can_view_audit,
    "can_appoint": can_appoint,
    "can_create_facility": can_create_facility,
    "can_administer_organisation": can_administer_organisation,
}
