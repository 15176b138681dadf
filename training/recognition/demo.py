"""Demo recognition: the Flow Cytometry Core recognises the imaging facility's confocal
certificate (level 2) for its analyser after a bridging session, and the PhD student has asked."""

from __future__ import annotations

import sqlalchemy as sa

from innocore import clock
from innocore.extensions import db
from training.recognition.models import (
    CompetenceEquivalence,
    EquivalenceKind,
    RecognitionRequest,
    RequestStatus,
    TrustedIssuer,
)


def seed_recognition(ctx: dict) -> None:
    """One bridging declaration, one pending request on it, one trusted issuer."""
    from training.certification.models import Certificate

    people, facilities, competences = ctx["people"], ctx["facilities"], ctx["competences"]
    now = clock.now()
    clsm, analyser, phd = competences[0], competences[2], people[7]
    db.session.add(
        CompetenceEquivalence(
            facility_id=facilities[1].id,
            source_competence_id=clsm.id,
            source_min_level=2,
            target_competence_id=analyser.id,
            target_level=1,
            kind=EquivalenceKind.BRIDGING,
            note="Confocal users know fluorophores; one supervised session on the analyser.",
            created_at=now,
            created_by_id=people[4].id,
        )
    )
    cert_id = db.session.scalar(
        sa.select(Certificate.id).where(
            Certificate.holder_id == phd.id, Certificate.competence_id == clsm.id
        )
    )
    if cert_id is not None:
        db.session.add(
            RecognitionRequest(
                person_id=phd.id,
                facility_id=facilities[1].id,
                certificate_id=cert_id,
                target_competence_id=analyser.id,
                target_level=1,
                message="I use the confocal weekly and would like to run my own FACS analyses.",
                status=RequestStatus.PENDING,
                created_at=now,
            )
        )
    db.session.add(
        TrustedIssuer(
            base_url="https://innocore.partner-network.example",
            name="Partner network (example: replace with a real deployment)",
            created_at=now,
            created_by_id=people[0].id,
        )
    )
    db.session.flush()
