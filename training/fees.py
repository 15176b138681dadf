"""Training fees become ledger charges.

The fee frozen on each enrolment (category and amount, set at enrolment) is charged once the
session has begun (and its account's owner approved it, when it needed approval), through the
kernel ledger (``innocore.ledger``) with a unique key per enrolment.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import selectinload

from innocore import clock
from innocore.extensions import db
from innocore.ledger.approvals import AccountApproval
from innocore.ledger.models import Charge, ChargeSource
from innocore.ledger.services import ChargeInput, record_charge
from training.models import Enrolment, EnrolmentStatus, SessionPart

CHARGEABLE = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)


def _first_start():
    return (
        sa.select(sa.func.min(SessionPart.starts_at))
        .where(SessionPart.session_id == Enrolment.session_id)
        .scalar_subquery()
    )


def charge_training_fees(now: datetime | None = None, limit: int = 500) -> int:
    """Job: charge the fee of every enrolment (enrolled or completed) whose session has begun;
    returns how many charges were made. Re-running charges nothing twice."""
    now = now or clock.now()
    charged = sa.select(Charge.id).where(
        Charge.source == ChargeSource.TRAINING, Charge.source_id == Enrolment.id
    )
    rows = db.session.scalars(
        sa.select(Enrolment)
        .where(Enrolment.status.in_(CHARGEABLE), Enrolment.fee_amount > 0)
        # A fee awaiting (or refused by) its account's owner is not charged (fee_approvals).
        .where(
            sa.or_(
                Enrolment.account_approval.is_(None),
                Enrolment.account_approval == AccountApproval.APPROVED,
            )
        )
        .where(_first_start() <= now, ~sa.exists(charged))
        .options(selectinload(Enrolment.session), selectinload(Enrolment.user))
        .order_by(Enrolment.id)
        .limit(limit)
    ).all()
    made = 0
    for row in rows:
        session = row.session
        data = ChargeInput(
            source=ChargeSource.TRAINING,
            source_id=row.id,
            user=row.user,
            facility=session.facility,
            category=row.fee_category,
            description=f"Training: {session.module.title}"[:300],
            unit="enrolment",
            rate=Decimal(row.fee_amount),
            quantity=Decimal("1"),
            incurred_at=session.starts_at or now,
            currency=session.module.currency,
            account_id=row.account_id,
        )
        made += record_charge(data) is not None
    return made


def register(app: Flask) -> None:
    """The training-fee job."""
    from innocore.jobs import register_job
    from training.fee_approvals import register as register_fee_approvals

    register_job(app, "charge_training_fees", charge_training_fees, 900)
    register_fee_approvals(app)
