"""JSON API for recognition: declarations, requests and decisions, trusted issuers, imports."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from flask import jsonify, request
from flask_login import current_user
from pydantic import BaseModel, Field

from innocore.api.core import api_blueprint, operation, paginated, signed_in
from innocore.clock import api_time
from innocore.errors import DomainError, Forbidden, Problem
from innocore.extensions import db
from innocore.marks import N_
from training.certification import queries as cert_queries
from training.recognition import forms, imports, permissions, queries, services
from training.recognition.models import CompetenceEquivalence, EquivalenceKind

bp = api_blueprint("recognition_api", __name__)
Id = Field(ge=1, le=2**31 - 1)
Level = Field(ge=1, le=9)


class DeclarationIn(BaseModel):
    facility_id: int = Id
    source_competence_id: int = Id
    source_min_level: int = Level
    target_competence_id: int = Id
    target_level: int = Level
    kind: EquivalenceKind
    note: str = Field(default="", max_length=500)


class DeclarationOut(BaseModel):
    id: int
    facility_id: int
    source_competence_id: int
    source_min_level: int
    target_competence_id: int
    target_level: int
    kind: str
    note: str
    created_at: datetime
    withdrawn_at: datetime | None


class RecognitionRequestIn(BaseModel):
    facility_id: int = Id
    certificate: str | None = Field(default=None, max_length=40)
    imported_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    target_competence_id: int = Id
    target_level: int = Level
    message: str = Field(default="", max_length=2000)


class DecisionIn(BaseModel):
    decision: Literal["grant", "refuse"]
    reason: str = Field(min_length=1, max_length=1000)


class RecognitionRequestOut(BaseModel):
    id: int
    person_id: int
    facility_id: int
    certificate: str | None
    imported_id: int | None
    target_competence_id: int
    target_level: int
    message: str
    status: str
    reason: str | None
    decided_at: datetime | None
    issued_certificate: str | None


class TrustedIn(BaseModel):
    base_url: str = Field(min_length=1, max_length=300)
    name: str = Field(min_length=1, max_length=200)


class TrustedOut(BaseModel):
    id: int
    base_url: str
    name: str
    created_at: datetime


class ImportIn(BaseModel):
    credential: dict | None = None
    url: str | None = Field(default=None, max_length=500)


class ImportOut(BaseModel):
    id: int
    issuer_id: str
    issuer_name: str
    title: str
    valid_until: datetime | None
    verified_at: datetime


def _decl(d: CompetenceEquivalence) -> dict:
    return {
        "id": d.id,
        "facility_id": d.facility_id,
        "source_competence_id": d.source_competence_id,
        "source_min_level": d.source_min_level,
        "target_competence_id": d.target_competence_id,
        "target_level": d.target_level,
        "kind": d.kind.value,
        "note": d.note,
        "created_at": api_time(d.created_at),
        "withdrawn_at": api_time(d.withdrawn_at),
    }


def _public_id(cert_id: int | None) -> str | None:
    from training.certification.models import Certificate

    return (
        db.session.scalar(sa.select(Certificate.public_id).where(Certificate.id == cert_id))
        if cert_id
        else None
    )


def _req(r) -> dict:
    return {
        "id": r.id,
        "person_id": r.person_id,
        "facility_id": r.facility_id,
        "certificate": _public_id(r.certificate_id),
        "imported_id": r.imported_id,
        "target_competence_id": r.target_competence_id,
        "target_level": r.target_level,
        "message": r.message,
        "status": r.status.value,
        "reason": r.reason,
        "decided_at": api_time(r.decided_at),
        "issued_certificate": _public_id(r.issued_certificate_id),
    }


def _import(i) -> dict:
    return {
        "id": i.id,
        "issuer_id": i.issuer_id,
        "issuer_name": i.issuer_name,
        "title": i.title,
        "valid_until": api_time(i.valid_until),
        "verified_at": api_time(i.verified_at),
    }


@operation(
    bp,
    "/recognition/declarations",
    "GET",
    tags=["Recognition"],
    response=DeclarationOut,
    listed=True,
    summary="Equivalence declarations in force (all facilities, or facility_id)",
    query={"facility_id": "declarations of this facility"},
)
def list_declarations():
    facility_id = (
        forms.as_int(request.args.get("facility_id")) if request.args.get("facility_id") else None
    )
    items = [
        d
        for d in queries.declarations_in_force()
        if facility_id is None or d.facility_id == facility_id
    ]
    return [_decl(d) for d in items]


@operation(
    bp,
    "/recognition/declarations",
    "POST",
    tags=["Recognition"],
    body=DeclarationIn,
    response=DeclarationOut,
    status=201,
    summary="Declare another facility's competence equivalent to ours (or bridging)",
    permission=lambda user, **kw: permissions.can_decide_anywhere(user),
)
def declare(body: DeclarationIn):
    facility = forms.facility_by_id(body.facility_id)
    decl = services.declare_equivalence(
        current_user,
        facility,
        source=forms.competence(body.source_competence_id),
        source_min_level=body.source_min_level,
        target=forms.competence(body.target_competence_id),
        target_level=body.target_level,
        kind=body.kind,
        note=body.note,
    )
    db.session.commit()
    return jsonify(_decl(decl)), 201


@operation(
    bp,
    "/recognition/declarations/<int:decl_id>/withdraw",
    "POST",
    tags=["Recognition"],
    response=DeclarationOut,
    summary="Withdraw a declaration (it stops counting now)",
)
def withdraw(decl_id: int):
    decl = services.withdraw_equivalence(current_user, services.get_declaration(decl_id))
    db.session.commit()
    return jsonify(_decl(decl))


@operation(
    bp,
    "/recognition/requests",
    "GET",
    tags=["Recognition"],
    response=RecognitionRequestOut,
    paginated=True,
    summary="My recognition requests, or a facility's (facility_id: its deciders)",
    query={"facility_id": "requests made to this facility"},
)
def list_requests():
    raw = request.args.get("facility_id")
    if raw is None:
        from training.recognition.models import RecognitionRequest

        stmt = sa.select(RecognitionRequest).where(RecognitionRequest.person_id == current_user.id)
        stmt = stmt.order_by(RecognitionRequest.id.desc())
    else:
        facility = forms.facility_by_id(raw)
        if not permissions.can_decide_recognition(current_user, facility):
            raise Forbidden(N_("Only those who certify at the facility see its requests."))
        stmt = queries.facility_requests_stmt(facility.id)
    return paginated(stmt, _req)


@operation(
    bp,
    "/recognition/requests",
    "POST",
    tags=["Recognition"],
    body=RecognitionRequestIn,
    permission=signed_in,
    response=RecognitionRequestOut,
    status=201,
    summary="Ask a facility to recognise one of my certificates or imported credentials",
)
def ask(body: RecognitionRequestIn):
    if (body.certificate is None) == (body.imported_id is None):
        raise DomainError(
            Problem("one_source", N_("Give either certificate or imported_id."), "certificate")
        )
    cert = cert_queries.get_certificate(body.certificate) if body.certificate else None
    item = imports.get_import(current_user, body.imported_id) if body.imported_id else None
    req = services.request_recognition(
        current_user,
        forms.facility_by_id(body.facility_id),
        target=forms.competence(body.target_competence_id),
        target_level=body.target_level,
        certificate=cert,
        imported=item,
        message=body.message,
    )
    db.session.commit()
    return jsonify(_req(req)), 201


@operation(
    bp,
    "/recognition/requests/<int:request_id>/decide",
    "POST",
    tags=["Recognition"],
    body=DecisionIn,
    response=RecognitionRequestOut,
    summary="Grant or refuse a request, with the reason",
    permission=lambda user, **kw: permissions.can_decide_anywhere(user),
)
def decide(request_id: int, body: DecisionIn):
    req = services.decide_request(
        current_user,
        services.get_request(request_id),
        grant=body.decision == "grant",
        reason=body.reason,
    )
    db.session.commit()
    return jsonify(_req(req))


@operation(
    bp,
    "/recognition/trusted-issuers",
    "GET",
    tags=["Recognition"],
    response=TrustedOut,
    listed=True,
    summary="Issuers the network trusts (credentials are fetched only from these)",
    permission=lambda user, **kw: permissions.can_manage_trust(user),
)
def list_trusted():
    return [
        {
            "id": i.id,
            "base_url": i.base_url,
            "name": i.name,
            "created_at": api_time(i.created_at),
        }
        for i in imports.list_trusted()
    ]


@operation(
    bp,
    "/recognition/trusted-issuers",
    "POST",
    tags=["Recognition"],
    body=TrustedIn,
    response=TrustedOut,
    status=201,
    summary="Trust an issuer (network administrators)",
    permission=lambda user, **kw: permissions.can_manage_trust(user),
)
def add_trusted(body: TrustedIn):
    i = imports.add_trusted(current_user, body.base_url, body.name)
    db.session.commit()
    return jsonify(
        {"id": i.id, "base_url": i.base_url, "name": i.name, "created_at": api_time(i.created_at)}
    ), 201


@operation(
    bp,
    "/recognition/trusted-issuers/<int:issuer_id>/remove",
    "POST",
    tags=["Recognition"],
    summary="Stop trusting an issuer (network administrators)",
    permission=lambda user, **kw: permissions.can_manage_trust(user),
)
def remove_trusted(issuer_id: int):
    imports.remove_trusted(current_user, issuer_id)
    db.session.commit()
    return jsonify({"removed": issuer_id})


@operation(
    bp,
    "/recognition/imports",
    "GET",
    tags=["Recognition"],
    response=ImportOut,
    listed=True,
    summary="Credentials I brought from elsewhere",
)
def list_imports():
    return [_import(i) for i in imports.imports_of(current_user.id)]


@operation(
    bp,
    "/recognition/imports",
    "POST",
    tags=["Recognition"],
    body=ImportIn,
    permission=signed_in,
    response=ImportOut,
    status=201,
    summary="Bring in an Open Badges 3.0 credential (its JSON, or a URL) after verifying it",
    description="Refused with 422 and the verifier's reason as the error code: untrusted_issuer, "
    "tampered, revoked, expired, not_yet_valid, unknown_key, not_yours, fetch_failed, too_large, ...",
)
def import_credential(body: ImportIn):
    item = imports.import_credential(current_user, data=body.credential, url=body.url)
    db.session.commit()
    return jsonify(_import(item)), 201
