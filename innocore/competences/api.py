"""The competence framework through /api/v1."""

from __future__ import annotations

from flask import request
from flask_login import current_user
from pydantic import BaseModel

from innocore import api_schemas as schemas
from innocore.api.core import TECHNOLOGY, Q, api_blueprint, operation, paginated
from innocore.competences import services
from innocore.errors import DomainError, Problem
from innocore.extensions import db
from innocore.marks import T_
from innocore.permissions import can_add_competence, can_manage_competence
from innocore.vocab import Technology

bp = api_blueprint("competences_api", __name__, "/competences")


def competence_json(c) -> dict:
    return {
        "id": c.id,
        "code": c.code,
        "title": c.title,
        "description": c.description,
        "technology": c.technology.value,
        "facility_id": c.facility_id,
        "levels": [{"level": lv.level, "name": lv.name} for lv in c.levels],
        "esco_uri": c.esco_uri,
        "default_validity_months": c.default_validity_months,
        "lapse_after_days": c.lapse_after_days,
        "retired": c.retired,
    }


def _data(body: schemas.CompetenceIn) -> services.CompetenceData:
    fields = body.model_dump(exclude={"levels"})
    return services.CompetenceData(**fields, levels=list(enumerate(body.levels, start=1)))


@operation(
    bp,
    "",
    "GET",
    summary="The competence framework",
    tags=["competences"],
    paginated=True,
    response=schemas.CompetenceOut,
    query={"technology": TECHNOLOGY, "facility": Q("owning facility id", "integer")},
)
def list_competences():
    tech = request.args.get("technology")
    if tech and tech not in Technology._value2member_map_:
        raise DomainError(
            Problem(
                "invalid_technology",
                T_("Unknown technology '%(tech)s'.", tech=tech[:40]),
                "technology",
            ),
            status=400,
        )
    stmt = services.list_competences(
        technology=Technology(tech) if tech else None,
        facility_id=request.args.get("facility", type=int),
    )
    return paginated(stmt, competence_json)


@operation(
    bp,
    "",
    "POST",
    summary="Add a competence (network-wide or a facility's own)",
    tags=["competences"],
    body=schemas.CompetenceIn,
    response=schemas.CompetenceOut,
    status=201,
    permission=lambda user: can_add_competence(user),
)
def create_competence(body: schemas.CompetenceIn):
    competence = services.create_competence(current_user, _data(body))
    db.session.commit()
    return competence_json(competence), 201


@operation(
    bp,
    "/<int:competence_id>",
    "GET",
    summary="One competence",
    tags=["competences"],
    response=schemas.CompetenceOut,
)
def get_competence(competence_id: int):
    return competence_json(services.get_competence(competence_id))


@operation(
    bp,
    "/<int:competence_id>",
    "PUT",
    summary="Edit a competence (code and owner stay)",
    tags=["competences"],
    body=schemas.CompetenceIn,
    response=schemas.CompetenceOut,
    permission=lambda user, competence_id: can_manage_competence(
        user, services.get_competence(competence_id)
    ),
)
def update_competence(competence_id: int, body: schemas.CompetenceIn):
    competence = services.get_competence(competence_id)
    services.update_competence(current_user, competence, _data(body))
    db.session.commit()
    return competence_json(competence)


class RetireIn(BaseModel):
    retired: bool = True


@operation(
    bp,
    "/<int:competence_id>/retire",
    "POST",
    summary="Retire a competence (no new modules or certificates), or reinstate it",
    tags=["competences"],
    body=RetireIn,
    response=schemas.CompetenceOut,
    permission=lambda user, competence_id: can_manage_competence(
        user, services.get_competence(competence_id)
    ),
)
def retire_competence(competence_id: int, body: RetireIn):
    competence = services.get_competence(competence_id)
    services.set_retired(current_user, competence, body.retired)
    db.session.commit()
    return competence_json(competence)
