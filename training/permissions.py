"""Training permissions: named predicates over the kernel's, reused by services and templates."""

from __future__ import annotations

from innocore.permissions import (
    can_manage_facility,
    can_staff_facility,
    can_teach_at,
    facility_roles,
    is_network_admin,
    managed_facility_ids,
    signed_in,
    staffed_facility_ids,
)
from training.models import ModuleStatus


def can_create_module(user, facility_id: int | None) -> bool:
    """Network admins define network-wide modules; facility managers their facility's own."""
    if facility_id is None:
        return is_network_admin(user)
    return is_network_admin(user) or facility_id in managed_facility_ids(user)


def can_manage_module(user, module) -> bool:
    return can_create_module(user, module.facility_id)


def can_see_module(user, module) -> bool:
    """A published module is public; a draft or retired one only to those who manage it."""
    return module.status == ModuleStatus.PUBLISHED or can_manage_module(user, module)


def can_schedule_at(user, facility) -> bool:
    """Managers and staff of a facility schedule, edit and cancel its sessions."""
    return can_staff_facility(user, facility)


def can_manage_session(user, session) -> bool:
    return can_staff_facility(user, session.facility)


def can_teach_session(user, session) -> bool:
    """The session's trainers, and the facility's managers and staff, run its participant list."""
    if not signed_in(user):
        return False
    if any(t.id == user.id for t in session.trainers):
        return can_teach_at(user, session.facility)
    return can_staff_facility(user, session.facility)


def can_enrol_for(actor, learner) -> bool:
    """People enrol themselves; a company administrator also enrols the company's employees."""
    if not signed_in(actor):
        return False
    if actor.id == learner.id:
        return True
    return actor.is_company_admin and actor.organisation_id == learner.organisation_id


def can_see_facility_training(user, facility) -> bool:
    """Managers and staff see the facility's sessions, fill rates and waiting lists."""
    return can_staff_facility(user, facility)


def may_teach_anywhere(user) -> bool:
    return signed_in(user) and (is_network_admin(user) or bool(facility_roles(user)))


def may_create_any_module(user) -> bool:
    return signed_in(user) and (is_network_admin(user) or bool(managed_facility_ids(user)))


def staffed_facilities(user) -> set[int]:
    return staffed_facility_ids(user)


TEMPLATE_PREDICATES = {
    "can_manage_module": can_manage_module,
    "can_manage_session": can_manage_session,
    "can_teach_session": can_teach_session,
    "can_schedule_at": can_schedule_at,
    "can_manage_facility": can_manage_facility,
    "may_create_any_module": may_create_any_module,
    "may_teach_anywhere": may_teach_anywhere,
}
