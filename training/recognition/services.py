"""Recognition use cases: declare and withdraw equivalences, ask for recognition, decide.

They check permissions, apply the pure rules, audit and queue e-mail; they flush, never commit.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from innocore import audit, clock
from innocore.errors import DomainError, Forbidden, NotFound, Problem, raise_problems
from innocore.extensions import db
from innocore.facilities.models import Facility, FacilityRole
from innocore.links import absolute_url
from innocore.marks import N_
from innocore.notifications import kinds
from innocore.notifications.services import queue_email
from innocore.vocab import FacilityRoleKind
from training.certification import rules as cert_rules
from training.certification import services as cert_services
from training.certification.models import Certificate
from training.recognition import permissions, rules
from training.recognition.models import (
    CompetenceEquivalence,
    EquivalenceKind,
    ImportedCredential,
    RecognitionRequest,
    RequestStatus,
)


def _levels(competence) -> list[int]:
    return [x.level for x in competence.levels] if competence is not None else []


def declare_equivalence(
    actor, facility: Facility, *, source, source_min_level, target, target_level, kind, note=""
) -> CompetenceEquivalence:
    """Facility managers declare another facility's competence (from a level) equivalent to one of
    theirs, or recognised after a supervised bridging session. Raises Forbidden, DomainError."""
    if not permissions.can_declare_equivalence(actor, facility):
        raise Forbidden(N_("Only the facility's managers declare what it recognises."))
    try:
        kind = EquivalenceKind(kind)
    except ValueError:
        raise DomainError(
            Problem("invalid_kind", N_("Choose equivalent or bridging."), "kind")
        ) from None
    if source is None or target is None:
        raise DomainError(Problem("unknown_competence", N_("Choose both competences.")))
    raise_problems(
        rules.declaration_problems(
            facility_id=facility.id,
            source_facility_id=source.facility_id,
            source_levels=_levels(source),
            source_min_level=source_min_level,
            target_facility_id=target.facility_id,
            target_levels=_levels(target),
            target_level=target_level,
            note=note,
        )
    )
    decl = CompetenceEquivalence(
        facility_id=facility.id,
        source_competence_id=source.id,
        source_min_level=source_min_level,
        target_competence_id=target.id,
        target_level=target_level,
        kind=kind,
        note=(note or "").strip(),
        created_at=clock.now(),
        created_by_id=actor.id,
    )
    db.session.add(decl)
    db.session.flush()
    audit.record(actor, "equivalence.declared", decl, audit.snapshot(decl), facility_id=facility.id)
    return decl


def get_declaration(decl_id: int) -> CompetenceEquivalence:
    decl = db.session.get(CompetenceEquivalence, decl_id) if 0 < decl_id < 2**31 else None
    if decl is None:
        raise NotFound(N_("No such declaration."))
    return decl


def withdraw_equivalence(actor, decl: CompetenceEquivalence) -> CompetenceEquivalence:
    """Withdraw a declaration: from now on it no longer counts (history is kept)."""
    if not permissions.can_declare_equivalence(actor, decl.facility):
        raise Forbidden(N_("Only the facility's managers withdraw its declarations."))
    if decl.withdrawn_at is not None:
        raise DomainError(
            Problem("already_withdrawn", N_("This declaration was already withdrawn."))
        )
    decl.withdrawn_at = clock.now()
    audit.record(
        actor,
        "equivalence.withdrawn",
        decl,
        {"withdrawn_at": [None, decl.withdrawn_at.isoformat()]},
        facility_id=decl.facility_id,
    )
    return decl


def _pending_duplicate(person_id: int, facility_id: int, competence_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(RecognitionRequest.id).where(
                RecognitionRequest.person_id == person_id,
                RecognitionRequest.facility_id == facility_id,
                RecognitionRequest.target_competence_id == competence_id,
                RecognitionRequest.status == RequestStatus.PENDING,
            )
        )
        is not None
    )


def _source_valid(cert: Certificate | None, imported: ImportedCredential | None) -> bool:
    now = clock.now()
    if cert is not None:
        fact = cert_rules.CertFact(
            cert.id,
            cert.competence_id,
            cert.level,
            None,
            None,
            cert.status,
            cert.issued_at,
            cert.valid_until,
        )
        return cert.competence_id is not None and cert_rules.is_valid_at(fact, now)
    return imported is not None and (imported.valid_until is None or imported.valid_until > now)


def request_recognition(
    actor, facility: Facility, *, target, target_level, certificate=None, imported=None, message=""
) -> RecognitionRequest:
    """A person asks ``facility`` to recognise one of their certificates (or a credential they
    imported) as its competence ``target`` at ``target_level``; its deciders are e-mailed."""
    source_owner = (
        certificate.holder_id if certificate is not None else getattr(imported, "holder_id", None)
    )
    if source_owner != actor.id:
        raise NotFound(N_("No such certificate of yours."))
    if target is None:
        raise DomainError(
            Problem("unknown_competence", N_("Choose a competence."), "target_competence_id")
        )
    raise_problems(
        rules.request_problems(
            valid_now=_source_valid(certificate, imported),
            target_facility_id=target.facility_id,
            facility_id=facility.id,
            target_levels=_levels(target),
            target_level=target_level,
            pending_duplicate=_pending_duplicate(actor.id, facility.id, target.id),
            message=message,
        )
    )
    req = RecognitionRequest(
        person_id=actor.id,
        facility_id=facility.id,
        certificate_id=certificate.id if certificate is not None else None,
        imported_id=imported.id if imported is not None else None,
        target_competence_id=target.id,
        target_level=target_level,
        message=(message or "").strip(),
        status=RequestStatus.PENDING,
        created_at=clock.now(),
    )
    db.session.add(req)
    db.session.flush()
    audit.record(actor, "recognition.requested", req, audit.snapshot(req), facility_id=facility.id)
    link = absolute_url("recognition.facility_requests", slug=facility.slug)
    for person in _deciders(facility):
        queue_email(
            person,
            _l("Recognition asked: %(target_title)s", target_title=target.title),
            "recognition_notice",
            kind=kinds.STAFF_WORK,
            link=link,
            dedupe_key=f"recognition-asked-{req.id}-{person.id}",
            req=req,
            event="asked",
        )
    return req


def _deciders(facility: Facility) -> list:
    from innocore.accounts.models import User

    return list(
        db.session.scalars(
            sa.select(User)
            .join(FacilityRole, FacilityRole.user_id == User.id)
            .where(
                FacilityRole.facility_id == facility.id,
                FacilityRole.role.in_([FacilityRoleKind.MANAGER, FacilityRoleKind.TRAINER]),
            )
            .distinct()
        )
    )


def get_request(request_id: int) -> RecognitionRequest:
    req = db.session.get(RecognitionRequest, request_id) if 0 < request_id < 2**31 else None
    if req is None:
        raise NotFound(N_("No such recognition request."))
    return req


def _lock(req: RecognitionRequest) -> RecognitionRequest:
    db.session.execute(
        sa.select(RecognitionRequest.id).where(RecognitionRequest.id == req.id).with_for_update()
    )
    db.session.refresh(req)
    return req


def decide_request(
    actor, req: RecognitionRequest, *, grant: bool, reason: str
) -> RecognitionRequest:
    """Grant or refuse, with the reason the person reads (audited, e-mailed). Granting a request on
    a certificate makes it count as the competence at once (booking gate, paths); granting one on
    an imported credential issues a certificate recognising prior learning."""
    if not permissions.can_decide_recognition(actor, req.facility):
        raise Forbidden(N_("Only those who certify at the facility decide its requests."))
    req = _lock(req)
    raise_problems(
        rules.decision_problems(pending=req.status == RequestStatus.PENDING, reason=reason)
    )
    req.status = RequestStatus.GRANTED if grant else RequestStatus.REFUSED
    req.reason, req.decided_at, req.decided_by_id = reason.strip(), clock.now(), actor.id
    if grant and req.imported_id is not None:
        req.issued_certificate_id = _issue_from_import(actor, req).id
    audit.record(
        actor,
        f"recognition.{req.status.value}",
        req,
        {"status": ["pending", req.status.value], "reason": [None, req.reason]},
        facility_id=req.facility_id,
    )
    queue_email(
        req.person,
        _l("Recognition granted: %(target_title)s", target_title=req.target.title)
        if req.status.value == "granted"
        else _l("Recognition refused: %(target_title)s", target_title=req.target.title),
        "recognition_notice",
        kind=kinds.TRAINING,
        link=absolute_url("recognition.mine"),
        dedupe_key=f"recognition-decided-{req.id}",
        req=req,
        event=req.status.value,
    )
    return req


def _issue_from_import(actor, req: RecognitionRequest) -> Certificate:
    imported = db.session.get(ImportedCredential, req.imported_id)
    evidence = (
        f"Recognition of prior learning: the credential “{imported.title}” issued by "
        f"{imported.issuer_name or imported.issuer_id}, verified on "
        f"{imported.verified_at:%d %b %Y}. Decision: {req.reason}"
    )
    return cert_services.issue_prior_learning(
        actor,
        facility=req.facility,
        holder=req.person,
        competence=req.target,
        level=req.target_level,
        evidence=evidence,
        valid_until=imported.valid_until if imported.valid_until else None,
    )
