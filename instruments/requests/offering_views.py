"""HTML pages of the services catalog and the expertise directory, and their manager forms."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from innocore.confirm import Confirmation, irreversible
from innocore.errors import Forbidden, NotFound
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.forms import attempt, choices, form_status
from innocore.marks import N_
from innocore.vocab import Technology, UserCategory
from instruments.models import Instrument
from instruments.requests import bp, offerings
from instruments.requests.forms import ExpertiseForm, ServiceForm
from instruments.requests.models import ServiceUnit
from instruments.requests.permissions import can_manage_services


def _q() -> str:
    return (request.args.get("q") or "").strip()[:100]


@bp.route("/services")
def services_page():
    q = _q()
    page = db.paginate(offerings.list_services(q=q or None), per_page=25, error_out=False)
    return render_template("requests/services.html", page=page, q=q)


@bp.route("/directory")
def directory():
    q = _q()
    tech = request.args.get("technology")
    technology = Technology(tech) if tech in Technology._value2member_map_ else None
    page = db.paginate(offerings.directory(q or None, technology), per_page=20, error_out=False)
    return render_template(
        "requests/directory.html",
        page=page,
        q=q,
        technology=technology,
        technologies=list(Technology),
        profiles=offerings.profiles([f.id for f in page.items]),
    )


@bp.route("/facilities/<slug>")
def profile(slug: str):
    facility = db.session.scalar(sa.select(Facility).where(Facility.slug == slug))
    if facility is None:
        raise NotFound(N_("No such facility."))
    return render_template(
        "requests/profile.html",
        facility=facility,
        profile=offerings.profiles([facility.id])[facility.id],
        expertise_form=_expertise_form(facility, formdata=None),
    )


def _expertise_form(facility, **kw) -> ExpertiseForm:
    form = ExpertiseForm(**kw)
    staff = offerings.facility_staff(facility.id)
    form.user_id.choices = choices([("", N_("The facility"))] + [(u.id, u.name) for u in staff])
    return form


@bp.route("/facilities/<int:facility_id>/expertise", methods=["POST"])
@login_required
def add_expertise(facility_id: int):
    facility = offerings.get_facility(facility_id)
    if not can_manage_services(current_user, facility):
        raise Forbidden(N_("Only the facility's managers edit its expertise profile."))
    form = _expertise_form(facility)
    user_id = int(form.user_id.data) if (form.user_id.data or "").isdigit() else None
    offerings.add_expertise(
        current_user,
        facility.id,
        topic=form.topic.data or "",
        description=form.description.data or "",
        user_id=user_id,
    )
    db.session.commit()
    flash(_("Expertise added."), "success")
    return redirect(url_for("requests.profile", slug=facility.slug))


def _confirm_remove_expertise(expertise_id: int) -> Confirmation | None:
    from instruments.requests.models import Expertise

    row = db.session.get(Expertise, expertise_id)
    if row is None:
        raise NotFound(N_("No such expertise entry."))
    facility = offerings.get_facility(row.facility_id)
    if not can_manage_services(current_user, facility):
        raise Forbidden(N_("Only the facility's managers edit its expertise profile."))
    return Confirmation(
        _("Remove “%(topic)s” from the expertise profile?", topic=row.topic),
        [
            _(
                "“%(topic)s” no longer shows on %(facility_name)s's profile "
                "or in the expertise directory; its description is deleted.",
                topic=row.topic,
                facility_name=facility.name,
            ),
            _("To list it again you would add it anew."),
        ],
        _("Remove the expertise"),
        url_for("requests.profile", slug=facility.slug),
    )


@bp.route("/expertise/<int:expertise_id>/remove", methods=["POST"])
@login_required
@irreversible(_confirm_remove_expertise)
def remove_expertise(expertise_id: int):
    offerings.remove_expertise(current_user, expertise_id)
    db.session.commit()
    flash(_("Expertise removed: it no longer shows on the profile or in the directory."), "info")
    return redirect(request.referrer or url_for("requests.directory"))


def _service_form(facility, service=None) -> ServiceForm:
    form = ServiceForm(obj=service) if service and request.method == "GET" else ServiceForm()
    instruments = db.session.scalars(
        sa.select(Instrument).where(Instrument.facility_id == facility.id).order_by(Instrument.name)
    ).all()
    form.instrument_ids.choices = choices((i.id, i.name) for i in instruments)
    if service is not None and request.method == "GET":
        form.unit.data = service.unit.value
        form.instrument_ids.data = [i.id for i in service.instruments]
        for category in UserCategory:
            getattr(form, f"price_{category.value}").data = service.price_for(category)
    return form


def _data(form: ServiceForm) -> offerings.ServiceData:
    prices: dict[UserCategory, Decimal | None] = {
        c: getattr(form, f"price_{c.value}").data for c in UserCategory
    }
    return offerings.ServiceData(
        name=form.name.data or "",
        unit=ServiceUnit(form.unit.data),
        description=form.description.data or "",
        deliverables=form.deliverables.data or "",
        expertise=form.expertise.data or "",
        turnaround_days=form.turnaround_days.data,
        prices=prices,
        instrument_ids=list(form.instrument_ids.data or []),
        active=bool(form.active.data),
    )


def _save(form, facility, save, template_args):
    if form.validate_on_submit():
        ok, service = attempt(form, lambda: save(_data(form)))
        if ok:
            flash(_("Service saved."), "success")
            return redirect(url_for("requests.profile", slug=service.facility.slug))
    page = render_template(
        "requests/service_form.html", form=form, facility=facility, **template_args
    )
    return page, form_status(form)


@bp.route("/facilities/<int:facility_id>/services/new", methods=["GET", "POST"])
@login_required
def create_service(facility_id: int):
    facility = offerings.get_facility(facility_id)
    if not can_manage_services(current_user, facility):
        raise Forbidden(N_("Only the facility's managers list its services."))
    return _save(
        _service_form(facility),
        facility,
        lambda data: offerings.create_service(current_user, facility.id, data),
        {"service": None},
    )


@bp.route("/services/<int:service_id>/edit", methods=["GET", "POST"])
@login_required
def edit_service(service_id: int):
    service = offerings.get_service(service_id)
    if not can_manage_services(current_user, service.facility):
        raise Forbidden(N_("Only the facility's managers edit its services."))
    return _save(
        _service_form(service.facility, service),
        service.facility,
        lambda data: offerings.update_service(current_user, service.id, data),
        {"service": service},
    )
