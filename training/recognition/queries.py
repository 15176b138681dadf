"""Reads: declarations in force, requests, and the recognised facts the booking gate and path
progress add to certificates (plugged into ``certification.queries.facts_for``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from innocore.extensions import db
from training.certification import queries as cert_queries
from training.recognition import rules
from training.recognition.models import (
    CompetenceEquivalence,
    EquivalenceKind,
    RecognitionRequest,
    RequestStatus,
)


def declarations_in_force(target_ids: list[int] | None = None) -> list[CompetenceEquivalence]:
    stmt = sa.select(CompetenceEquivalence).where(CompetenceEquivalence.withdrawn_at.is_(None))
    if target_ids is not None:
        stmt = stmt.where(CompetenceEquivalence.target_competence_id.in_(target_ids))
    return list(db.session.scalars(stmt.order_by(CompetenceEquivalence.id)))


def recognised_facts(
    user_ids: list[int], at: datetime, competence_ids: Iterable[int] | None
) -> dict[int, list]:
    """Facts the declarations and granted requests derive for these people (three queries)."""
    targets = None if competence_ids is None else list(competence_ids)
    decls = [
        rules.Declaration(
            d.source_competence_id,
            d.source_min_level,
            d.target_competence_id,
            d.target_level,
            d.kind == EquivalenceKind.EQUIVALENT,
        )
        for d in declarations_in_force(targets)
    ]
    stmt = sa.select(
        RecognitionRequest.person_id,
        RecognitionRequest.certificate_id,
        RecognitionRequest.target_competence_id,
        RecognitionRequest.target_level,
    ).where(
        RecognitionRequest.status == RequestStatus.GRANTED,
        RecognitionRequest.certificate_id.is_not(None),
        RecognitionRequest.person_id.in_(user_ids),
    )
    if targets is not None:
        stmt = stmt.where(RecognitionRequest.target_competence_id.in_(targets))
    grants = [rules.Grant(*row) for row in db.session.execute(stmt).all()]
    if not decls and not grants:
        return {}
    sources = None
    if targets is not None:
        sources = {d.source_competence_id for d in decls}
        from training.certification.models import Certificate

        if grants:
            ids = [g.certificate_id for g in grants]
            sources |= set(
                db.session.scalars(
                    sa.select(Certificate.competence_id).where(Certificate.id.in_(ids))
                )
            )
    facts = cert_queries.facts_for(user_ids, at, sources, recognised=False)
    return rules.derived_facts(facts, decls, grants)


def facility_requests_stmt(facility_id: int, pending_only: bool = False):
    stmt = sa.select(RecognitionRequest).where(RecognitionRequest.facility_id == facility_id)
    if pending_only:
        stmt = stmt.where(RecognitionRequest.status == RequestStatus.PENDING)
    return stmt.order_by(RecognitionRequest.created_at.desc(), RecognitionRequest.id.desc())


def requests_of(person_id: int) -> list[RecognitionRequest]:
    return list(
        db.session.scalars(
            sa.select(RecognitionRequest)
            .where(RecognitionRequest.person_id == person_id)
            .order_by(RecognitionRequest.created_at.desc(), RecognitionRequest.id.desc())
        )
    )
