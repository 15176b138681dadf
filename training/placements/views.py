"""Placement pages: offers, offering, one offer (apply; the host's applications), one application
(the learning agreement with its signatures and PDF, check-ins, completion)."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from innocore import clock
from innocore.amounts import MONEY_PLACES, AmountError, parse_amount
from innocore.competences.models import Competence
from innocore.confirm import Confirmation, irreversible
from innocore.errors import DomainError, Forbidden, Problem
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.forms import as_int
from innocore.marks import N_
from innocore.permissions import managed_facility_ids
from innocore.vocab import UserCategory
from instruments.requests.views import uploads_of
from training.challenges.forms import as_date, close_instant, needs, typed_dates
from training.placements import permissions, queries, services
from training.placements.models import PlacementKind

bp = Blueprint("placements", __name__, url_prefix="/placements", template_folder="templates")


@bp.route("/")
@login_required
def index():
    return render_template(
        "placements/index.html",
        offers=db.session.scalars(queries.open_stmt(clock.now()).limit(100)).all(),
        hosted=db.session.scalars(queries.hosted_stmt(current_user)).all(),
        mine=db.session.scalars(queries.mine_stmt(current_user.id)).all(),
    )


def _decimal(raw) -> Decimal | None:
    """The stipend typed in the reader's locale (empty: 0), in EUR; text that is no number or has
    more than two decimal places is refused on its field (422), never rounded."""
    try:
        amount = parse_amount(str(raw or ""), clock.reader_locale(), places=MONEY_PLACES)
    except AmountError as err:
        raise DomainError(Problem("stipend_invalid", err.message, "stipend_eur_month")) from None
    return Decimal("0.00") if amount is None else amount


def _offer_input(form) -> services.OfferInput:
    typed_dates(form, ("starts_on", "ends_on", "closes_on"))
    facility_id = as_int(form.get("facility_id")) if form.get("facility_id") else None
    facility = db.session.get(Facility, facility_id) if facility_id else None
    zone = facility.timezone if facility is not None else current_user.timezone or "UTC"
    return services.OfferInput(
        kind=form.get("kind", ""),
        facility_id=facility_id,
        title=form.get("title", ""),
        description=form.get("description", ""),
        learning_outcomes=form.get("learning_outcomes", "").splitlines(),
        starts_on=as_date(form.get("starts_on")),
        ends_on=as_date(form.get("ends_on")),
        hours_per_week=as_int(form.get("hours_per_week")),
        stipend_eur_month=_decimal(form.get("stipend_eur_month")),
        places=as_int(form.get("places")),
        applications_close_at=close_instant(as_date(form.get("closes_on")), zone),
        min_eqf_level=as_int(form.get("min_eqf_level")) if form.get("min_eqf_level") else None,
        user_categories=form.getlist("user_categories"),
        module_id=as_int(form.get("module_id")) if form.get("module_id") else None,
        needs=needs(form),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not permissions.can_offer_placement(current_user):
        raise Forbidden(N_("Company staff and facility managers offer placements."))
    if request.method == "POST":
        p = services.offer_placement(current_user, _offer_input(request.form))
        db.session.commit()
        flash(_("The placement is offered and takes applications."), "success")
        return redirect(url_for("placements.show", placement_id=p.id))
    from training.models import ModuleKind, TrainingModule

    managed = managed_facility_ids(current_user)
    return render_template(
        "placements/new.html",
        kinds=list(PlacementKind),
        categories=list(UserCategory),
        facilities=db.session.scalars(
            sa.select(Facility).where(Facility.id.in_(managed or {-1})).order_by(Facility.name)
        ).all(),
        competences=db.session.scalars(
            sa.select(Competence).where(Competence.retired.is_(False)).order_by(Competence.title)
        ).all(),
        modules=db.session.scalars(
            sa.select(TrainingModule)
            .where(
                TrainingModule.facility_id.in_(managed or {-1}),
                TrainingModule.kind == ModuleKind.PLACEMENT,
            )
            .order_by(TrainingModule.title)
        ).all(),
    )


@bp.route("/<int:placement_id>")
@login_required
def show(placement_id: int):
    p = services.get_placement(placement_id)
    hosting = permissions.can_host(current_user, p)
    return render_template(
        "placements/show.html",
        p=p,
        hosting=hosting,
        applications=db.session.scalars(queries.applications_stmt(p.id)).all() if hosting else [],
        open=p.applications_close_at > clock.now(),
    )


@bp.route("/<int:placement_id>/apply", methods=["POST"])
@login_required
def apply(placement_id: int):
    form = request.form
    services.apply(
        current_user,
        placement_id,
        motivation=form.get("motivation", ""),
        supervisor_email=form.get("supervisor_email", ""),
        eqf_level=as_int(form.get("eqf_level")) if form.get("eqf_level") else None,
        uploads=uploads_of(request.files.getlist("files")),
    )
    db.session.commit()
    flash(_("Application sent; the host and your home supervisor are told by e-mail."), "success")
    return redirect(url_for("placements.show", placement_id=placement_id))


@bp.route("/applications/<int:application_id>")
@login_required
def application(application_id: int):
    a = services.get_application(current_user, application_id)
    return render_template(
        "placements/application.html",
        a=a,
        p=a.placement,
        me=permissions.party(current_user, a),
        files=queries.files_of(a.id),
        checkins=queries.checkins_of(a.id),
    )


def _back(application_id: int, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("placements.application", application_id=application_id))


def _confirm_decide(application_id: int) -> Confirmation | None:
    a = services.get_application(current_user, application_id)
    if request.form.get("decision") != "decline" or a.status.value != "submitted":
        return None
    return Confirmation(
        _("Decline %(applicant_name)s's application?", applicant_name=a.applicant.name),
        [
            _(
                "The application to “%(placement_title)s” is declined for good: it cannot be selected later.",
                placement_title=a.placement.title,
            ),
            _(
                "%(applicant_name)s and their home supervisor are told by e-mail.",
                applicant_name=a.applicant.name,
            ),
        ],
        _("Decline the application"),
        url_for("placements.application", application_id=application_id),
    )


@bp.route("/applications/<int:application_id>/decide", methods=["POST"])
@login_required
@irreversible(_confirm_decide)
def decide(application_id: int):
    services.get_application(current_user, application_id)  # strangers: 404 before the form
    decision = request.form.get("decision")
    if decision not in ("select", "decline"):
        raise DomainError(Problem("decision", N_("Select or decline."), "decision"))
    a = services.decide(current_user, application_id, select=decision == "select")
    done = (
        _("Application selected; the applicant is told by e-mail.")
        if decision == "select"
        else _("Application declined; the applicant is told by e-mail.")
    )
    return _back(a.id, done)


@bp.route("/applications/<int:application_id>/sign", methods=["POST"])
@login_required
def sign(application_id: int):
    services.sign(current_user, application_id, request.form.get("as_party", ""))
    return _back(application_id, N_("You signed the learning agreement."))


@bp.route("/applications/<int:application_id>/checkins", methods=["POST"])
@login_required
def checkin(application_id: int):
    services.check_in(
        current_user,
        application_id,
        progress=as_int(request.form.get("progress_percent")),
        note=request.form.get("note", ""),
    )
    return _back(application_id, N_("Check-in recorded."))


@bp.route("/applications/<int:application_id>/complete", methods=["POST"])
@login_required
def complete(application_id: int):
    services.get_application(current_user, application_id)  # strangers: 404 before the form
    passed = request.form.get("passed")
    if passed not in ("yes", "no"):
        raise DomainError(Problem("passed", N_("Say whether the placement was passed."), "passed"))
    services.complete(
        current_user,
        application_id,
        passed=passed == "yes",
        evaluation=request.form.get("evaluation", ""),
    )
    return _back(application_id, N_("Placement completed; the participant is told by e-mail."))


@bp.route("/applications/<int:application_id>/agreement.pdf")
@login_required
def agreement(application_id: int):
    from training.placements.pdf import agreement_pdf

    a = services.get_application(current_user, application_id)
    return Response(
        agreement_pdf(a),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="learning-agreement-{a.id}.pdf"'},
    )


@bp.route("/files/<int:file_id>")
@login_required
def download(file_id: int):
    row = services.get_file(current_user, file_id)
    safe = "".join(c for c in row.filename if c.isalnum() or c in "._- ")[:100] or "file"
    return Response(
        row.data,
        mimetype=row.content_type or "application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )
