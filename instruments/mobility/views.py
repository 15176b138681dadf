"""The facility's mobility page: its network mobility rate and cross-institution use."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from innocore.extensions import db
from innocore.marks import N_
from instruments.mobility import services
from instruments.mobility.models import MobilityRate

bp = Blueprint(
    "mobility", __name__, url_prefix="/instruments/mobility", template_folder="templates"
)


def _facility(slug: str):
    import sqlalchemy as sa

    from innocore.errors import NotFound
    from innocore.facilities.models import Facility

    facility = db.session.scalar(sa.select(Facility).where(Facility.slug == slug))
    if facility is None:
        raise NotFound(N_("No such facility."))
    return facility


@bp.route("/<slug>")
@login_required
def facility_page(slug: str):
    facility = _facility(slug)
    return render_template(
        "mobility/facility.html",
        facility=facility,
        usage=services.usage(current_user, facility),
        setting=db.session.get(MobilityRate, facility.id),
    )


@bp.route("/<slug>/rate", methods=["POST"])
@login_required
def set_rate(slug: str):
    facility = _facility(slug)
    raw = request.form.get("share_percent", "").strip()
    share = int(raw) if raw.isdigit() and len(raw) <= 3 else raw
    services.set_share(current_user, facility, share)
    db.session.commit()
    flash(_("Network mobility rate saved."), "success")
    return redirect(url_for("mobility.facility_page", slug=slug))
