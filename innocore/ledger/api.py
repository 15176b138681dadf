"""Charges and statements through /api/v1."""

from __future__ import annotations

from decimal import Decimal

from flask_login import current_user
from pydantic import BaseModel, Field

from innocore.api.core import Q, api_blueprint, operation, paginated
from innocore.clock import api_time
from innocore.errors import Forbidden
from innocore.extensions import db
from innocore.facilities.services import get_facility
from innocore.ledger import services
from innocore.ledger import statements as queries
from innocore.ledger.views import _organisation, period_from_args
from innocore.marks import N_
from innocore.permissions import can_manage_facility

bp = api_blueprint("charges_api", __name__)
TAGS = ["charges"]
PERIOD = {
    "from": Q("first month, 2026-01 (default: this month)", "month"),
    "to": Q("last month (default: the first)", "month"),
}


class ChargeOut(BaseModel):
    id: int
    source: str
    source_key: str
    organisation_id: int
    user_id: int
    facility_id: int
    instrument_id: int | None
    service_id: int | None
    category: str
    description: str
    unit: str
    rate: str
    quantity: str
    share: str
    amount: str
    currency: str
    incurred_at: str
    period: str


def charge_json(c) -> dict:
    return {
        "id": c.id,
        "source": c.source.value,
        "source_key": c.source_key,
        "organisation_id": c.organisation_id,
        "user_id": c.user_id,
        "facility_id": c.facility_id,
        "instrument_id": c.instrument_id,
        "service_id": c.service_id,
        "category": c.category.value,
        "description": c.description,
        "unit": c.unit,
        "rate": str(c.rate),
        "quantity": str(c.quantity),
        "share": str(c.share),
        "amount": str(c.amount),
        "currency": c.currency,
        "incurred_at": api_time(c.incurred_at),
        "period": c.period_on.strftime("%Y-%m"),
    }


def _totals(rows) -> list[dict]:
    return [{"currency": cur, "count": n, "total": str(total)} for cur, n, total in rows]


def _groups(rows) -> list[dict]:
    return [
        {"key": str(getattr(key, "value", key)), "currency": cur, "count": n, "total": str(t)}
        for key, cur, n, t in rows
    ]


@operation(
    bp,
    "/charges",
    "GET",
    summary="My charges over a period",
    tags=TAGS,
    paginated=True,
    response=ChargeOut,
    query=PERIOD,
)
def my_charges():
    return paginated(queries.lines(period_from_args(), user_id=current_user.id), charge_json)


@operation(
    bp,
    "/organisations/<int:organisation_id>/statement",
    "GET",
    tags=TAGS,
    paginated=True,
    summary="An organisation's statement: totals and a page of lines (company admins)",
    response=ChargeOut,
    query=PERIOD,
)
def organisation_statement(organisation_id: int):
    org, period = _organisation(organisation_id), period_from_args()
    out = paginated(queries.lines(period, organisation_id=org.id), charge_json)
    out["totals"] = _totals(queries.totals(period, organisation_id=org.id))
    out["period"] = {"from": period.start.strftime("%Y-%m"), "to": period.end.strftime("%Y-%m")}
    return out


@operation(
    bp,
    "/facilities/<int:facility_id>/revenue",
    "GET",
    tags=TAGS,
    query=PERIOD,
    summary="A facility's revenue by category, instrument, service and source (its managers)",
)
def facility_revenue(facility_id: int):
    facility = get_facility(facility_id)
    if not can_manage_facility(current_user, facility):
        raise Forbidden(N_("Only the facility's managers see its revenue."))
    period, scope = period_from_args(), {"facility_id": facility.id}
    return {
        "period": {"from": period.start.strftime("%Y-%m"), "to": period.end.strftime("%Y-%m")},
        "totals": _totals(queries.totals(period, **scope)),
        "by_category": _groups(queries.by_category(period, **scope)),
        "by_instrument": _groups(queries.by_instrument(period, **scope)),
        "by_service": _groups(queries.by_service(period, **scope)),
        "by_source": _groups(queries.by_source(period, **scope)),
    }


@operation(
    bp,
    "/charges/network",
    "GET",
    summary="Revenue of the whole network (network admins)",
    tags=TAGS,
    query=PERIOD,
    permission=lambda user: bool(user.is_network_admin),
)
def network_revenue():
    period = period_from_args()
    return {
        "period": {"from": period.start.strftime("%Y-%m"), "to": period.end.strftime("%Y-%m")},
        "totals": _totals(queries.totals(period)),
        "by_facility": _groups(queries.by_facility(period)),
        "by_category": _groups(queries.by_category(period)),
    }


class PolicyIn(BaseModel):
    currency: str = Field(min_length=3, max_length=3, description="ISO 4217, e.g. EUR")
    late_cancel_share: Decimal = Field(ge=0, le=1)
    no_show_share: Decimal = Field(ge=0, le=1)


class PolicyOut(BaseModel):
    facility_id: int
    currency: str
    late_cancel_share: str
    no_show_share: str


def _manages(user, facility_id: int) -> bool:
    return can_manage_facility(user, get_facility(facility_id))


@operation(
    bp,
    "/facilities/<int:facility_id>/charge-policy",
    "PUT",
    tags=TAGS,
    summary="A facility's currency and the shares charged for late cancellations and "
    "no-shows (managers)",
    body=PolicyIn,
    response=PolicyOut,
    permission=_manages,
)
def set_policy(facility_id: int, body: PolicyIn):
    policy = services.update_policy(
        current_user,
        get_facility(facility_id),
        currency=body.currency,
        late_cancel_share=body.late_cancel_share,
        no_show_share=body.no_show_share,
    )
    db.session.commit()
    return {
        "facility_id": facility_id,
        "currency": policy.currency,
        "late_cancel_share": str(policy.late_cancel_share),
        "no_show_share": str(policy.no_show_share),
    }
