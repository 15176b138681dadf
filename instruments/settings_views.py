"""HTML pages of a facility's booking settings (its managers only)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from innocore.errors import Forbidden
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.forms import attempt, form_status
from innocore.marks import N_
from innocore.permissions import can_manage_facility
from instruments import bp
from instruments.forms import ReminderForm
from instruments.services import booking_settings
from instruments.services.holds import hold_minutes


@bp.route("/facility/<slug>/reminders", methods=["GET", "POST"])
@login_required
def reminder_settings(slug: str):
    facility = db.session.scalar(sa.select(Facility).where(Facility.slug == slug)) or abort(404)
    if not can_manage_facility(current_user, facility):
        raise Forbidden(N_("Only the facility's managers change its reminder time."))
    form = ReminderForm()
    if not form.is_submitted():
        form.reminder_hours.data = booking_settings.reminder_hours(facility.id)
        form.cancel_on_certificate_end.data = booking_settings.cancels_on_certificate_end(
            facility.id
        )
        form.waitlist_hold_minutes.data = hold_minutes(facility.id)
    if form.validate_on_submit():
        ok, _saved = attempt(
            form,
            lambda: booking_settings.set_reminder_hours(
                current_user,
                facility,
                form.reminder_hours.data,
                cancel_on_certificate_end=form.cancel_on_certificate_end.data,
                waitlist_hold_minutes=form.waitlist_hold_minutes.data,
            ),
        )
        if ok:
            flash(_("Reminder time saved."), "success")
            return redirect(url_for("instruments.reminder_settings", slug=facility.slug)), 303
    page = render_template("instruments/reminders.html", form=form, facility=facility)
    return page, form_status(form)
