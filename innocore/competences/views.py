"""Competence framework pages."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from innocore.competences import services
from innocore.competences.forms import CompetenceForm
from innocore.competences.rules import parse_levels
from innocore.confirm import Confirmation, irreversible
from innocore.errors import Forbidden
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.forms import attempt, choices, form_status
from innocore.marks import N_
from innocore.permissions import can_manage_competence, is_network_admin, managed_facility_ids
from innocore.vocab import Technology

bp = Blueprint("competences", __name__, url_prefix="/competences")
NETWORK = "network"


def _owner_choices() -> list[tuple[str, str]]:
    choices = [(NETWORK, N_("The whole network"))] if is_network_admin(current_user) else []
    ids = None if is_network_admin(current_user) else managed_facility_ids(current_user)
    q = db.select(Facility).order_by(Facility.name)
    if ids is not None:
        q = q.where(Facility.id.in_(ids))
    return choices + [(str(f.id), f.name) for f in db.session.scalars(q)]


def _data(form: CompetenceForm) -> services.CompetenceData:
    owner = form.owner.data
    return services.CompetenceData(
        code=form.code.data,
        title=form.title.data,
        technology=Technology(form.technology.data),
        levels=parse_levels(form.levels.data),
        description=form.description.data,
        facility_id=None if owner in (NETWORK, None, "") else int(owner),
        esco_uri=form.esco_uri.data,
        default_validity_months=form.default_validity_months.data,
        lapse_after_days=form.lapse_after_days.data,
    )


@bp.route("/")
def index():
    tech = request.args.get("technology")
    technology = Technology(tech) if tech in Technology._value2member_map_ else None
    page = db.paginate(
        services.list_competences(technology=technology), per_page=50, error_out=False
    )
    return render_template(
        "competences/index.html", page=page, technology=technology, technologies=list(Technology)
    )


@bp.route("/<int:competence_id>")
def show(competence_id: int):
    return render_template(
        "competences/show.html", competence=services.get_competence(competence_id)
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    form = CompetenceForm()
    form.owner.choices = choices(_owner_choices())
    if not form.owner.choices:
        raise Forbidden(N_("Network administrators and facility managers add competences."))
    if form.validate_on_submit():
        ok, competence = attempt(
            form, lambda: services.create_competence(current_user, _data(form))
        )
        if ok:
            flash(
                _("Competence %(competence_code)s added.", competence_code=competence.code),
                "success",
            )
            return redirect(url_for("competences.show", competence_id=competence.id))
    return render_template("competences/form.html", form=form, competence=None), form_status(form)


@bp.route("/<int:competence_id>/edit", methods=["GET", "POST"])
@login_required
def edit(competence_id: int):
    competence = services.get_competence(competence_id)
    if not can_manage_competence(current_user, competence):
        raise Forbidden(N_("You may not edit this competence."))
    form = CompetenceForm(obj=competence)
    form.owner.choices = choices([(str(competence.facility_id or NETWORK), "unchanged")])
    if request.method == "GET":
        form.levels.data = "\n".join(lv.name for lv in competence.levels)
        form.technology.data = competence.technology.value
        form.owner.data = str(competence.facility_id or NETWORK)
    if form.validate_on_submit():
        ok, _result = attempt(
            form, lambda: services.update_competence(current_user, competence, _data(form))
        )
        if ok:
            flash(_("Competence saved."), "success")
            return redirect(url_for("competences.show", competence_id=competence.id))
    return render_template("competences/form.html", form=form, competence=competence), form_status(
        form
    )


def _confirm_retire(competence_id: int) -> Confirmation | None:
    competence = services.get_competence(competence_id)
    if request.form.get("retired") != "1" or competence.retired:
        return None  # reinstating, or nothing changes
    if not can_manage_competence(current_user, competence):
        raise Forbidden(N_("You may not edit this competence."))
    return Confirmation(
        _("Retire the competence “%(competence_title)s”?", competence_title=competence.title),
        [
            _(
                "“%(competence_title)s” leaves the lists people choose from: "
                "no new certificate, training module or instrument "
                "requirement can name it.",
                competence_title=competence.title,
            ),
            _("Certificates already issued for it stay as they are and still verify."),
            _("A manager can reinstate it later from this page."),
        ],
        _("Retire the competence"),
        url_for("competences.show", competence_id=competence.id),
    )


@bp.route("/<int:competence_id>/retire", methods=["POST"])
@login_required
@irreversible(_confirm_retire)
def retire(competence_id: int):
    competence = services.get_competence(competence_id)
    retired = request.form.get("retired") == "1"
    services.set_retired(current_user, competence, retired)
    db.session.commit()
    flash(
        _(
            "“%(competence_title)s” retired: it can no longer be chosen for new certificates.",
            competence_title=competence.title,
        )
        if retired
        else f"“{competence.title}” reinstated: it can be chosen again.",
        "success",
    )
    return redirect(url_for("competences.show", competence_id=competence.id))
