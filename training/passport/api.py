"""JSON API for the competence passport and its share links."""

from __future__ import annotations

from datetime import datetime

from flask import jsonify
from flask_login import current_user
from pydantic import BaseModel, Field

from innocore.api.core import api_blueprint, operation, signed_in
from innocore.clock import api_time
from innocore.extensions import db
from training.passport import services

bp = api_blueprint("passport_api", __name__)


class PassportEntryOut(BaseModel):
    competence_id: int
    competence_code: str
    competence: str
    level: int
    level_name: str
    facility_id: int | None
    facility: str
    valid_until: datetime | None
    recognised: bool
    certificate: str
    verify_url: str


class PassportOut(BaseModel):
    holder: dict
    network: str
    generated_at: datetime
    competences: list[PassportEntryOut]


class LinkIn(BaseModel):
    label: str = Field(default="", max_length=120)


class LinkOut(BaseModel):
    id: int
    label: str
    created_at: datetime
    revoked_at: datetime | None
    url: str | None = None


def _link(link, raw: str | None = None) -> dict:
    return {
        "id": link.id,
        "label": link.label,
        "created_at": api_time(link.created_at),
        "revoked_at": api_time(link.revoked_at),
        "url": services.shared_url(raw) if raw else None,
    }


@operation(
    bp,
    "/passport",
    "GET",
    summary="My competence passport",
    tags=["Passport"],
    response=PassportOut,
)
def get_passport():
    return jsonify(services.document(current_user))


@operation(
    bp,
    "/passport/links",
    "GET",
    summary="My passport share links still in force",
    tags=["Passport"],
    response=LinkOut,
    listed=True,
)
def list_links():
    return [_link(x) for x in services.active_links(current_user.id)]


@operation(
    bp,
    "/passport/links",
    "POST",
    summary="Create a share link (its URL is returned once)",
    tags=["Passport"],
    body=LinkIn,
    permission=signed_in,
    response=LinkOut,
    status=201,
)
def create_link(body: LinkIn):
    link, raw = services.create_link(current_user, body.label)
    db.session.commit()
    return jsonify(_link(link, raw)), 201


@operation(
    bp,
    "/passport/links/<int:link_id>/revoke",
    "POST",
    summary="Revoke a share link",
    tags=["Passport"],
    response=LinkOut,
)
def revoke_link(link_id: int):
    link = services.revoke_link(current_user, link_id)
    db.session.commit()
    return jsonify(_link(link))


@operation(
    bp,
    "/passport/shared/<token>",
    "GET",
    summary="A passport shared by its holder's link",
    tags=["Passport"],
    response=PassportOut,
    public=True,
)
def get_shared(token: str):
    return jsonify(services.document(services.holder_for_token(token)))
