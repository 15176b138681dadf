"""Company administrators see their people's training enrolments and enrol employees."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

from innocore.accounts.models import User
from innocore.errors import DomainError, Problem
from innocore.extensions import db
from innocore.marks import N_
from innocore.permissions import require
from training.models import Enrolment, EnrolmentStatus, TrainingSession
from training.queries import upcoming_sessions_stmt
from training.services import enrolment as enrolment_services

bp = Blueprint("training_company", __name__, url_prefix="/training/company")


def _is_company_admin(user) -> bool:
    return user.is_company_admin


@bp.route("/enrolments")
@require(_is_company_admin, N_("Only company administrators see this page."))
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
        "training/company_enrolments.html",
        page=page,
        sessions=sessions,
        people=people,
        org=current_user.organisation,
    )


@bp.route("/enrolments", methods=["POST"])
@require(_is_company_admin, N_("Only company administrators enrol employees."))
def enrol_employee():
    session_id = request.form.get("session_id", type=int)
    user_id = request.form.get("user_id", type=int)
    learner = db.session.get(User, user_id) if user_id else None
    if learner is None or learner.organisation_id != current_user.organisation_id:
        raise DomainError(
            Problem("unknown_employee", N_("Pick an employee of your company."), "user_id")
        )
    if session_id is None or db.session.get(TrainingSession, session_id) is None:
        raise DomainError(Problem("session", N_("Pick a training session."), "session_id"))
    row = enrolment_services.enrol(current_user, session_id, learner)
    db.session.commit()
    if row.status == EnrolmentStatus.ENROLLED:
        flash(_("%(learner_name)s is enrolled.", learner_name=learner.name), "success")
    else:
        flash(_("%(learner_name)s is on the waiting list.", learner_name=learner.name), "success")
    return redirect(url_for("training_company.enrolments"))


def register(app: Flask) -> None:
    """The company administrator's enrolment pages."""
    from innocore.template_helpers import register_company_page

    app.register_blueprint(bp)
    register_company_page(
        app, _l("Training enrolments of the company"), "training_company.enrolments"
    )
