"""Read side of placements; each list runs a fixed number of queries, whatever its length."""

from __future__ import annotations

import sqlalchemy as sa

from innocore.permissions import managed_facility_ids
from training.placements.models import CheckIn, Placement, PlacementApplication, PlacementFile


def open_stmt(now) -> sa.Select:
    """Offers still taking applications, the nearest deadline first."""
    return (
        sa.select(Placement)
        .where(Placement.applications_close_at > now)
        .order_by(Placement.applications_close_at, Placement.id)
    )


def hosted_stmt(user) -> sa.Select:
    """Offers the user hosts: theirs, their company's (admins), their facilities' (managers)."""
    cond = Placement.posted_by_id == user.id
    if user.is_company_admin:
        cond = cond | (
            (Placement.organisation_id == user.organisation_id) & Placement.facility_id.is_(None)
        )
    managed = managed_facility_ids(user)
    if managed:
        cond = cond | Placement.facility_id.in_(managed)
    return sa.select(Placement).where(cond).order_by(Placement.id.desc())


def mine_stmt(user_id: int) -> sa.Select:
    """Applications the user made or supervises."""
    return (
        sa.select(PlacementApplication)
        .where(
            (PlacementApplication.applicant_id == user_id)
            | (PlacementApplication.supervisor_id == user_id)
        )
        .order_by(PlacementApplication.id.desc())
    )


def applications_stmt(placement_id: int) -> sa.Select:
    return (
        sa.select(PlacementApplication)
        .where(PlacementApplication.placement_id == placement_id)
        .order_by(PlacementApplication.submitted_at, PlacementApplication.id)
    )


def files_of(application_id: int) -> list[PlacementFile]:
    from innocore.extensions import db

    return db.session.scalars(
        sa.select(PlacementFile)
        .where(PlacementFile.application_id == application_id)
        .order_by(PlacementFile.id)
    ).all()


def checkins_of(application_id: int) -> list[CheckIn]:
    from innocore.extensions import db

    return db.session.scalars(
        sa.select(CheckIn).where(CheckIn.application_id == application_id).order_by(CheckIn.id)
    ).all()
