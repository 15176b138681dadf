"""Demo role profiles: a bioimaging technician and a flow cytometry specialist (no ESCO URI is
set: a deployment picks the occupation it means from the ESCO classification)."""

from __future__ import annotations

from innocore import clock
from innocore.extensions import db
from training.pathways.models import RoleProfile, RoleTarget


def seed_pathways(ctx: dict) -> None:
    people, comps, now = ctx["people"], ctx["competences"], clock.now()
    for code, title, description, targets in (
        (
            "ROLE.BIOIMAGING-TECH",
            "Bioimaging technician",
            "Runs confocal systems safely and independently for a facility's users.",
            [(comps[0], 2), (comps[1], 1)],
        ),
        (
            "ROLE.FCM-SPECIALIST",
            "Flow cytometry specialist",
            "Designs panels, runs analysers and sorters, and trains users.",
            [(comps[2], 2), (comps[3], 2)],
        ),
    ):
        db.session.add(
            RoleProfile(
                code=code,
                title=title,
                description=description,
                created_at=now,
                updated_at=now,
                created_by_id=people[0].id,
                targets=[RoleTarget(competence_id=c.id, level=lv) for c, lv in targets],
            )
        )
    db.session.flush()
