"""JSON API for career pathways: everything the pages do, through the same services."""

from __future__ import annotations

import sqlalchemy as sa
from flask import jsonify
from flask_login import current_user
from pydantic import BaseModel, Field

from innocore.api.core import api_blueprint, operation, signed_in
from innocore.extensions import db
from training.challenges.api import ChallengeNeedIn
from training.pathways import services
from training.pathways.models import RoleProfile

bp = api_blueprint("pathways_api", __name__)
TAGS = ["Career pathways"]


class RoleProfileIn(BaseModel):
    code: str = Field(min_length=1, max_length=40)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    esco_uri: str | None = Field(default=None, max_length=300)
    targets: list[ChallengeNeedIn] = Field(min_length=1, max_length=30)


class TargetOut(BaseModel):
    competence_id: int
    title: str
    level: int


class RoleProfileOut(BaseModel):
    id: int
    code: str
    title: str
    description: str
    esco_uri: str | None
    targets: list[TargetOut]


class GapLineOut(BaseModel):
    competence_id: int
    target: int
    held: int
    closed: bool
    modules: list[int] = Field(
        description="published taught modules (kind course) awarding it at the level; "
        "challenge-based learning and placement modules are reached through the challenges "
        "and placements listed"
    )
    challenges: list[int] = Field(description="open challenges whose module awards it")
    placements: list[int] = Field(description="open placements whose module awards it")


class TalentOut(BaseModel):
    matching: str = Field(description='a number, or "fewer than 3"')
    opted_in: str


class OptInIn(BaseModel):
    opted_in: bool


class OptInOut(BaseModel):
    opted_in: bool


class ContactIn(BaseModel):
    message: str = Field(min_length=1, max_length=3000)


class ContactOut(BaseModel):
    contacted: int


def profile_json(p: RoleProfile) -> dict:
    return {
        "id": p.id,
        "code": p.code,
        "title": p.title,
        "description": p.description,
        "esco_uri": p.esco_uri,
        "targets": [
            {"competence_id": t.competence_id, "title": t.competence.title, "level": t.level}
            for t in p.targets
        ],
    }


def _input(body: RoleProfileIn) -> services.ProfileInput:
    return services.ProfileInput(
        code=body.code,
        title=body.title,
        description=body.description,
        esco_uri=body.esco_uri,
        targets=[(t.competence_id, t.level) for t in body.targets],
    )


def _admin(user, **_) -> bool:
    return services.can_manage_profiles(user)


@operation(
    bp,
    "/role-profiles",
    "GET",
    tags=TAGS,
    response=RoleProfileOut,
    listed=True,
    summary="Role profiles",
    permission=signed_in,
)
def list_profiles():
    rows = db.session.scalars(
        sa.select(RoleProfile).where(RoleProfile.active.is_(True)).order_by(RoleProfile.title)
    )
    return [profile_json(p) for p in rows]


@operation(
    bp,
    "/role-profiles",
    "POST",
    tags=TAGS,
    body=RoleProfileIn,
    response=RoleProfileOut,
    status=201,
    summary="Define a role profile (network admins)",
    permission=_admin,
)
def create_profile(body: RoleProfileIn):
    p = services.save_role_profile(current_user, _input(body))
    db.session.commit()
    return jsonify(profile_json(p)), 201


@operation(
    bp,
    "/role-profiles/<code>",
    "PUT",
    tags=TAGS,
    body=RoleProfileIn,
    response=RoleProfileOut,
    summary="Change a role profile",
    permission=_admin,
)
def update_profile(code: str, body: RoleProfileIn):
    p = services.save_role_profile(current_user, _input(body), services.get_profile(code))
    db.session.commit()
    return profile_json(p)


@operation(
    bp,
    "/role-profiles/<code>/gap",
    "GET",
    tags=TAGS,
    response=GapLineOut,
    listed=True,
    summary="My gap to a profile and what closes it",
    permission=signed_in,
)
def my_gap(code: str):
    g = services.gap_for(current_user, services.get_profile(code))
    return [
        {
            "competence_id": line.competence_id,
            "target": line.target,
            "held": line.held,
            "closed": line.closed,
            "modules": [m.id for m, _ in g["modules"].get(line.competence_id, [])],
            "challenges": [c.id for c in g["challenges"].get(line.competence_id, [])],
            "placements": [p.id for p in g["placements"].get(line.competence_id, [])],
        }
        for line in g["lines"]
    ]


@operation(
    bp,
    "/role-profiles/<code>/talent",
    "GET",
    tags=TAGS,
    response=TalentOut,
    summary="Anonymous counts of people matching (companies)",
    permission=lambda user, **_: services.can_scout(user),
)
def talent(code: str):
    return services.talent(current_user, services.get_profile(code))


@operation(
    bp,
    "/me/career-opt-in",
    "PUT",
    tags=TAGS,
    body=OptInIn,
    response=OptInOut,
    summary="Let companies contact me about profiles I match",
    permission=signed_in,
)
def opt_in(body: OptInIn):
    services.set_opt_in(current_user, body.opted_in)
    db.session.commit()
    return {"opted_in": body.opted_in}


@operation(
    bp,
    "/role-profiles/<code>/contact",
    "POST",
    tags=TAGS,
    body=ContactIn,
    response=ContactOut,
    summary="Write to opted-in people matching (company staff)",
    permission=lambda user, **_: services.can_scout(user),
)
def contact(code: str, body: ContactIn):
    n = services.contact(current_user, services.get_profile(code), body.message)
    db.session.commit()
    return {"contacted": n}
