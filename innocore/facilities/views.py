"""Facility pages: directory, profile, create/edit, staff roles."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from innocore.accounts.models import Organisation
from innocore.accounts.services import get_user_by_email
from innocore.confirm import Confirmation, irreversible
from innocore.errors import DomainError, Forbidden, NotFound
from innocore.extensions import db
from innocore.facilities import services
from innocore.facilities.forms import AppointForm, FacilityForm
from innocore.forms import attempt, choices, form_status, refusal_status
from innocore.marks import N_
from innocore.permissions import can_create_facility, can_manage_facility, require
from innocore.vocab import FacilityRoleKind, Technology

bp = Blueprint("facilities", __name__, url_prefix="/facilities")


def _institution_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        sa.select(Organisation.id, Organisation.name, Organisation.kind).order_by(Organisation.name)
    ).all()
    return [(r.id, r.name) for r in rows if r.kind.is_academic]


def _data(form: FacilityForm) -> services.FacilityData:
    return services.FacilityData(
        slug=form.slug.data,
        name=form.name.data,
        institution_id=form.institution_id.data,
        timezone=form.timezone.data,
        contact_email=form.contact_email.data,
        description=form.description.data,
        contact_phone=form.contact_phone.data,
        location=form.location.data,
        technologies=tuple(Technology(t) for t in form.technologies.data),
    )


@bp.route("/")
def directory():
    tech = request.args.get("technology") or None
    technology = Technology(tech) if tech in Technology._value2member_map_ else None
    q = (request.args.get("q") or "").strip()[:100]
    page = db.paginate(
        services.list_facilities(technology=technology, q=q or None), per_page=24, error_out=False
    )
    return render_template(
        "facilities/directory.html",
        page=page,
        technology=technology,
        q=q,
        technologies=list(Technology),
    )


@bp.route("/new", methods=["GET", "POST"])
@require(can_create_facility, N_("Only network administrators create facilities."))
def create():
    form = FacilityForm()
    form.institution_id.choices = choices(_institution_choices())
    if form.validate_on_submit():
        ok, facility = attempt(form, lambda: services.create_facility(current_user, _data(form)))
        if ok:
            flash(
                _(
                    "Facility “%(facility_name)s” created. Appoint its managers next.",
                    facility_name=facility.name,
                ),
                "success",
            )
            return redirect(url_for("facilities.staff", slug=facility.slug))
    return render_template("facilities/form.html", form=form, facility=None), form_status(form)


@bp.route("/<slug>")
def show(slug: str):
    facility = services.get_facility_by_slug(slug)
    return render_template("facilities/show.html", facility=facility)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    facility = services.get_facility_by_slug(slug)
    if not can_manage_facility(current_user, facility):
        raise Forbidden(N_("Only the facility's managers edit it."))
    form = FacilityForm(obj=facility)
    form.institution_id.choices = choices(_institution_choices())
    if request.method == "GET":
        form.technologies.data = [t.value for t in facility.technologies]
    if form.validate_on_submit():
        ok, _result = attempt(
            form, lambda: services.update_facility(current_user, facility, _data(form))
        )
        if ok:
            flash(_("Facility saved."), "success")
            return redirect(url_for("facilities.show", slug=facility.slug))
    return render_template("facilities/form.html", form=form, facility=facility), form_status(form)


@bp.route("/<slug>/staff", methods=["GET", "POST"])
@login_required
def staff(slug: str):
    facility = services.get_facility_by_slug(slug)
    if not can_manage_facility(current_user, facility):
        raise Forbidden(N_("Only the facility's managers see and change its staff."))
    form = AppointForm()
    if form.validate_on_submit():
        user = get_user_by_email(form.email.data)
        ok, _result = attempt(form, lambda: _appoint(facility, user, form.role.data))
        if ok:
            flash(
                _(
                    "%(user_name)s is now %(role)s of %(facility_name)s.",
                    user_name=user.name,
                    role=form.role.data,
                    facility_name=facility.name,
                ),
                "success",
            )
            return redirect(url_for("facilities.staff", slug=slug))
    return render_template(
        "facilities/staff.html", facility=facility, form=form, roles=services.list_roles(facility)
    ), refusal_status(form)


def _appoint(facility, user, role: str):
    if user is None:
        raise DomainError(_no_such_user())
    return services.appoint(current_user, facility, user, FacilityRoleKind(role))


def _no_such_user():
    from innocore.errors import Problem

    return Problem(
        "unknown_user",
        N_("Nobody with this e-mail has an account yet; ask them to register."),
        "email",
    )


def _role_at(slug: str, role_id: int):
    from innocore.facilities.models import FacilityRole

    facility = services.get_facility_by_slug(slug)
    if not can_manage_facility(current_user, facility):
        abort(403)
    row = db.session.scalar(
        sa.select(FacilityRole).where(
            FacilityRole.id == role_id, FacilityRole.facility_id == facility.id
        )
    )
    if row is None:
        raise NotFound(N_("No such role at this facility."))
    return facility, row


def _confirm_remove_role(slug: str, role_id: int) -> Confirmation | None:
    facility, row = _role_at(slug, role_id)
    values = {"who": row.user.name, "facility_name": facility.name}
    question, consequence, button = {
        "manager": (
            _("Remove %(who)s as manager?", **values),
            _(
                "%(who)s is no longer manager at %(facility_name)s: from now on they cannot do "
                "what the manager role allows here (their own bookings and certificates stay).",
                **values,
            ),
            _("Remove the manager role"),
        ),
        "staff": (
            _("Remove %(who)s as staff?", **values),
            _(
                "%(who)s is no longer staff at %(facility_name)s: from now on they cannot do "
                "what the staff role allows here (their own bookings and certificates stay).",
                **values,
            ),
            _("Remove the staff role"),
        ),
        "trainer": (
            _("Remove %(who)s as trainer?", **values),
            _(
                "%(who)s is no longer trainer at %(facility_name)s: from now on they cannot do "
                "what the trainer role allows here (their own bookings and certificates stay).",
                **values,
            ),
            _("Remove the trainer role"),
        ),
    }[row.role.value]
    return Confirmation(
        question,
        [consequence, _("To give the role back you would appoint them again.")],
        button,
        url_for("facilities.staff", slug=slug),
    )


@bp.route("/<slug>/staff/<int:role_id>/remove", methods=["POST"])
@login_required
@irreversible(_confirm_remove_role)
def remove_role(slug: str, role_id: int):
    facility, row = _role_at(slug, role_id)
    values = {"who": row.user.name, "facility_name": facility.name}
    done = {
        "manager": _("%(who)s is no longer manager at %(facility_name)s.", **values),
        "staff": _("%(who)s is no longer staff at %(facility_name)s.", **values),
        "trainer": _("%(who)s is no longer trainer at %(facility_name)s.", **values),
    }[row.role.value]
    services.remove_role(current_user, facility, role_id)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("facilities.staff", slug=slug))
