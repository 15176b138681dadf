"""JSON API for placements: everything the pages do, through the same services. Permission is
checked before the body is read."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from flask import Response, jsonify
from flask_login import current_user
from pydantic import BaseModel, Field

from innocore import clock
from innocore.accounts.addresses import EmailText
from innocore.api.core import api_blueprint, operation, paginated, signed_in
from innocore.clock import api_time
from innocore.extensions import db
from innocore.vocab import UserCategory
from training.challenges.api import ChallengeFileIn, ChallengeNeedIn, _uploads
from training.placements import permissions, queries, services
from training.placements.models import Placement, PlacementApplication, PlacementKind

bp = api_blueprint("placements_api", __name__)
TAGS = ["Placements"]


class PlacementIn(BaseModel):
    kind: PlacementKind
    facility_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=20_000)
    learning_outcomes: list[str] = Field(min_length=1, max_length=20)
    starts_on: date
    ends_on: date
    hours_per_week: int = Field(ge=1, le=48)
    stipend_eur_month: Decimal = Field(default=Decimal("0"), ge=0, le=100_000, decimal_places=2)
    places: int = Field(ge=1, le=100)
    applications_close_at: datetime
    min_eqf_level: int | None = Field(default=None, ge=1, le=8)
    user_categories: list[UserCategory] = Field(default_factory=list, max_length=3)
    module_id: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="a training module of the host facility (or network-wide) of kind placement",
    )
    needs: list[ChallengeNeedIn] = Field(default_factory=list, max_length=30)


class PlacementOut(BaseModel):
    id: int
    kind: str
    host: str
    facility_id: int | None
    title: str
    description: str
    learning_outcomes: list[str]
    starts_on: date
    ends_on: date
    hours_per_week: int
    stipend_eur_month: str
    places: int
    applications_close_at: datetime
    min_eqf_level: int | None
    user_categories: list[str]
    module_id: int | None
    needs: list[dict]


class PlacementApplicationIn(BaseModel):
    motivation: str = Field(min_length=1, max_length=5000)
    supervisor_email: EmailText
    eqf_level: int | None = Field(default=None, ge=1, le=8)
    files: list[ChallengeFileIn] = Field(default_factory=list, max_length=5)


class PlacementApplicationOut(BaseModel):
    id: int
    placement_id: int
    applicant_id: int
    supervisor_id: int
    eqf_level: int | None
    motivation: str
    status: str
    agreed_outcomes: list[str]
    participant_signed_at: datetime | None
    host_signed_at: datetime | None
    supervisor_signed_at: datetime | None
    passed: bool | None
    evaluation: str
    certificate_id: int | None


class PlacementDecisionIn(BaseModel):
    decision: Literal["select", "decline"]


class SignIn(BaseModel):
    as_party: Literal["participant", "host", "supervisor"]


class CheckInIn(BaseModel):
    progress_percent: int = Field(ge=0, le=100)
    note: str = Field(min_length=1, max_length=5000)


class CheckInOut(BaseModel):
    id: int
    author_id: int
    progress_percent: int
    note: str
    created_at: datetime


class CompletionIn(BaseModel):
    passed: bool
    evaluation: str = Field(min_length=1, max_length=5000)


def placement_json(p: Placement) -> dict:
    return {
        "id": p.id,
        "kind": p.kind.value,
        "host": p.host_name,
        "facility_id": p.facility_id,
        "title": p.title,
        "description": p.description,
        "learning_outcomes": p.learning_outcomes,
        "starts_on": api_time(p.starts_on),
        "ends_on": api_time(p.ends_on),
        "hours_per_week": p.hours_per_week,
        "stipend_eur_month": str(p.stipend_eur_month),
        "places": p.places,
        "applications_close_at": api_time(p.applications_close_at),
        "min_eqf_level": p.min_eqf_level,
        "user_categories": p.user_categories,
        "module_id": p.module_id,
        "needs": [{"competence_id": n.competence_id, "level": n.level} for n in p.needs],
    }


def application_json(a: PlacementApplication) -> dict:
    at = lambda v: api_time(v)  # noqa: E731
    return {
        "id": a.id,
        "placement_id": a.placement_id,
        "applicant_id": a.applicant_id,
        "supervisor_id": a.supervisor_id,
        "eqf_level": a.eqf_level,
        "motivation": a.motivation,
        "status": a.status.value,
        "agreed_outcomes": a.agreed_outcomes,
        "participant_signed_at": at(a.participant_signed_at),
        "host_signed_at": at(a.host_signed_at),
        "supervisor_signed_at": at(a.supervisor_signed_at),
        "passed": a.passed,
        "evaluation": a.evaluation,
        "certificate_id": a.certificate_id,
    }


def _application(application_id: int) -> PlacementApplication | None:
    return (
        db.session.get(PlacementApplication, application_id) if 0 < application_id < 2**31 else None
    )


def _party(user, application_id: int, **_) -> bool:
    a = _application(application_id)
    return a is not None and permissions.can_see_application(user, a)


def _host(user, application_id: int, **_) -> bool:
    a = _application(application_id)
    return a is not None and permissions.party(user, a) == "host"


def _hosts_placement(user, placement_id: int, **_) -> bool:
    p = db.session.get(Placement, placement_id) if 0 < placement_id < 2**31 else None
    return p is not None and permissions.can_host(user, p)


@operation(
    bp,
    "/placements",
    "GET",
    tags=TAGS,
    response=PlacementOut,
    paginated=True,
    summary="Placements taking applications",
    permission=signed_in,
)
def list_placements():
    return paginated(queries.open_stmt(clock.now()), placement_json)


@operation(
    bp,
    "/placements",
    "POST",
    tags=TAGS,
    body=PlacementIn,
    response=PlacementOut,
    status=201,
    summary="Offer a placement (company staff, facility managers)",
    permission=lambda user, **_: permissions.can_offer_placement(user),
)
def offer(body: PlacementIn):
    data = services.OfferInput(
        **body.model_dump(exclude={"needs", "kind", "user_categories"}),
        kind=body.kind.value,
        user_categories=[c.value for c in body.user_categories],
        needs=[(n.competence_id, n.level) for n in body.needs],
    )
    p = services.offer_placement(current_user, data)
    db.session.commit()
    return jsonify(placement_json(p)), 201


@operation(
    bp,
    "/placements/<int:placement_id>",
    "GET",
    tags=TAGS,
    response=PlacementOut,
    summary="One placement",
    permission=signed_in,
)
def get_placement(placement_id: int):
    return placement_json(services.get_placement(placement_id))


@operation(
    bp,
    "/placements/<int:placement_id>/applications",
    "POST",
    tags=TAGS,
    body=PlacementApplicationIn,
    response=PlacementApplicationOut,
    status=201,
    summary="Apply, naming the home supervisor (documents in base64)",
    permission=signed_in,
)
def apply(placement_id: int, body: PlacementApplicationIn):
    a = services.apply(
        current_user,
        placement_id,
        motivation=body.motivation,
        supervisor_email=body.supervisor_email,
        eqf_level=body.eqf_level,
        uploads=_uploads(body.files),
    )
    db.session.commit()
    return jsonify(application_json(a)), 201


@operation(
    bp,
    "/placements/<int:placement_id>/applications",
    "GET",
    tags=TAGS,
    response=PlacementApplicationOut,
    paginated=True,
    summary="A placement's applications (its host)",
    permission=_hosts_placement,
)
def list_applications(placement_id: int):
    return paginated(queries.applications_stmt(placement_id), application_json)


@operation(
    bp,
    "/placement-applications",
    "GET",
    tags=TAGS,
    response=PlacementApplicationOut,
    paginated=True,
    summary="Applications I made or supervise",
    permission=signed_in,
)
def my_applications():
    return paginated(queries.mine_stmt(current_user.id), application_json)


@operation(
    bp,
    "/placement-applications/<int:application_id>",
    "GET",
    tags=TAGS,
    response=PlacementApplicationOut,
    summary="One application (its parties)",
    permission=_party,
)
def get_application(application_id: int):
    return application_json(services.get_application(current_user, application_id))


@operation(
    bp,
    "/placement-applications/<int:application_id>/decide",
    "POST",
    tags=TAGS,
    body=PlacementDecisionIn,
    response=PlacementApplicationOut,
    summary="Select or decline (the host)",
    permission=_host,
)
def decide(application_id: int, body: PlacementDecisionIn):
    a = services.decide(current_user, application_id, select=body.decision == "select")
    db.session.commit()
    return application_json(a)


@operation(
    bp,
    "/placement-applications/<int:application_id>/sign",
    "POST",
    tags=TAGS,
    body=SignIn,
    response=PlacementApplicationOut,
    summary="Sign the learning agreement as the party you are",
    permission=_party,
)
def sign(application_id: int, body: SignIn):
    a = services.sign(current_user, application_id, body.as_party)
    db.session.commit()
    return application_json(a)


@operation(
    bp,
    "/placement-applications/<int:application_id>/agreement.pdf",
    "GET",
    tags=TAGS,
    summary="The learning agreement as a PDF",
    permission=_party,
)
def agreement(application_id: int):
    from training.placements.pdf import agreement_pdf

    a = services.get_application(current_user, application_id)
    return Response(agreement_pdf(a), mimetype="application/pdf")


@operation(
    bp,
    "/placement-applications/<int:application_id>/checkins",
    "POST",
    tags=TAGS,
    body=CheckInIn,
    response=CheckInOut,
    status=201,
    summary="A progress check-in (any party, after the signatures)",
    permission=_party,
)
def checkin(application_id: int, body: CheckInIn):
    row = services.check_in(
        current_user, application_id, progress=body.progress_percent, note=body.note
    )
    db.session.commit()
    return jsonify(
        {
            "id": row.id,
            "author_id": row.author_id,
            "progress_percent": row.progress_percent,
            "note": row.note,
            "created_at": api_time(row.created_at),
        }
    ), 201


@operation(
    bp,
    "/placement-applications/<int:application_id>/complete",
    "POST",
    tags=TAGS,
    body=CompletionIn,
    response=PlacementApplicationOut,
    summary="Complete with the host's evaluation (certificate for the module if passed)",
    permission=_host,
)
def complete(application_id: int, body: CompletionIn):
    a = services.complete(
        current_user, application_id, passed=body.passed, evaluation=body.evaluation
    )
    db.session.commit()
    return application_json(a)
