"""Company administration through /api/v1: employees, invitations and administrator roles.

Each operation calls the service its page (``company_views``) calls.
"""

from __future__ import annotations

from flask_login import current_user
from pydantic import BaseModel

from innocore.accounts.addresses import EmailText
from innocore.api.core import api_blueprint, operation
from innocore.clock import api_time
from innocore.extensions import db
from innocore.membership import companies

bp = api_blueprint("companies_api", __name__, "/company")
TAGS = ["company"]


def _company_admin(user, **_) -> bool:
    return bool(user.is_company_admin)


class InviteIn(BaseModel):
    email: EmailText


class InvitationOut(BaseModel):
    id: int
    email: str
    created_at: str
    expires_at: str
    used_at: str | None
    revoked_at: str | None


class CompanyRoleIn(BaseModel):
    admin: bool


class EmployeeOut(BaseModel):
    id: int
    name: str
    email: str
    role: str


def invitation_json(i) -> dict:
    return {
        "id": i.id,
        "email": i.email,
        "created_at": api_time(i.created_at),
        "expires_at": api_time(i.expires_at),
        "used_at": api_time(i.used_at),
        "revoked_at": api_time(i.revoked_at),
    }


def employee_json(u) -> dict:
    return {"id": u.id, "name": u.name, "email": u.email, "role": u.org_role.value}


@operation(
    bp,
    "/invitations",
    "GET",
    summary="My company's invitations (company admins)",
    tags=TAGS,
    response=InvitationOut,
    listed=True,
    permission=_company_admin,
)
def list_invitations():
    return [invitation_json(i) for i in companies.list_invitations(current_user)]


@operation(
    bp,
    "/invitations",
    "POST",
    summary="Invite a person to my company (company admins)",
    tags=TAGS,
    body=InviteIn,
    response=InvitationOut,
    status=201,
    permission=_company_admin,
)
def invite(body: InviteIn):
    invitation, _ = companies.invite_employee(current_user, body.email)
    db.session.commit()
    return invitation_json(invitation), 201


@operation(
    bp,
    "/invitations/<int:invitation_id>/revoke",
    "POST",
    tags=TAGS,
    summary="Revoke a pending invitation (company admins)",
    response=InvitationOut,
    permission=_company_admin,
)
def revoke_invitation(invitation_id: int):
    invitation = companies.revoke_invitation(current_user, invitation_id)
    db.session.commit()
    return invitation_json(invitation)


@operation(
    bp,
    "/people/<int:user_id>/role",
    "PUT",
    tags=TAGS,
    body=CompanyRoleIn,
    summary="Make an employee a company administrator, or back (company admins)",
    response=EmployeeOut,
    permission=_company_admin,
)
def set_role(user_id: int, body: CompanyRoleIn):
    user = companies.set_admin(current_user, user_id, body.admin)
    db.session.commit()
    return employee_json(user)
