"""JSON API for certificates: list, show, issue, renew, suspend, reinstate, revoke, verify."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import jsonify, request
from flask_login import current_user
from pydantic import AwareDatetime, BaseModel, Field

from innocore.accounts.models import User
from innocore.api.core import Q, api_blueprint, operation, paginated
from innocore.clock import api_time
from innocore.competences.models import Competence
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.links import absolute_url
from innocore.marks import N_
from training.certification import permissions, queries, services
from training.certification.models import Certificate

bp = api_blueprint("certification_api", __name__)


class CertificateOut(BaseModel):
    public_id: str
    holder_id: int
    holder_name: str
    title: str
    competence_id: int | None
    level: int | None
    path_id: int | None
    facility_id: int | None
    basis: str
    evidence: str
    issued_at: datetime
    valid_until: datetime | None
    status: str
    public_status: str
    status_reason: str | None
    replaces: str | None = None
    verify_url: str


class IssueIn(BaseModel):
    facility_id: int
    assessment_id: int | None = None
    holder_id: int | None = None
    competence_id: int | None = None
    level: int | None = None
    evidence: str = Field(default="", max_length=10_000)
    valid_until: AwareDatetime | None = None


class CertificateReasonIn(BaseModel):
    reason: str = Field(default="", max_length=500)


class RenewIn(BaseModel):
    valid_until: AwareDatetime | None = None


def serialise(cert: Certificate) -> dict:
    replaced = db.session.get(Certificate, cert.replaces_id) if cert.replaces_id else None
    return {
        "public_id": cert.public_id,
        "holder_id": cert.holder_id,
        "holder_name": cert.holder.name,
        "title": services._title(cert),
        "competence_id": cert.competence_id,
        "level": cert.level,
        "path_id": cert.path_id,
        "facility_id": cert.facility_id,
        "basis": cert.basis.value,
        "evidence": cert.evidence,
        "issued_at": api_time(cert.issued_at),
        "valid_until": api_time(cert.valid_until),
        "status": cert.status.value,
        "public_status": queries.state_now(cert),
        "status_reason": cert.status_reason,
        "replaces": replaced.public_id if replaced else None,
        "verify_url": absolute_url("certification_public.verify_page", public_id=cert.public_id),
    }


def _viewable(public_id: str) -> Certificate:
    cert = queries.get_certificate(public_id)
    if not permissions.can_view_certificate(current_user, cert):
        raise NotFound(N_("No certificate with this id."))
    return cert


@operation(
    bp,
    "/certificates",
    "GET",
    summary="My certificates, or a facility's (facility_id)",
    tags=["Certificates"],
    response=CertificateOut,
    paginated=True,
    query={
        "facility_id": Q(
            "certificates issued by this facility (its managers, staff, trainers)", "integer"
        )
    },
)
def list_certificates():
    facility_id = request.args.get("facility_id", type=int)
    if facility_id is None:
        stmt = sa.select(Certificate).where(Certificate.holder_id == current_user.id)
        stmt = stmt.order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    else:
        facility = db.session.get(Facility, facility_id)
        if facility is None or not permissions.can_see_facility_certificates(
            current_user, facility
        ):
            raise Forbidden(N_("You may not see this facility's certificates."))
        stmt = queries.facility_certificates_stmt(facility_id)
    return paginated(stmt, serialise)


@operation(
    bp,
    "/certificates/<public_id>",
    "GET",
    summary="One certificate",
    tags=["Certificates"],
    response=CertificateOut,
)
def get_certificate(public_id: str):
    return serialise(_viewable(public_id))


def _issue(body: IssueIn) -> Certificate:
    facility = db.session.get(Facility, body.facility_id)
    if facility is None:
        raise DomainError(Problem("unknown_facility", N_("No such facility."), "facility_id"))
    if not permissions.can_issue_at(current_user, facility):
        raise Forbidden(N_("Only the facility's managers and trainers issue certificates."))
    if body.assessment_id is not None:
        return services.issue_from_assessment(
            current_user, body.assessment_id, valid_until=body.valid_until
        )
    holder = db.session.get(User, body.holder_id) if body.holder_id else None
    competence = db.session.get(Competence, body.competence_id) if body.competence_id else None
    if holder is None or competence is None:
        raise DomainError(
            Problem(
                "missing",
                N_("Give assessment_id, or holder_id, competence_id, level and evidence."),
            )
        )
    return services.issue_prior_learning(
        current_user,
        facility=facility,
        holder=holder,
        competence=competence,
        level=body.level,
        evidence=body.evidence,
        valid_until=body.valid_until,
    )


@operation(
    bp,
    "/certificates",
    "POST",
    summary="Issue a certificate from a passed assessment or prior learning",
    tags=["Certificates"],
    body=IssueIn,
    response=CertificateOut,
    status=201,
    permission=lambda user, **kw: permissions.can_issue_anywhere(user),
)
def issue(body: IssueIn):
    cert = _issue(body)
    db.session.commit()
    return serialise(cert), 201


def _manageable(public_id: str) -> Certificate:
    cert = _viewable(public_id)
    if not permissions.can_manage_certificate(current_user, cert):
        raise Forbidden(N_("Only the issuing facility's managers may change this certificate."))
    return cert


class SharingIn(BaseModel):
    show_name: bool


def _sees(user, public_id: str, **_) -> bool:
    _viewable(public_id)
    return True


@operation(
    bp,
    "/certificates/<public_id>/sharing",
    "POST",
    summary="Whether the public verification page shows my name (the holder decides)",
    tags=["Certificates"],
    body=SharingIn,
    response=CertificateOut,
    permission=_sees,
)
def sharing(public_id: str, body: SharingIn):
    cert = _viewable(public_id)
    services.set_sharing(current_user, cert, body.show_name)
    db.session.commit()
    return serialise(cert)


def _manages(user, public_id: str, **_) -> bool:
    """Checked before the body is parsed: unknown or unseen is a 404, not theirs to change a 403."""
    _manageable(public_id)
    return True


def _change(public_id: str, action):
    cert = action(_manageable(public_id))
    db.session.commit()
    return serialise(cert)


@operation(
    bp,
    "/certificates/<public_id>/suspend",
    "POST",
    summary="Suspend a certificate",
    tags=["Certificates"],
    body=CertificateReasonIn,
    response=CertificateOut,
    permission=_manages,
)
def suspend(public_id: str, body: CertificateReasonIn):
    return _change(public_id, lambda c: services.suspend(current_user, c, body.reason))


@operation(
    bp,
    "/certificates/<public_id>/reinstate",
    "POST",
    summary="Reinstate a suspended certificate",
    tags=["Certificates"],
    response=CertificateOut,
)
def reinstate(public_id: str):
    return _change(public_id, lambda c: services.reinstate(current_user, c))


@operation(
    bp,
    "/certificates/<public_id>/revoke",
    "POST",
    summary="Revoke a certificate (irreversible)",
    tags=["Certificates"],
    body=CertificateReasonIn,
    response=CertificateOut,
    permission=_manages,
)
def revoke(public_id: str, body: CertificateReasonIn):
    return _change(public_id, lambda c: services.revoke(current_user, c, body.reason))


@operation(
    bp,
    "/certificates/<public_id>/renew",
    "POST",
    summary="Renew: a new certificate replacing this one",
    tags=["Certificates"],
    body=RenewIn,
    response=CertificateOut,
    status=201,
    permission=_manages,
)
def renew(public_id: str, body: RenewIn):
    cert = services.renew(current_user, _manageable(public_id), valid_until=body.valid_until)
    db.session.commit()
    return serialise(cert), 201


class VerificationOut(BaseModel):
    competence: str
    level: int | None
    issuer: str
    issued_at: datetime
    valid_until: datetime | None
    status: str
    holder_name: str | None
    superseded_by: str | None = None  # verification URL of the newer certificate


@operation(
    bp,
    "/verify/<public_id>",
    "GET",
    summary="Public verification of a certificate by its id",
    tags=["Certificates"],
    public=True,
    response=VerificationOut,
)
def verify(public_id: str):
    cert = db.session.scalar(sa.select(Certificate).where(Certificate.public_id == public_id))
    if cert is None:
        raise NotFound(N_("Not found."))
    newer = queries.replacement_of(cert)
    status = queries.state_now(cert)
    return jsonify(
        {
            "competence": services._title(cert),
            "level": cert.level,
            "issuer": cert.facility.name if cert.facility else None,
            "issued_at": api_time(cert.issued_at),
            "valid_until": api_time(cert.valid_until),
            "status": status,
            "holder_name": cert.holder.name if cert.show_holder_name else None,
            "superseded_by": (
                absolute_url("certification_public.verify_page", public_id=newer.public_id)
                if status == "superseded"
                else None
            ),
        }
    )
