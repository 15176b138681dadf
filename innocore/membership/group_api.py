"""Research groups and billing accounts through /api/v1 (the services the group pages call)."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from flask import request
from flask_login import current_user
from pydantic import BaseModel, Field

from innocore import groups
from innocore.api.core import Q, api_blueprint, operation, paginated, signed_in
from innocore.clock import api_time
from innocore.errors import NotFound
from innocore.extensions import db
from innocore.marks import N_

bp = api_blueprint("groups_api", __name__)
TAGS = ["groups and accounts"]


class GroupIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class GroupOut(BaseModel):
    id: int
    name: str
    organisation_id: int
    pi_id: int
    pi_name: str


class GroupMemberOut(BaseModel):
    group_id: int
    user_id: int
    name: str
    status: str
    requested_at: datetime
    decided_at: datetime | None


class GroupDecisionIn(BaseModel):
    decision: Literal["approved", "declined", "removed"]


class BillingAccountIn(BaseModel):
    kind: Literal["grant", "cost_centre", "purchase_order"]
    code: str = Field(min_length=1, max_length=80)
    name: str = Field(min_length=1, max_length=200)
    valid_from: date
    valid_until: date | None = None
    budget: Decimal | None = Field(None, ge=0, le=Decimal("9999999999"), decimal_places=2)
    approval_threshold: Decimal | None = Field(
        None,
        ge=0,
        le=Decimal("9999999999"),
        decimal_places=2,
        description="EUR: a booking estimated above it waits for the owner's approval",
    )
    group_id: int | None = Field(None, ge=1, le=2**31 - 1)
    company: bool = False


class BillingAccountOut(BaseModel):
    id: int
    kind: str
    code: str
    name: str
    group_id: int | None
    company_id: int | None
    valid_from: date
    valid_until: date | None
    budget: Decimal | None
    approval_threshold: Decimal | None = None
    spent: Decimal | None = None


class MemberUsageOut(BaseModel):
    user_id: int
    name: str
    hours: Decimal
    spent: Decimal


class GroupUsageOut(BaseModel):
    group_id: int
    accounts: list[BillingAccountOut]
    members: list[MemberUsageOut]


class AccountChargeOut(BaseModel):
    id: int
    user_id: int
    facility_id: int
    description: str
    quantity: Decimal
    unit: str
    amount: Decimal
    currency: str
    incurred_at: datetime


def _iso(value) -> str | None:
    """Dates and instants as ISO 8601 (Flask would write HTTP dates)."""
    return api_time(value)


def group_json(g) -> dict:
    return {
        "id": g.id,
        "name": g.name,
        "organisation_id": g.organisation_id,
        "pi_id": g.pi_id,
        "pi_name": g.pi.name,
    }


def member_json(m) -> dict:
    return {
        "group_id": m.group_id,
        "user_id": m.user_id,
        "name": m.user.name,
        "status": m.status.value,
        "requested_at": _iso(m.requested_at),
        "decided_at": _iso(m.decided_at),
    }


def account_json(a, spent: Decimal | None = None) -> dict:
    return {
        "id": a.id,
        "kind": a.kind.value,
        "code": a.code,
        "name": a.name,
        "group_id": a.group_id,
        "company_id": a.company_id,
        "valid_from": _iso(a.valid_from),
        "valid_until": _iso(a.valid_until),
        "budget": a.budget,
        "approval_threshold": a.approval_threshold,
        "spent": spent,
    }


def _month(raw: str | None, *, last_day: bool = False) -> date | None:
    """``2026-03`` -> 2026-03-01 (or 2026-03-31); the toolkit already refused a bad value."""
    if not raw:
        return None
    year, month = (int(x) for x in raw.split("-"))
    if not last_day:
        return date(year, month, 1)
    return date(year, month, calendar.monthrange(year, month)[1])


def _visible_group(group_id: int):
    group = groups.get_group(group_id)
    if group.organisation_id != current_user.organisation_id and not groups.is_pi(
        current_user, group
    ):
        raise NotFound(N_("No such research group."))
    return group


@operation(
    bp,
    "/groups",
    "GET",
    summary="Research groups of my organisation",
    tags=TAGS,
    response=GroupOut,
    listed=True,
    permission=signed_in,
)
def list_groups():
    return [group_json(g) for g in groups.groups_of_organisation(current_user.organisation_id)]


@operation(
    bp,
    "/groups",
    "POST",
    summary="Found a research group (I become its PI)",
    tags=TAGS,
    body=GroupIn,
    response=GroupOut,
    status=201,
    permission=signed_in,
)
def create_group(body: GroupIn):
    group = groups.create_group(current_user, body.name)
    db.session.commit()
    return group_json(group), 201


@operation(
    bp,
    "/groups/<int:group_id>/members",
    "GET",
    tags=TAGS,
    response=GroupMemberOut,
    summary="A group's members and requests (its members and PI)",
    listed=True,
    permission=signed_in,
)
def list_group_members(group_id: int):
    group = _visible_group(group_id)
    mine = groups._row(group.id, current_user.id)
    if not groups.is_pi(current_user, group) and (
        mine is None or mine.status != groups.GroupMemberStatus.ACTIVE
    ):
        raise NotFound(N_("Only the group's members see who belongs to it."))
    return [member_json(m) for m in groups.members_of(group)]


@operation(
    bp,
    "/groups/<int:group_id>/join",
    "POST",
    summary="Ask to join a group",
    tags=TAGS,
    response=GroupMemberOut,
    status=201,
    permission=signed_in,
)
def join_group(group_id: int):
    row = groups.request_to_join(current_user, group_id)
    db.session.commit()
    return member_json(row), 201


@operation(
    bp,
    "/groups/<int:group_id>/members/<int:user_id>/decision",
    "POST",
    tags=TAGS,
    summary="Approve, decline or remove a member (the PI; a member removes themselves)",
    body=GroupDecisionIn,
    response=GroupMemberOut,
    permission=signed_in,
)
def decide_group_member(group_id: int, user_id: int, body: GroupDecisionIn):
    row = groups.decide_member(current_user, group_id, user_id, body.decision)
    db.session.commit()
    return member_json(row)


@operation(
    bp,
    "/groups/<int:group_id>/usage",
    "GET",
    tags=TAGS,
    response=GroupUsageOut,
    summary="The group's spending per account and usage per member (the PI)",
    permission=signed_in,
    query={
        "from": Q("first month, e.g. 2026-01", "month"),
        "to": Q("last month, e.g. 2026-12", "month"),
    },
)
def group_usage(group_id: int):
    from innocore.ledger.accounts import group_usage as usage_of

    since = _month(request.args.get("from"))
    until = _month(request.args.get("to"), last_day=True)
    usage = usage_of(current_user, group_id, since, until)
    return {
        "group_id": group_id,
        "accounts": [account_json(a, spent) for a, spent in usage["accounts"]],
        "members": [
            {"user_id": u, "name": n, "hours": h or 0, "spent": s or 0}
            for u, n, h, s in usage["members"]
        ],
    }


@operation(
    bp,
    "/billing-accounts",
    "GET",
    tags=TAGS,
    response=BillingAccountOut,
    listed=True,
    summary="Accounts I may charge today",
    permission=signed_in,
)
def my_accounts():
    from innocore.ledger.accounts import chargeable_accounts

    return [account_json(a) for a in chargeable_accounts(current_user)]


@operation(
    bp,
    "/billing-accounts",
    "POST",
    tags=TAGS,
    body=BillingAccountIn,
    response=BillingAccountOut,
    status=201,
    permission=signed_in,
    summary="Open a billing account for my group (PI) or my company (administrators)",
)
def create_account(body: BillingAccountIn):
    from innocore.ledger.accounts import AccountInput, AccountKind
    from innocore.ledger.accounts import create_account as create

    account = create(
        current_user,
        AccountInput(
            kind=AccountKind(body.kind),
            code=body.code,
            name=body.name,
            valid_from=body.valid_from,
            valid_until=body.valid_until,
            budget=body.budget,
            approval_threshold=body.approval_threshold,
            group_id=body.group_id,
            company=body.company,
        ),
    )
    db.session.commit()
    return account_json(account), 201


@operation(
    bp,
    "/billing-accounts/<int:account_id>/charges",
    "GET",
    tags=TAGS,
    response=AccountChargeOut,
    paginated=True,
    permission=signed_in,
    summary="The statement of an account: its charges, newest first (its owners)",
)
def account_charges(account_id: int):
    from innocore.ledger.accounts import statement_of

    _, stmt, _, _ = statement_of(current_user, account_id)
    return paginated(
        stmt,
        lambda c: {
            "id": c.id,
            "user_id": c.user_id,
            "facility_id": c.facility_id,
            "description": c.description,
            "quantity": c.quantity,
            "unit": c.unit,
            "amount": c.amount,
            "currency": c.currency,
            "incurred_at": _iso(c.incurred_at),
        },
    )
