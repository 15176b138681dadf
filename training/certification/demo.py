"""Demo certificates: the PhD student holds confocal level 2 and laser safety."""

from __future__ import annotations

from datetime import timedelta

from innocore import clock
from training.certification import services


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
