"""Services, requests (create, transitions, messages), quotes and the directory through /api/v1."""

from __future__ import annotations

import base64
import binascii
from datetime import date
from decimal import Decimal
from typing import Literal

from flask import request as http_request
from flask_login import current_user
from pydantic import BaseModel, Field

from innocore.api.core import (
    Q,
    api_blueprint,
    enum_values,
    json_object,
    operation,
    paginated,
    signed_in,
)
from innocore.clock import api_time
from innocore.errors import DomainError, Forbidden, Problem
from innocore.extensions import db
from innocore.links import absolute_url
from innocore.marks import N_
from innocore.vocab import UserCategory
from instruments.requests import offerings, queries, rules, services
from instruments.requests.models import RequestStatus, ServiceUnit
from instruments.requests.permissions import can_handle_request, can_manage_services

bp = api_blueprint("requests_api", __name__)
TAGS = ["service requests"]


# ---- shapes ------------------------------------------------------------------------------------


class ServiceIn(BaseModel):
    facility_id: int
    name: str = Field(max_length=200)
    unit: ServiceUnit
    description: str = Field("", max_length=20000)
    deliverables: str = Field("", max_length=20000)
    expertise: str = Field("", max_length=20000)
    turnaround_days: int | None = None
    prices: dict[UserCategory, Decimal] = Field(default_factory=dict)
    instrument_ids: list[int] = Field(default_factory=list, max_length=100)
    active: bool = True


class ServiceOut(BaseModel):
    id: int
    facility_id: int
    name: str
    unit: ServiceUnit
    description: str
    deliverables: str
    expertise: str
    turnaround_days: int | None
    prices: dict[str, str]
    instrument_ids: list[int]
    active: bool


class AttachmentIn(BaseModel):
    filename: str = Field(max_length=200)
    content_type: str = Field(max_length=100)
    data_base64: str = Field(max_length=15 * 1024 * 1024)


class RequestIn(BaseModel):
    facility_id: int
    service_id: int | None = None
    title: str = Field(max_length=200)
    description: str = Field(max_length=20000)
    samples: int | None = None
    desired_start_on: date | None = None
    desired_end_on: date | None = None
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)
    account_id: int | None = Field(None, ge=1, le=2**31 - 1, description="billing account charged")


class RequestOut(BaseModel):
    id: int
    facility_id: int
    service_id: int | None
    requester_id: int
    organisation_id: int
    account_id: int | None = None
    category: UserCategory
    title: str
    description: str
    samples: int | None
    status: str
    reason: str | None
    closing_note: str | None
    submitted_at: str
    age_days: int


class TransitionIn(BaseModel):
    action: Literal["withdraw", "reject", "start", "deliver", "close"]
    reason: str = Field("", max_length=5000)
    closing_note: str = Field("", max_length=20000)
    rating: int | None = None
    comment: str = Field("", max_length=5000)


class MessageIn(BaseModel):
    body: str = Field(max_length=20000)


class MessageOut(BaseModel):
    id: int
    author_id: int
    author: str
    body: str
    created_at: str


class LineIn(BaseModel):
    description: str = Field(max_length=300)
    unit: str = Field("", max_length=40)
    quantity: Decimal
    unit_price: Decimal


class QuoteIn(BaseModel):
    lines: list[LineIn] = Field(max_length=rules.MAX_LINES)
    valid_until_on: date
    terms: str = Field("", max_length=20000)


class QuoteOut(BaseModel):
    id: int
    request_id: int
    revision: int
    status: str
    category: UserCategory
    currency: str
    valid_until_on: str
    total: str
    lines: list[dict]
    pdf: str
    account_approval: str | None = Field(
        None,
        description="awaiting, approved or refused: the account owner's decision on an accepted "
        "total above the account's approval threshold; null when none was needed",
    )


class DeliverableIn(BaseModel):
    label: str = Field("", max_length=200)
    url: str = Field(max_length=500)


# ---- serialisers -------------------------------------------------------------------------------


def service_json(s) -> dict:
    return {
        "id": s.id,
        "facility_id": s.facility_id,
        "name": s.name,
        "unit": s.unit.value,
        "description": s.description,
        "deliverables": s.deliverables,
        "expertise": s.expertise,
        "turnaround_days": s.turnaround_days,
        "prices": {p.category.value: str(p.price) for p in s.prices},
        "instrument_ids": [i.id for i in s.instruments],
        "active": s.active,
    }


def request_json(r) -> dict:
    from innocore import clock

    return {
        "id": r.id,
        "facility_id": r.facility_id,
        "service_id": r.service_id,
        "requester_id": r.requester_id,
        "organisation_id": r.organisation_id,
        "account_id": r.account_id,
        "category": r.category.value,
        "title": r.title,
        "description": r.description,
        "samples": r.samples,
        "status": r.status.value,
        "reason": r.reason,
        "closing_note": r.closing_note,
        "submitted_at": api_time(r.submitted_at),
        "age_days": rules.age_days(r.submitted_at, clock.now()),
    }


def quote_json(q) -> dict:
    return {
        "id": q.id,
        "request_id": q.request_id,
        "revision": q.revision,
        "status": q.status.value,
        "category": q.category.value,
        "currency": q.currency,
        "valid_until_on": api_time(q.valid_until_on),
        "total": str(q.total),
        "lines": [
            {
                "description": x.description,
                "unit": x.unit,
                "quantity": str(x.quantity),
                "unit_price": str(x.unit_price),
                "amount": str(x.amount),
            }
            for x in q.lines
        ],
        "pdf": absolute_url("requests.quote_document", request_id=q.request_id, quote_id=q.id),
        "account_approval": q.account_approval.value if q.account_approval else None,
    }


def message_json(m) -> dict:
    return {
        "id": m.id,
        "author_id": m.author_id,
        "author": m.author.name,
        "body": m.body,
        "created_at": api_time(m.created_at),
    }


def _visible(user, request_id: int, **_) -> bool:
    services.get_request(user, request_id)  # 404 for other tenants' ids, before the body is read
    return True


def _manages_facility(user, **_) -> bool:
    facility_id = (json_object() or {}).get("facility_id")
    if not isinstance(facility_id, int) or isinstance(facility_id, bool):
        return True  # let validation report the missing field
    return can_manage_services(user, offerings.get_facility(facility_id))


def _manages_service(user, service_id: int) -> bool:
    return can_manage_services(user, offerings.get_service(service_id).facility)


# ---- services ----------------------------------------------------------------------------------


@operation(
    bp,
    "/services",
    "GET",
    summary="Requestable services of the network",
    tags=TAGS,
    paginated=True,
    response=ServiceOut,
    query={"facility_id": Q("one facility", "integer"), "q": "free text"},
)
def list_services():
    facility_id = http_request.args.get("facility_id", type=int)
    q = (http_request.args.get("q") or "").strip()[:100] or None
    return paginated(offerings.list_services(facility_id=facility_id, q=q), service_json)


@operation(
    bp, "/services/<int:service_id>", "GET", summary="One service", tags=TAGS, response=ServiceOut
)
def get_service(service_id: int):
    return service_json(offerings.get_service(service_id))


def _service_data(body: ServiceIn) -> offerings.ServiceData:
    return offerings.ServiceData(
        name=body.name,
        unit=body.unit,
        description=body.description,
        deliverables=body.deliverables,
        expertise=body.expertise,
        turnaround_days=body.turnaround_days,
        prices=dict(body.prices),
        instrument_ids=body.instrument_ids,
        active=body.active,
    )


@operation(
    bp,
    "/services",
    "POST",
    summary="List a service (facility managers)",
    tags=TAGS,
    body=ServiceIn,
    response=ServiceOut,
    status=201,
    permission=_manages_facility,
)
def create_service(body: ServiceIn):
    service = offerings.create_service(current_user, body.facility_id, _service_data(body))
    db.session.commit()
    return service_json(service), 201


@operation(
    bp,
    "/services/<int:service_id>",
    "PUT",
    summary="Replace a service (facility managers)",
    tags=TAGS,
    body=ServiceIn,
    response=ServiceOut,
    permission=lambda user, service_id: _manages_service(user, service_id),
)
def update_service(service_id: int, body: ServiceIn):
    if body.facility_id != offerings.get_service(service_id).facility_id:
        raise DomainError(
            Problem("facility_id", N_("A service stays at its facility."), "facility_id")
        )
    service = offerings.update_service(current_user, service_id, _service_data(body))
    db.session.commit()
    return service_json(service)


@operation(
    bp,
    "/expertise",
    "GET",
    summary="Expertise directory: facilities matching a search",
    tags=TAGS,
    paginated=True,
    query={"q": "free text over instruments, services, expertise"},
)
def expertise_directory():
    q = (http_request.args.get("q") or "").strip()[:100] or None
    stmt = offerings.directory(q)

    def facility_json(f):
        return {
            "id": f.id,
            "slug": f.slug,
            "name": f.name,
            "technologies": [t.value for t in f.technologies],
            "profile": absolute_url("requests.profile", slug=f.slug),
        }

    return paginated(stmt, facility_json)


# ---- requests ----------------------------------------------------------------------------------


@operation(
    bp,
    "/requests",
    "GET",
    summary="Service requests I may see",
    tags=TAGS,
    paginated=True,
    response=RequestOut,
    query={
        "scope": Q(
            "mine (default), inbox (facility staff) or company (company admins)",
            enum=("mine", "inbox", "company"),
        ),
        "status": Q("a status, or 'open'", enum=(*enum_values(RequestStatus), "open")),
    },
)
def list_requests():
    scope = http_request.args.get("scope", "mine")
    statuses = queries.parse_statuses(http_request.args.getlist("status"))
    if scope == "inbox":
        stmt = queries.inbox(current_user, statuses=statuses)
    elif scope == "company":
        if not current_user.is_company_admin:
            raise Forbidden(N_("Only company administrators see their company's requests."))
        stmt = queries.of_organisation(current_user.organisation_id, statuses=statuses)
    else:
        stmt = queries.mine(current_user, statuses=statuses)
    return paginated(stmt, request_json)


def _uploads(items: list[AttachmentIn]) -> list[services.Upload]:
    out = []
    for i, item in enumerate(items):
        try:
            data = base64.b64decode(item.data_base64, validate=True)
        except (binascii.Error, ValueError):
            raise DomainError(
                Problem("base64", N_("The file is not valid base64."), f"attachments.{i}")
            ) from None
        out.append(services.Upload(item.filename, item.content_type, data))
    return out


@operation(
    bp,
    "/requests",
    "POST",
    summary="Submit a service or collaboration request",
    tags=TAGS,
    body=RequestIn,
    response=RequestOut,
    status=201,
    permission=signed_in,
)
def create_request(body: RequestIn):
    data = services.RequestInput(
        title=body.title,
        description=body.description,
        samples=body.samples,
        desired_start_on=body.desired_start_on,
        desired_end_on=body.desired_end_on,
        attachments=_uploads(body.attachments),
        account_id=body.account_id,
    )
    row = services.submit_request(current_user, body.facility_id, body.service_id, data)
    db.session.commit()
    return request_json(row), 201


@operation(
    bp,
    "/requests/<int:request_id>",
    "GET",
    summary="One request with its history",
    tags=TAGS,
    response=RequestOut,
)
def get_request(request_id: int):
    row = services.get_request(current_user, request_id)
    detail = queries.detail(row.id)
    out = request_json(row)
    out["history"] = [
        {
            "from": e.from_status.value if e.from_status else None,
            "to": e.to_status.value,
            "at": api_time(e.occurred_at),
            "actor_id": e.actor_id,
            "note": e.note,
        }
        for e in detail["events"]
    ]
    out["files"] = [
        {
            "id": f.id,
            "kind": f.kind.value,
            "label": f.label,
            "url": f.url,
            "size_bytes": f.size_bytes,
            "download": absolute_url("requests.download", file_id=f.id),
        }
        for f in detail["files"]
    ]
    out["quotes"] = [quote_json(q) for q in detail["quotes"]]
    return out


@operation(
    bp,
    "/requests/<int:request_id>/transitions",
    "POST",
    tags=TAGS,
    body=TransitionIn,
    summary="Move a request on: withdraw, reject, start, deliver or close",
    response=RequestOut,
    permission=_visible,
)
def transition(request_id: int, body: TransitionIn):
    actions = {
        "withdraw": lambda: services.withdraw_request(current_user, request_id, body.reason),
        "reject": lambda: services.reject_request(current_user, request_id, body.reason),
        "start": lambda: services.start_work(current_user, request_id),
        "deliver": lambda: services.deliver(current_user, request_id, body.closing_note),
        "close": lambda: services.close_request(
            current_user, request_id, rating=body.rating, comment=body.comment
        ),
    }
    row = actions[body.action]()
    db.session.commit()
    return request_json(row)


@operation(
    bp,
    "/requests/<int:request_id>/messages",
    "GET",
    summary="The request's thread",
    tags=TAGS,
    response=MessageOut,
    listed=True,
)
def list_messages(request_id: int):
    row = services.get_request(current_user, request_id)
    return [message_json(m) for m in queries.detail(row.id)["messages"]]


@operation(
    bp,
    "/requests/<int:request_id>/messages",
    "POST",
    summary="Write in the request's thread",
    tags=TAGS,
    body=MessageIn,
    response=MessageOut,
    status=201,
    permission=_visible,
)
def post_message(request_id: int, body: MessageIn):
    message = services.post_message(current_user, request_id, body.body)
    db.session.commit()
    return message_json(message), 201


@operation(
    bp,
    "/requests/<int:request_id>/quotes",
    "GET",
    summary="Quotes of a request",
    tags=TAGS,
    response=QuoteOut,
    listed=True,
)
def list_quotes(request_id: int):
    row = services.get_request(current_user, request_id)
    return [quote_json(q) for q in queries.detail(row.id)["quotes"]]


def _staff_of(user, request_id: int, **_) -> bool:
    return can_handle_request(user, services.get_request(user, request_id))


@operation(
    bp,
    "/requests/<int:request_id>/quotes",
    "POST",
    tags=TAGS,
    body=QuoteIn,
    status=201,
    summary="Quote a request (facility staff); a new quote supersedes the open one",
    response=QuoteOut,
    permission=_staff_of,
)
def create_quote(request_id: int, body: QuoteIn):
    lines = [rules.LineInput(x.description, x.unit, x.quantity, x.unit_price) for x in body.lines]
    quote = services.issue_quote(
        current_user, request_id, lines, valid_until_on=body.valid_until_on, terms=body.terms
    )
    db.session.commit()
    return quote_json(quote), 201


@operation(
    bp,
    "/requests/<int:request_id>/quotes/<int:quote_id>/<any(accept, decline):decision>",
    "POST",
    summary="Accept or decline a quote (the requester)",
    tags=TAGS,
    response=QuoteOut,
    permission=_visible,
)
def decide_quote(request_id: int, quote_id: int, decision: str):
    fn = services.accept_quote if decision == "accept" else services.decline_quote
    quote = fn(current_user, request_id, quote_id)
    db.session.commit()
    return quote_json(quote)


@operation(
    bp,
    "/requests/<int:request_id>/deliverables",
    "POST",
    tags=TAGS,
    body=DeliverableIn,
    summary="Add a link deliverable (facility staff)",
    status=201,
    permission=_staff_of,
)
def add_deliverable(request_id: int, body: DeliverableIn):
    row = services.add_deliverable(current_user, request_id, label=body.label, url=body.url)
    db.session.commit()
    return {"id": row.id, "label": row.label, "url": row.url}, 201
