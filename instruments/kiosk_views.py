"""Kiosk devices in the pages: managers create and revoke a facility's tablets; a tablet opens its
secret link once and then shows that facility's kiosk, where people check in and out with their
kiosk PIN (``instruments.kiosk_devices``).

The tablet holds no account: opening the link signs out whoever was signed in in that browser and
sets a kiosk cookie of its own (signed, HttpOnly, the device's id and secret digest), valid for
``KIOSK_COOKIE_DAYS`` and renewed on every kiosk page, so a tablet in daily use never expires and a
forgotten one stops. Every request checks the device again: a revoked device stops at once. The
cookie opens nothing but the routes below; every other page sees an anonymous visitor.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from innocore import clock
from innocore.confirm import Confirmation, irreversible
from innocore.errors import DomainError, Forbidden, NotFound
from innocore.extensions import db, limiter
from innocore.facilities.services import get_facility_by_slug
from innocore.forms import attempt, form_status
from innocore.links import absolute_url
from innocore.marks import N_, T_
from innocore.transactions import writes
from instruments import bp, queries
from instruments.forms import KioskDeviceForm
from instruments.kiosk_devices import (
    KioskDevice,
    create_device,
    device_for_token,
    first_name,
    get_device,
    kiosk_check_in,
    kiosk_check_out,
    list_devices,
    live_device,
    revoke_device,
    touch_device,
)
from instruments.models import Booking

COOKIE = "innocore_kiosk"
KIOSK_COOKIE_DAYS = 30
# Wrong PINs allowed per person (at any kiosk) and per tablet (for anyone) in 15 minutes.
PIN_FAILURES_PER_PERSON = "5 per 15 minutes"
PIN_FAILURES_PER_DEVICE = "20 per 15 minutes"
PIN_THROTTLED = N_(
    "Too many wrong kiosk PINs. Wait 15 minutes, or ask the facility's staff to check you in."
)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="kiosk-device")


def _tablet_device() -> KioskDevice | None:
    """The live kiosk device this browser holds a cookie of, or None (none, expired, revoked)."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        device_id, token_hash = _serializer().loads(raw, max_age=KIOSK_COOKIE_DAYS * 86400)
    except (BadSignature, ValueError, TypeError):
        return None
    return live_device(int(device_id), str(token_hash))


def _with_cookie(response, device: KioskDevice):
    """Set (or renew) the tablet's kiosk cookie on ``response``."""
    value = _serializer().dumps([device.id, device.token_hash])
    response.set_cookie(
        COOKIE,
        value,
        max_age=int(timedelta(days=KIOSK_COOKIE_DAYS).total_seconds()),
        path=url_for("instruments.device_kiosk"),  # this route and those under it only
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )
    return response


def _not_a_kiosk():
    return render_template("instruments/kiosk_not_a_device.html"), 401


# ---- the tablet ------------------------------------------------------------------------------


@bp.route("/kiosk/open/<token>")
@writes  # records when the device was last used
def open_kiosk(token: str):
    """What a kiosk device's secret link opens: the tablet becomes that facility's kiosk."""
    device = device_for_token(token)
    if current_user.is_authenticated:
        logout_user()  # the tablet must not keep anyone's powers
    device.last_used_at = clock.now()
    db.session.commit()
    return _with_cookie(redirect(url_for("instruments.device_kiosk"), 303), device)


@bp.route("/kiosk")
def device_kiosk():
    """Today's bookings at the tablet's facility, first names only, a PIN to check in or out."""
    device = _tablet_device()
    if device is None:
        return _not_a_kiosk()
    touch_device(device)
    return _with_cookie(_device_page(device), device)


def _device_page(device: KioskDevice, refusal=None, refused_id=None, status: int = 200):
    facility = device.facility
    now = clock.now()
    page = render_template(
        "instruments/kiosk.html",
        facility=facility,
        device=device,
        bookings=queries.kiosk_bookings(facility.id, facility.timezone, now),
        now=now,
        refusal=refusal,
        refused_id=refused_id,
        first_name=first_name,
    )
    return current_app.make_response((page, status))


def _person_key() -> str:
    booking = db.session.get(Booking, request.view_args.get("booking_id", 0))
    return f"kiosk-pin-person:{booking.user_id if booking else 0}"


def _device_key() -> str:
    device = _tablet_device()
    return f"kiosk-pin-device:{device.id if device else 0}"


def _wrong_pin(response) -> bool:
    return response.status_code == 403


def _pin_limits(view):
    for key in (_person_key, _device_key):
        limit = PIN_FAILURES_PER_PERSON if key is _person_key else PIN_FAILURES_PER_DEVICE
        view = limiter.limit(
            limit, key_func=key, deduct_when=_wrong_pin, error_message=PIN_THROTTLED
        )(view)
    return view


def _device_action(booking_id: int, act, done):
    device = _tablet_device()
    if device is None:
        return _not_a_kiosk()
    try:
        booking = act(device, booking_id, request.form.get("pin", ""))
    except (Forbidden, NotFound):
        raise
    except DomainError as err:  # a wrong PIN is a 403 of its own, counted by ``_pin_limits``
        db.session.rollback()
        return _device_page(device, err.problems, booking_id, err.status)
    db.session.commit()
    flash(done(first_name(booking.user)), "success")
    return redirect(url_for("instruments.device_kiosk"), 303)


def _checked_in(name: str) -> str:
    return _("%(name)s is checked in.", name=name)


def _checked_out(name: str) -> str:
    return _("%(name)s is checked out.", name=name)


@bp.route("/kiosk/bookings/<int:booking_id>/check-in", methods=["POST"])
@_pin_limits
def device_check_in(booking_id: int):
    return _device_action(booking_id, kiosk_check_in, _checked_in)


@bp.route("/kiosk/bookings/<int:booking_id>/check-out", methods=["POST"])
@_pin_limits
def device_check_out(booking_id: int):
    return _device_action(booking_id, kiosk_check_out, _checked_out)


# ---- managers: the facility's kiosk devices ---------------------------------------------------


@bp.route("/facility/<slug>/kiosk-devices", methods=["GET", "POST"])
@login_required
def kiosk_devices(slug: str):
    """The facility's kiosk devices (managers); a new one's link is shown once."""
    facility = get_facility_by_slug(slug)
    devices = list_devices(current_user, facility)  # 403 for anyone but its managers
    form, link = KioskDeviceForm(), None
    if form.validate_on_submit():
        ok, created = attempt(form, lambda: create_device(current_user, facility, form.name.data))
        if ok:
            link = absolute_url("instruments.open_kiosk", token=created[1])
            form, devices = KioskDeviceForm(formdata=None), list_devices(current_user, facility)
    page = render_template(
        "instruments/kiosk_devices.html", facility=facility, devices=devices, form=form, link=link
    )
    return page, 201 if link else form_status(form)


def _confirm_revoke(slug: str, device_id: int) -> Confirmation | None:
    device = get_device(current_user, device_id)
    if device.revoked_at is not None:
        return None
    return Confirmation(
        _("Revoke this kiosk device?"),
        [
            T_(
                "%(name)s stops showing the kiosk at once; its link no longer opens it.",
                name=device.name,
            ),
            N_("A revoked device cannot be restored: create a new one for that tablet."),
        ],
        _("Revoke device"),
        url_for("instruments.kiosk_devices", slug=slug),
    )


@bp.route("/facility/<slug>/kiosk-devices/<int:device_id>/revoke", methods=["POST"])
@login_required
@irreversible(_confirm_revoke)
def revoke_kiosk_device(slug: str, device_id: int):
    if get_device(current_user, device_id).facility.slug != slug:
        raise NotFound(N_("No such kiosk device."))
    device = revoke_device(current_user, device_id)
    db.session.commit()
    flash(_("%(name)s is revoked.", name=device.name), "success")
    return redirect(url_for("instruments.kiosk_devices", slug=device.facility.slug)), 303
