"""Qualification path pages: my progress, a path's detail, administration and award confirmation."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from innocore.errors import DomainError, Problem
from innocore.extensions import db
from innocore.forms import attempt, choices, form_status
from innocore.marks import N_
from innocore.permissions import require
from training.certification.permissions import can_manage_paths
from training.paths import services
from training.paths.models import AwardMode, AwardStatus, PathAward, QualificationPath

bp = Blueprint("paths", __name__, url_prefix="/paths", template_folder="templates")


@bp.route("/")
@login_required
def index():
    paths = db.session.scalars(
        sa.select(QualificationPath)
        .where(QualificationPath.active)
        .order_by(QualificationPath.title)
    ).all()
    progress = {p.id: services.progress_for(current_user.id, p) for p in paths}
    return render_template("paths/index.html", paths=paths, progress=progress)


@bp.route("/<code>")
@login_required
def show(code: str):
    path = services.get_path(code)
    return render_template("paths/show.html", p=services.progress_for(current_user.id, path))


class PathForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    eqf_level = IntegerField(_l("EQF level"), validators=[Optional(), NumberRange(1, 8)])
    award_mode = SelectField(_l("Award"), choices=choices((m.value, m.label) for m in AwardMode))
    requirements = TextAreaField(_l("Requirement tree (JSON)"), validators=[DataRequired()])


def _input(form: PathForm) -> services.PathInput:
    try:
        tree = json.loads(form.requirements.data)
    except ValueError:
        raise DomainError(
            Problem("bad_json", N_("The requirement tree is not valid JSON."), "requirements")
        ) from None
    return services.PathInput(
        form.code.data,
        form.title.data,
        form.description.data or "",
        form.eqf_level.data,
        tree,
        AwardMode(form.award_mode.data),
    )


def _save(form: PathForm, path: QualificationPath | None):
    if not form.validate_on_submit():
        return render_template("paths/form.html", form=form, path=path), form_status(form)
    ok, saved = attempt(
        form, lambda: services.save_path(current_user, _input(form), path), on_form=(422,)
    )
    if not ok:
        return render_template("paths/form.html", form=form, path=path), form_status(form)
    flash(_("Qualification path saved."), "success")
    return redirect(url_for(".show", code=saved.code))


@bp.route("/new", methods=["GET", "POST"])
@require(can_manage_paths, N_("Only network administrators define qualification paths."))
def new():
    return _save(PathForm(), None)


@bp.route("/<code>/edit", methods=["GET", "POST"])
@require(can_manage_paths, N_("Only network administrators define qualification paths."))
def edit(code: str):
    path = services.get_path(code)
    form = PathForm(obj=path) if request.method == "GET" else PathForm()
    if request.method == "GET":
        form.requirements.data = json.dumps(path.requirements, indent=2)
        form.award_mode.data = path.award_mode.value
    return _save(form, path)


@bp.route("/awards")
@require(can_manage_paths, N_("Only network administrators confirm path awards."))
def awards():
    pending = db.session.scalars(
        sa.select(PathAward)
        .where(PathAward.status == AwardStatus.PENDING)
        .order_by(PathAward.completed_at)
    ).all()
    return render_template("paths/awards.html", pending=pending)


@bp.route("/awards/<int:award_id>/confirm", methods=["POST"])
@require(can_manage_paths, N_("Only network administrators confirm path awards."))
def confirm(award_id: int):
    award = services.confirm_award(current_user, award_id)
    db.session.commit()
    flash(
        _(
            "%(user_name)s was awarded %(path_title)s.",
            user_name=award.user.name,
            path_title=award.path.title,
        ),
        "success",
    )
    return redirect(url_for(".awards"))
