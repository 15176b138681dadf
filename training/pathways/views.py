"""Career pathway pages: role profiles with my gap, one profile (the gap and what closes it;
talent counts and contact for companies; editing for network admins)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from innocore.competences.models import Competence
from innocore.errors import DomainError, Forbidden, Problem
from innocore.extensions import db
from innocore.forms import as_int
from training.pathways import services
from training.pathways.models import RoleProfile, TalentOptIn

bp = Blueprint("pathways", __name__, url_prefix="/careers", template_folder="templates")


def _profiles() -> list[RoleProfile]:
    return db.session.scalars(
        sa.select(RoleProfile).where(RoleProfile.active.is_(True)).order_by(RoleProfile.title)
    ).all()


@bp.route("/")
@login_required
def index():
    from training.pathways.rules import gap

    profiles = _profiles()
    held = services.held_levels([current_user.id])[current_user.id]
    return render_template(
        "pathways/index.html",
        profiles=profiles,
        gaps={p.id: gap([(t.competence_id, t.level) for t in p.targets], held) for p in profiles},
        opted_in=db.session.get(TalentOptIn, current_user.id) is not None,
    )


@bp.route("/<code>")
@login_required
def show(code: str):
    profile = services.get_profile(code)
    return render_template(
        "pathways/show.html",
        profile=profile,
        gap=services.gap_for(current_user, profile),
        talent=services.talent(current_user, profile) if services.can_scout(current_user) else None,
        competences=_competences() if services.can_manage_profiles(current_user) else [],
    )


def _competences():
    return db.session.scalars(
        sa.select(Competence).where(Competence.retired.is_(False)).order_by(Competence.title)
    ).all()


def _input(form) -> services.ProfileInput:
    targets = []
    for cid, level in zip(
        form.getlist("competence_id"), form.getlist("competence_level"), strict=False
    ):
        if str(cid).strip():
            c, lv = as_int(cid), as_int(level)
            if c is None or lv is None:
                raise DomainError(
                    Problem("targets", "Give each competence with a level.", "targets")
                )
            targets.append((c, lv))
    return services.ProfileInput(
        code=form.get("code", ""),
        title=form.get("title", ""),
        description=form.get("description", ""),
        esco_uri=form.get("esco_uri") or None,
        targets=targets,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not services.can_manage_profiles(current_user):
        raise Forbidden("Network administrators define role profiles.")
    if request.method == "POST":
        profile = services.save_role_profile(current_user, _input(request.form))
        db.session.commit()
        flash("Role profile saved.", "success")
        return redirect(url_for("pathways.show", code=profile.code))
    return render_template("pathways/new.html", competences=_competences())


@bp.route("/<code>/edit", methods=["POST"])
@login_required
def edit(code: str):
    profile = services.get_profile(code)
    services.save_role_profile(current_user, _input(request.form), profile)
    db.session.commit()
    flash("Role profile saved.", "success")
    return redirect(url_for("pathways.show", code=profile.code))


@bp.route("/opt-in", methods=["POST"])
@login_required
def opt_in():
    services.set_opt_in(current_user, request.form.get("opt_in") == "yes")
    db.session.commit()
    flash("Your choice is saved.", "success")
    return redirect(url_for("pathways.index"))


@bp.route("/<code>/contact", methods=["POST"])
@login_required
def contact(code: str):
    profile = services.get_profile(code)
    n = services.contact(current_user, profile, request.form.get("message", ""))
    db.session.commit()
    flash(f"Your message was sent to {n} people who opted in.", "success")
    return redirect(url_for("pathways.show", code=code))
