"""Read side of challenges: the board, one's own applications, a challenge's applications, a
workspace's contents. Each list runs a fixed number of queries, whatever its length."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from innocore.extensions import db
from innocore.ledger.models import Charge, ChargeSource
from innocore.permissions import is_network_admin, staffed_facility_ids
from training.challenges import permissions
from training.challenges.models import (
    Challenge,
    ChallengeApplication,
    ChallengeBooking,
    ChallengeFile,
    ChallengeStatus,
    Milestone,
    TeamMember,
    WorkspaceMessage,
)


def board_stmt(status: ChallengeStatus | None = None) -> sa.Select:
    """Published, underway and completed challenges, the open ones first, newest first."""
    statuses = [status] if status in permissions.VISIBLE else list(permissions.VISIBLE)
    return (
        sa.select(Challenge)
        .where(Challenge.status.in_(statuses))
        .order_by(
            sa.case((Challenge.status == ChallengeStatus.PUBLISHED, 0), else_=1),
            Challenge.applications_close_at.desc(),
            Challenge.id.desc(),
        )
    )


def posted_by_side_stmt(user) -> sa.Select:
    """Challenges the user's side posted: theirs, their company's (admins), their facilities'."""
    from innocore.permissions import managed_facility_ids

    cond = Challenge.posted_by_id == user.id
    if user.is_company_admin:
        cond = cond | (
            (Challenge.organisation_id == user.organisation_id) & Challenge.by_facility.is_(False)
        )
    managed = managed_facility_ids(user)
    if managed:
        cond = cond | (Challenge.by_facility.is_(True) & Challenge.facility_id.in_(managed))
    return sa.select(Challenge).where(cond).order_by(Challenge.id.desc())


def to_review_stmt(user) -> sa.Select:
    """Challenges waiting for the user's review (host facility staff; network admins: all)."""
    stmt = sa.select(Challenge).where(Challenge.status == ChallengeStatus.IN_REVIEW)
    if not is_network_admin(user):
        stmt = stmt.where(Challenge.facility_id.in_(staffed_facility_ids(user) or {-1}))
    return stmt.order_by(Challenge.created_at)


def applications_of_user_stmt(user_id: int) -> sa.Select:
    return (
        sa.select(ChallengeApplication)
        .join(TeamMember, TeamMember.application_id == ChallengeApplication.id)
        .where(TeamMember.user_id == user_id)
        .order_by(ChallengeApplication.id.desc())
    )


def applications_stmt(challenge_id: int) -> sa.Select:
    return (
        sa.select(ChallengeApplication)
        .where(ChallengeApplication.challenge_id == challenge_id)
        .order_by(ChallengeApplication.submitted_at, ChallengeApplication.id)
    )


def files_by_application(app_ids: list[int]) -> dict[int, list[ChallengeFile]]:
    out: dict[int, list[ChallengeFile]] = {i: [] for i in app_ids}
    for row in db.session.scalars(
        sa.select(ChallengeFile)
        .where(ChallengeFile.application_id.in_(app_ids or [-1]))
        .order_by(ChallengeFile.id)
    ):
        out[row.application_id].append(row)
    return out


# The charges a booking makes (instrument use, no-show, late cancellation); ``source_id`` is its id.
BOOKING_SOURCES = (ChargeSource.BOOKING, ChargeSource.NO_SHOW, ChargeSource.LATE_CANCELLATION)


def charged_so_far(app_id: int) -> dict:
    """What the team's linked bookings have been charged so far (charges are made once a booking
    ends): ``{"hours": Decimal, "amount": Decimal, "currency": str}``; hours of instrument time
    charged, amount in the charges' currency (EUR by default). One query."""
    hours, amount, currency = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(Charge.quantity), 0),
            sa.func.coalesce(sa.func.sum(Charge.amount), 0),
            sa.func.min(Charge.currency),
        )
        .join(ChallengeBooking, ChallengeBooking.booking_id == Charge.source_id)
        .where(ChallengeBooking.application_id == app_id, Charge.source.in_(BOOKING_SOURCES))
    ).one()
    return {"hours": Decimal(hours), "amount": Decimal(amount), "currency": currency or "EUR"}


def workspace_contents(app_id: int) -> dict:
    """Milestones (by due date), messages (oldest first), files, linked bookings and what they
    have been charged so far (``charged``, see ``charged_so_far``)."""
    from instruments.models import Booking

    return {
        "charged": charged_so_far(app_id),
        "milestones": db.session.scalars(
            sa.select(Milestone)
            .where(Milestone.application_id == app_id)
            .order_by(Milestone.due_on, Milestone.id)
        ).all(),
        "messages": db.session.scalars(
            sa.select(WorkspaceMessage)
            .where(WorkspaceMessage.application_id == app_id)
            .order_by(WorkspaceMessage.id)
        ).all(),
        "files": files_by_application([app_id])[app_id],
        "bookings": db.session.scalars(
            sa.select(Booking)
            .join(ChallengeBooking, ChallengeBooking.booking_id == Booking.id)
            .where(ChallengeBooking.application_id == app_id)
            .options(selectinload(Booking.instrument))
            .order_by(Booking.starts_at)
        ).all(),
    }
