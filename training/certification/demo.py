"""Demo certificates: the PhD student holds confocal level 2 and laser safety; a path to follow."""

from __future__ import annotations

from datetime import timedelta

from innocore import clock
from innocore.extensions import db
from training.certification import services
from training.paths.models import AwardMode, QualificationPath


def seed_certificates(ctx: dict) -> None:
    people, facilities, competences = ctx["people"], ctx["facilities"], ctx["competences"]
    manager, phd = people[1], people[7]
    imaging, clsm, laser = facilities[0], competences[0], competences[1]
    for competence, level in ((clsm, 2), (laser, 1)):
        services._create(
            manager,
            facility=imaging,
            holder=phd,
            basis=services.CertificateBasis.PRIOR_LEARNING,
            evidence="Demo: trained and observed by the facility staff.",
            valid_until=clock.now() + timedelta(days=300),
            competence_id=competence.id,
            level=level,
        )
    now = clock.now()
    db.session.add(
        QualificationPath(
            code="ALM",
            title="Advanced light microscopy",
            description="Laser safety and independent confocal operation.",
            eqf_level=6,
            requirements={
                "kind": "all_of",
                "children": [
                    {
                        "kind": "competence",
                        "competence": laser.id,
                        "min_level": 1,
                        "current_only": True,
                    },
                    {"kind": "competence", "competence": clsm.id, "min_level": 3},
                ],
            },
            award_mode=AwardMode.CONFIRMED,
            created_at=now,
            updated_at=now,
        )
    )
    db.session.flush()
