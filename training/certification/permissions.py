"""Certificate permissions: named predicates over the kernel's, reused by services and templates."""

from __future__ import annotations

from innocore.permissions import (
    can_manage_facility,
    can_staff_facility,
    facility_roles,
    has_facility_role,
    is_network_admin,
    signed_in,
)
from innocore.vocab import FacilityRoleKind

ISSUING_ROLES = frozenset({FacilityRoleKind.MANAGER, FacilityRoleKind.TRAINER})


def competence_recognised_by(competence, facility) -> bool:
    """A facility certifies its own competences and the network-wide ones."""
    return competence.facility_id is None or competence.facility_id == facility.id


def can_issue_at(user, facility) -> bool:
    """Network admins, and the facility's managers and trainers, issue its certificates."""
    return is_network_admin(user) or has_facility_role(user, facility.id, ISSUING_ROLES)


def can_issue_for(user, facility, competence) -> bool:
    """Issuing needs the role at the facility and a competence the facility owns or recognises."""
    return can_issue_at(user, facility) and competence_recognised_by(competence, facility)


def issuing_facility_ids(user) -> set[int]:
    return {fid for fid, roles in facility_roles(user).items() if roles & ISSUING_ROLES}


def can_issue_anywhere(user) -> bool:
    return is_network_admin(user) or bool(issuing_facility_ids(user))


def can_manage_certificate(user, cert) -> bool:
    """Renew, suspend, reinstate, revoke: the issuing facility's managers (network: admins)."""
    if cert.facility is None:
        return is_network_admin(user)
    return can_manage_facility(user, cert.facility)


def can_view_certificate(user, cert) -> bool:
    """The holder, and the issuing facility's managers and staff, see the full record."""
    if not signed_in(user):
        return False
    if user.id == cert.holder_id or is_network_admin(user):
        return True
    return cert.facility is not None and (
        can_staff_facility(user, cert.facility) or can_issue_at(user, cert.facility)
    )


def can_see_facility_certificates(user, facility) -> bool:
    """Managers, staff and trainers see the certificates a facility issued."""
    return can_staff_facility(user, facility) or can_issue_at(user, facility)


def can_manage_paths(user) -> bool:
    """Network admins define qualification paths and confirm awards."""
    return is_network_admin(user)


TEMPLATE_PREDICATES = {
    "can_issue_at": can_issue_at,
    "can_issue_anywhere": can_issue_anywhere,
    "can_manage_certificate": can_manage_certificate,
    "can_view_certificate": can_view_certificate,
    "can_manage_paths": can_manage_paths,
}
