"""Training fees become charges, and company administrators see and make their people's enrolments.

The bridge lives here because training depends on instruments (never the reverse): the fee frozen on
each enrolment (category and amount, set by the training package at enrolment) is charged once the
session has begun, through the charges service with a unique key per enrolment.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from innocore import clock
from innocore.accounts.models import User
from innocore.errors import DomainError, Problem
from innocore.extensions import db
from innocore.permissions import require
from instruments.charges.models import Charge, ChargeSource
from instruments.charges.services import ChargeInput, record_charge
from training import enrolment as enrolment_services
from training.models import Enrolment, EnrolmentStatus, SessionPart, TrainingSession
from training.queries import upcoming_sessions_stmt

bp = Blueprint("training_company", __name__, url_prefix="/training/company")
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
        )
        made += record_charge(data) is not None
    return made


def _is_company_admin(user) -> bool:
    return user.is_company_admin


@bp.route("/enrolments")
@require(_is_company_admin, "Only company administrators see this page.")
def enrolments():
    org_id = current_user.organisation_id
    stmt = (
        sa.select(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(User.organisation_id == org_id)
        .options(selectinload(Enrolment.session), selectinload(Enrolment.user))
        .order_by(Enrolment.created_at.desc(), Enrolment.id.desc())
    )
    page = db.paginate(stmt, per_page=50, error_out=False)
    sessions = db.session.scalars(upcoming_sessions_stmt().limit(100)).all()
    people = db.session.scalars(
        sa.select(User).where(User.organisation_id == org_id).order_by(User.name).limit(500)
    ).all()
    return render_template(
        "charges/company_enrolments.html", page=page, sessions=sessions, people=people,
        org=current_user.organisation,
    )  # fmt: skip


@bp.route("/enrolments", methods=["POST"])
@require(_is_company_admin, "Only company administrators enrol employees.")
def enrol_employee():
    session_id = request.form.get("session_id", type=int)
    user_id = request.form.get("user_id", type=int)
    learner = db.session.get(User, user_id) if user_id else None
    if learner is None or learner.organisation_id != current_user.organisation_id:
        raise DomainError(
            Problem("unknown_employee", "Pick an employee of your company.", "user_id")
        )
    if session_id is None or db.session.get(TrainingSession, session_id) is None:
        raise DomainError(Problem("session", "Pick a training session.", "session_id"))
    row = enrolment_services.enrol(current_user, session_id, learner)
    db.session.commit()
    state = "enrolled" if row.status == EnrolmentStatus.ENROLLED else "on the waiting list"
    flash(f"{learner.name} is {state}.", "success")
    return redirect(url_for("training_company.enrolments"))


def register(app: Flask) -> None:
    """Pages for company administrators and the training-fee job."""
    from innocore.accounts.company_views import register_company_page
    from innocore.jobs import register_job

    app.register_blueprint(bp)
    register_company_page(app, "Training enrolments of the company", "training_company.enrolments")
    register_job(app, "charge_training_fees", charge_training_fees, 900)
