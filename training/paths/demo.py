"""Demo qualification path: advanced light microscopy (laser safety and confocal level 3)."""

from __future__ import annotations

from innocore import clock
from innocore.extensions import db
from training.paths.models import AwardMode, QualificationPath


def seed_paths(ctx: dict) -> None:
    clsm, laser = ctx["competences"][0], ctx["competences"][1]
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
