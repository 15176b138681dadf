"""Verified membership through /api/v1: my membership and organisation; administrators' domains
and decisions. Each operation calls the service its page (``membership_views``) calls."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import request
from flask_login import current_user
from pydantic import BaseModel, Field

from innocore.accounts.models import Organisation
from innocore.api.core import Q, api_blueprint, operation, paginated, signed_in
from innocore.clock import api_time
from innocore.errors import DomainError, Problem
from innocore.extensions import db
from innocore.marks import N_
from innocore.membership import membership
from innocore.permissions import can_administer_organisation

bp = api_blueprint("membership_api", __name__)
TAGS = ["membership"]
STATES = ("pending", "verified", "declined")


def _administers(user, organisation_id: int, **_) -> bool:
    org = db.session.get(Organisation, organisation_id)
    return org is not None and can_administer_organisation(user, org)


class MyMembershipOut(BaseModel):
    organisation_id: int
    verified: bool
    method: str | None
    verified_at: datetime | None
    declined_at: datetime | None
    explanation: str


class MyOrganisationIn(BaseModel):
    organisation_id: int = Field(ge=1, le=2**31 - 1)


class OrganisationMemberOut(BaseModel):
    id: int
    name: str
    email: str
    verified: bool
    method: str | None
    verified_at: datetime | None
    declined_at: datetime | None


class MembershipDecisionIn(BaseModel):
    decision: Literal["approved", "declined", "revoked"]


class OrganisationDomainIn(BaseModel):
    domain: str = Field(min_length=1, max_length=253)


class OrganisationDomainOut(BaseModel):
    id: int
    domain: str
    created_at: datetime
    verified_now: int = 0


def _iso(value) -> str | None:
    """Dates and instants as ISO 8601 (Flask would write HTTP dates)."""
    return api_time(value)


def status_json(user) -> dict:
    status = membership.membership_status(user)
    return status | {k: _iso(status[k]) for k in ("verified_at", "declined_at")}


def member_json(u) -> dict:
    return {
        "id": u.id,
        "name": u.name,
        "email": u.email,
        "verified": u.membership_verified_at is not None,
        "method": u.membership_method.value if u.membership_method else None,
        "verified_at": _iso(u.membership_verified_at),
        "declined_at": _iso(u.membership_declined_at),
    }


def domain_json(d, verified_now: int = 0) -> dict:
    return {
        "id": d.id,
        "domain": d.domain,
        "created_at": _iso(d.created_at),
        "verified_now": verified_now,
    }


@operation(
    bp,
    "/me/membership",
    "GET",
    summary="Whether my organisation membership is verified",
    tags=TAGS,
    response=MyMembershipOut,
    permission=signed_in,
)
def my_membership():
    return status_json(current_user)


@operation(
    bp,
    "/me/organisation",
    "PUT",
    tags=TAGS,
    body=MyOrganisationIn,
    summary="Claim another (non-company) organisation; the membership is verified again",
    response=MyMembershipOut,
    permission=signed_in,
)
def change_my_organisation(body: MyOrganisationIn):
    org = db.session.get(Organisation, body.organisation_id)
    if org is None:
        raise DomainError(
            Problem("organisation_unknown", N_("No such organisation."), "organisation_id")
        )
    membership.change_organisation(current_user, org)
    db.session.commit()
    return status_json(current_user)


@operation(
    bp,
    "/organisations/<int:organisation_id>/members",
    "GET",
    tags=TAGS,
    summary="People claiming an organisation, by state (its administrators)",
    response=OrganisationMemberOut,
    paginated=True,
    permission=_administers,
    query={"state": Q("pending (default), verified or declined", enum=STATES)},
)
def list_members(organisation_id: int):
    org = membership.organisation_for(current_user, organisation_id)
    return paginated(
        membership.members_query(org, request.args.get("state", "pending")), member_json
    )


@operation(
    bp,
    "/organisations/<int:organisation_id>/members/<int:user_id>/decision",
    "POST",
    tags=TAGS,
    body=MembershipDecisionIn,
    response=OrganisationMemberOut,
    permission=_administers,
    summary="Approve, decline or revoke a person's membership (its administrators)",
)
def decide(organisation_id: int, user_id: int, body: MembershipDecisionIn):
    user = membership.decide(current_user, organisation_id, user_id, body.decision)
    db.session.commit()
    return member_json(user)


@operation(
    bp,
    "/organisations/<int:organisation_id>/domains",
    "GET",
    tags=TAGS,
    summary="E-mail domains that verify membership (its administrators)",
    response=OrganisationDomainOut,
    listed=True,
    permission=_administers,
)
def list_domains(organisation_id: int):
    org = membership.organisation_for(current_user, organisation_id)
    return [domain_json(d) for d in membership.list_domains(org)]


@operation(
    bp,
    "/organisations/<int:organisation_id>/domains",
    "POST",
    tags=TAGS,
    summary="Register an e-mail domain; pending people with a confirmed address in it are "
    "verified at once",
    body=OrganisationDomainIn,
    response=OrganisationDomainOut,
    status=201,
    permission=_administers,
)
def add_domain(organisation_id: int, body: OrganisationDomainIn):
    row, verified = membership.add_domain(current_user, organisation_id, body.domain)
    db.session.commit()
    return domain_json(row, verified), 201


@operation(
    bp,
    "/organisations/<int:organisation_id>/domains/<int:domain_id>/remove",
    "POST",
    tags=TAGS,
    summary="Stop verifying addresses in a domain (its administrators)",
    permission=_administers,
)
def remove_domain(organisation_id: int, domain_id: int):
    membership.remove_domain(current_user, organisation_id, domain_id)
    db.session.commit()
    return {"removed": True}
