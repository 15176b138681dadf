"""Demo: the imaging facility charges network members halfway between internal and external."""

from __future__ import annotations

from innocore import clock
from innocore.extensions import db
from instruments.mobility.models import MobilityRate


def seed_mobility(ctx: dict) -> None:
    facility, admin = ctx["facilities"][0], ctx["people"][0]
    db.session.add(
        MobilityRate(
            facility_id=facility.id,
            share_percent=50,
            updated_at=clock.now(),
            updated_by_id=admin.id,
        )
    )
    db.session.flush()
