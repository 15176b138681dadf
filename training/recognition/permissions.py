"""Recognition permissions: named predicates over the kernel's and certification's."""

from __future__ import annotations

from innocore.permissions import can_manage_facility, is_network_admin
from training.certification.permissions import can_issue_at, issuing_facility_ids


def can_declare_equivalence(user, facility) -> bool:
    """A facility's managers (and network admins) declare what it recognises."""
    return can_manage_facility(user, facility)


def can_decide_recognition(user, facility) -> bool:
    """Those who may certify at the facility (managers, trainers, admins) decide its requests."""
    return can_issue_at(user, facility)


def can_decide_anywhere(user) -> bool:
    return is_network_admin(user) or bool(issuing_facility_ids(user))


def can_manage_trust(user) -> bool:
    """Network admins keep the list of issuers the network trusts."""
    return is_network_admin(user)


TEMPLATE_PREDICATES = {
    "can_declare_equivalence": can_declare_equivalence,
    "can_decide_recognition": can_decide_recognition,
    "can_manage_trust": can_manage_trust,
}
