"""HTML pages of usage as it happened: check-in and check-out buttons (booking page, the
instrument's QR code page, the facility kiosk), the QR code itself, unbooked use logged by staff
and a facility's check-in settings. Each action calls ``instruments.services.usage``."""

from __future__ import annotations

import io

import segno
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from innocore import clock
from innocore.accounts.services import get_user_by_email
from innocore.confirm import Confirmation, irreversible
from innocore.errors import DomainError, Forbidden, Problem
from innocore.facilities.services import get_facility_by_slug
from innocore.forms import attempt, attempt_action, form_status
from innocore.links import absolute_url
from innocore.marks import N_, T_
from innocore.permissions import can_manage_facility, can_staff_facility
from innocore.template_helpers import local_time
from instruments import bp, queries, services
from instruments.booking_views import _booking_page, to_instant
from instruments.forms import LoggedUseForm, UsageSettingsForm
from instruments.models import UsageChannel
from instruments.permissions import can_staff_instrument
from instruments.services import booking_settings

PAGE_CHANNELS = {
    c.value: c for c in (UsageChannel.BOOKING_PAGE, UsageChannel.QR, UsageChannel.KIOSK)
}


def _channel(booking) -> UsageChannel:
    """Where the button was pressed; staff pressing it on someone's booking page is "staff"."""
    via = PAGE_CHANNELS.get(request.form.get("via", ""), UsageChannel.BOOKING_PAGE)
    if via == UsageChannel.BOOKING_PAGE and booking.user_id != current_user.id:
        return UsageChannel.STAFF
    return via


def _usage_action(booking_id: int, act, done):
    """Run a check-in or check-out; back to the page the button was on (the kiosk, the QR code
    page or the booking), or that page with the reasons when it is refused (422/409)."""
    booking = services.get_booking(current_user, booking_id)
    via = _channel(booking)
    _, err = attempt_action(lambda: act(current_user, booking_id, via))
    refusal = err.problems if err is not None else None
    if via == UsageChannel.KIOSK:
        if err is not None:
            return _kiosk_page(booking.instrument.facility, refusal, booking_id, err.status)
        target = url_for("instruments.kiosk", slug=booking.instrument.facility.slug)
    elif via == UsageChannel.QR:
        if err is not None:
            return _here_page(booking.instrument_id, refusal, err.status)
        target = url_for("instruments.check_in_here", instrument_id=booking.instrument_id)
    else:
        if err is not None:
            return _booking_page(booking_id, refusal=refusal, status=err.status)
        target = url_for("instruments.booking_page", booking_id=booking_id)
    flash(done(booking.user.name), "success")
    return redirect(target), 303


@bp.route("/bookings/<int:booking_id>/check-in", methods=["POST"])
@login_required
def check_in(booking_id: int):
    return _usage_action(
        booking_id, services.check_in, lambda name: _("%(name)s is checked in.", name=name)
    )


def _confirm_check_out(booking_id: int) -> Confirmation | None:
    """Checking out before the end gives the rest of the time away: ask first."""
    booking = services.get_booking(current_user, booking_id)
    now = clock.now()
    if (
        booking.checked_in_at is None
        or booking.checked_out_at
        or not booking.starts_at <= now < booking.ends_at
    ):
        return None  # nothing to give away, or the action says why it is refused
    zone = booking.instrument.facility.timezone
    return Confirmation(
        _("Check out now?"),
        [
            T_(
                "%(instrument)s (%(person)s) ends now, at %(now)s (%(zone)s time), instead "
                "of %(end)s: the rest of the time becomes free for others to book.",
                instrument=booking.instrument.name,
                person=booking.user.name,
                now=local_time(now, zone, "%H:%M"),
                zone=zone,
                end=local_time(booking.ends_at, zone, "%H:%M"),
            ),
            N_("The booking cannot be resumed; book again to continue later."),
        ],
        _("Check out now"),
        url_for("instruments.booking_page", booking_id=booking_id),
    )


@bp.route("/bookings/<int:booking_id>/check-out", methods=["POST"])
@login_required
@irreversible(_confirm_check_out)
def check_out(booking_id: int):
    return _usage_action(
        booking_id, services.check_out, lambda name: _("%(name)s is checked out.", name=name)
    )


# ---- the instrument's QR code and the page it opens --------------------------------------------


@bp.route("/<int:instrument_id>/here")
@login_required
def check_in_here(instrument_id: int):
    """What the QR code on the instrument opens: the signed-in person's booking on it now."""
    return _here_page(instrument_id)


def _here_page(instrument_id: int, refusal=None, status: int = 200):
    instrument = queries.get_instrument(instrument_id)
    now = clock.now()
    opens = booking_settings.usage_settings(instrument.facility_id).checkin_opens_minutes
    booking = queries.current_booking_of(current_user.id, instrument.id, now, opens)
    page = render_template(
        "instruments/check_in_here.html",
        instrument=instrument,
        booking=booking,
        now=now,
        refusal=refusal,
    )
    return page, status


@bp.route("/<int:instrument_id>/qr.svg")
@login_required
def check_in_qr(instrument_id: int):
    """The QR code (SVG, ISO/IEC 18004 by segno) to print on the instrument (staff)."""
    instrument = queries.get_instrument(instrument_id)
    if not can_staff_instrument(current_user, instrument):
        raise Forbidden(N_("Only the facility's staff print check-in codes."))
    url = absolute_url("instruments.check_in_here", instrument_id=instrument.id)
    out = io.BytesIO()
    segno.make(url, error="m").save(
        out, kind="svg", scale=6, border=2, title=_("Check in: %(name)s", name=instrument.name)
    )
    return Response(out.getvalue(), mimetype="image/svg+xml")


# ---- the facility kiosk --------------------------------------------------------------------


@bp.route("/facility/<slug>/kiosk")
@login_required
def kiosk(slug: str):
    """Today's bookings at the facility with check-in and check-out buttons (staff signed in; an
    unattended tablet opens ``instruments.kiosk_views.device_kiosk`` instead)."""
    return _kiosk_page(get_facility_by_slug(slug))


def _kiosk_page(facility, refusal=None, refused_id=None, status: int = 200):
    if not can_staff_facility(current_user, facility):
        raise Forbidden(N_("Only the facility's staff open its kiosk."))
    now = clock.now()
    page = render_template(
        "instruments/kiosk.html",
        facility=facility,
        bookings=queries.kiosk_bookings(facility.id, facility.timezone, now),
        now=now,
        refusal=refusal,
        refused_id=refused_id,
    )
    return page, status


# ---- unbooked use, settings ----------------------------------------------------------------


@bp.route("/<int:instrument_id>/usage", methods=["GET", "POST"])
@login_required
def log_use(instrument_id: int):
    instrument = queries.get_instrument(instrument_id)
    if not can_staff_instrument(current_user, instrument):
        raise Forbidden(N_("Only the facility's staff log unbooked use."))
    form = LoggedUseForm()
    if form.validate_on_submit():
        ok, booking = attempt(form, lambda: _log(form, instrument))
        if ok:
            flash(N_("Use logged: it is charged like a booking."), "success")
            return redirect(url_for("instruments.booking_page", booking_id=booking.id)), 303
    page = render_template("instruments/log_use.html", form=form, instrument=instrument)
    return page, form_status(form)


def _log(form: LoggedUseForm, instrument):
    zone = instrument.facility.timezone
    user = get_user_by_email(form.user_email.data)
    if user is None:
        raise DomainError(Problem("unknown_user", N_("Nobody with this e-mail."), "user_email"))
    data = services.LoggedUse(
        user.id,
        to_instant(form.starts_at, zone),
        to_instant(form.ends_at, zone),
        (form.note.data or "").strip(),
    )
    return services.log_unbooked_use(current_user, instrument.id, data)


@bp.route("/facility/<slug>/check-in", methods=["GET", "POST"])
@login_required
def usage_settings(slug: str):
    facility = get_facility_by_slug(slug)
    if not can_manage_facility(current_user, facility):
        raise Forbidden(N_("Only the facility's managers change its check-in settings."))
    form = UsageSettingsForm()
    if not form.is_submitted():
        current = booking_settings.usage_settings(facility.id)
        form.checkin_opens_minutes.data = current.checkin_opens_minutes
        form.no_show_grace_minutes.data = current.no_show_grace_minutes
        form.charge_actual_use.data = current.charge_actual_use
        form.no_show_fee.data = current.no_show_fee
    if form.validate_on_submit():
        ok, _ = attempt(
            form,
            lambda: booking_settings.set_usage_settings(
                current_user,
                facility,
                checkin_opens_minutes=form.checkin_opens_minutes.data,
                no_show_grace_minutes=form.no_show_grace_minutes.data,
                charge_actual_use=form.charge_actual_use.data,
                no_show_fee=form.no_show_fee.data,
            ),
        )
        if ok:
            flash(N_("Check-in settings saved."), "success")
            return redirect(url_for("instruments.usage_settings", slug=facility.slug)), 303
    page = render_template("instruments/usage_settings.html", form=form, facility=facility)
    return page, form_status(form)
