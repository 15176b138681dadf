"""Read-side queries of service requests: the staff inbox, my requests, a company's requests.

Each returns a statement that the boundary paginates (one count and one page query, any size).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import lazyload, selectinload

from innocore.extensions import db
from innocore.permissions import is_network_admin, staffed_facility_ids
from instruments.requests.models import (
    OPEN_STATUSES,
    Quote,
    RequestEvent,
    RequestFile,
    RequestMessage,
    RequestStatus,
    Service,
    ServiceRequest,
)

SORTS = {
    "oldest": (ServiceRequest.submitted_at.asc(), ServiceRequest.id.asc()),
    "newest": (ServiceRequest.submitted_at.desc(), ServiceRequest.id.desc()),
    "stale": (ServiceRequest.status_changed_at.asc(), ServiceRequest.id.asc()),
}


def parse_statuses(values: list[str]) -> list[RequestStatus]:
    """Known statuses from the query string; "open" stands for every status still in play."""
    out: list[RequestStatus] = []
    for value in values:
        if value == "open":
            out += list(OPEN_STATUSES)
        elif value in RequestStatus._value2member_map_:
            out.append(RequestStatus(value))
    return list(dict.fromkeys(out))


def _with_service(stmt):
    """Lists show the service's name only: one extra query, never its prices or instruments."""
    return stmt.options(
        selectinload(ServiceRequest.service).options(
            lazyload(Service.prices), lazyload(Service.instruments), lazyload(Service.facility)
        )
    )


def inbox(user, *, statuses=(), facility_id: int | None = None, sort: str = "oldest"):
    """Requests addressed to the facilities the user staffs (every facility for network admins)."""
    stmt = sa.select(ServiceRequest)
    if not is_network_admin(user):
        stmt = stmt.where(ServiceRequest.facility_id.in_(staffed_facility_ids(user) or {-1}))
    if facility_id is not None:
        stmt = stmt.where(ServiceRequest.facility_id == facility_id)
    if statuses:
        stmt = stmt.where(ServiceRequest.status.in_(list(statuses)))
    return _with_service(stmt.order_by(*SORTS.get(sort, SORTS["oldest"])))


def mine(user, *, statuses=()):
    stmt = sa.select(ServiceRequest).where(ServiceRequest.requester_id == user.id)
    if statuses:
        stmt = stmt.where(ServiceRequest.status.in_(list(statuses)))
    return _with_service(stmt.order_by(*SORTS["newest"]))


def of_organisation(organisation_id: int, *, statuses=()):
    stmt = sa.select(ServiceRequest).where(ServiceRequest.organisation_id == organisation_id)
    if statuses:
        stmt = stmt.where(ServiceRequest.status.in_(list(statuses)))
    return _with_service(stmt.order_by(*SORTS["newest"]))


def quotes_of_organisation(organisation_id: int):
    return (
        sa.select(Quote)
        .join(ServiceRequest, ServiceRequest.id == Quote.request_id)
        .where(ServiceRequest.organisation_id == organisation_id)
        .options(selectinload(Quote.request))
        .order_by(Quote.created_at.desc(), Quote.id.desc())
    )


def counts_by_status(user, facility_id: int | None = None) -> dict[RequestStatus, int]:
    stmt = sa.select(ServiceRequest.status, sa.func.count()).group_by(ServiceRequest.status)
    if not is_network_admin(user):
        stmt = stmt.where(ServiceRequest.facility_id.in_(staffed_facility_ids(user) or {-1}))
    if facility_id is not None:
        stmt = stmt.where(ServiceRequest.facility_id == facility_id)
    return dict(db.session.execute(stmt).all())


def detail(request_id: int) -> dict:
    """Everything shown on a request's page, in a fixed number of queries."""
    return {
        "events": db.session.scalars(
            sa.select(RequestEvent)
            .where(RequestEvent.request_id == request_id)
            .order_by(RequestEvent.occurred_at, RequestEvent.id)
        ).all(),
        "messages": db.session.scalars(
            sa.select(RequestMessage)
            .where(RequestMessage.request_id == request_id)
            .order_by(RequestMessage.created_at, RequestMessage.id)
        ).all(),
        "files": db.session.scalars(
            sa.select(RequestFile)
            .where(RequestFile.request_id == request_id)
            .order_by(RequestFile.id)
        ).all(),
        "quotes": db.session.scalars(
            sa.select(Quote).where(Quote.request_id == request_id).order_by(Quote.revision.desc())
        ).all(),
    }
