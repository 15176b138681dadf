"""Placement permissions: the host (a facility's managers, or the poster and their company's
administrators), the participant, and the participant's home supervisor."""

from __future__ import annotations

from innocore.permissions import can_manage_facility, is_network_admin, managed_facility_ids
from innocore.vocab import OrganisationKind
from training.placements.models import Placement, PlacementApplication


def _in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def can_offer_placement(user) -> bool:
    """Company people offer placements at their company; facility managers at their facility."""
    return _in(user) and (
        user.organisation.kind == OrganisationKind.COMPANY
        or is_network_admin(user)
        or bool(managed_facility_ids(user))
    )


def can_host(user, p: Placement) -> bool:
    """The host selects, signs as host, evaluates."""
    if not _in(user):
        return False
    if p.facility is not None:
        return can_manage_facility(user, p.facility) or user.id == p.posted_by_id
    return user.id == p.posted_by_id or (
        user.is_company_admin and user.organisation_id == p.organisation_id
    )


def party(user, a: PlacementApplication) -> str | None:
    """Which party of the agreement ``user`` is: participant, supervisor, host, or None."""
    if not _in(user):
        return None
    if user.id == a.applicant_id:
        return "participant"
    if user.id == a.supervisor_id:
        return "supervisor"
    return "host" if can_host(user, a.placement) else None


def can_see_application(user, a: PlacementApplication) -> bool:
    return party(user, a) is not None


TEMPLATE_PREDICATES = {
    "can_offer_placement": can_offer_placement,
    "can_host_placement": can_host,
}
