"""Who sees and acts on service requests: the requester, their company's administrators, and the
staff of the facility the request is addressed to. Nobody else learns that a request exists."""

from __future__ import annotations

import sqlalchemy as sa

from innocore.permissions import (
    can_manage_facility,
    can_staff_facility,
    is_company_admin_of,
    is_network_admin,
    signed_in,
    staffed_facility_ids,
)


def can_handle_request(user, request) -> bool:
    """Staff and managers of the addressed facility quote, deliver and reject."""
    return signed_in(user) and can_staff_facility(user, request.facility)


def can_act_as_requester(user, request) -> bool:
    """The requester, or an administrator of the company the request belongs to."""
    if not signed_in(user):
        return False
    return request.requester_id == user.id or is_company_admin_of(user, request.organisation_id)


def can_see_request(user, request) -> bool:
    return can_act_as_requester(user, request) or can_handle_request(user, request)


def can_manage_services(user, facility) -> bool:
    """A facility's managers edit its services and expertise profile."""
    return signed_in(user) and can_manage_facility(user, facility)


def may_use_inbox(user) -> bool:
    return signed_in(user) and (is_network_admin(user) or bool(staffed_facility_ids(user)))


def may_request(user) -> bool:
    return signed_in(user)


def visible_requests_clause(user, model):
    """SQL condition: the requests ``user`` may see (same rule as ``can_see_request``)."""
    if is_network_admin(user):
        return sa.true()
    clauses = [model.requester_id == user.id]
    if user.is_company_admin:
        clauses.append(model.organisation_id == user.organisation_id)
    staffed = staffed_facility_ids(user)
    if staffed:
        clauses.append(model.facility_id.in_(staffed))
    return sa.or_(*clauses)


TEMPLATE_PREDICATES = {
    "can_handle_request": can_handle_request,
    "can_act_as_requester": can_act_as_requester,
    "can_manage_services": can_manage_services,
    "may_use_inbox": may_use_inbox,
}
