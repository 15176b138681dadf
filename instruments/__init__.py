"""Facility catalog and scheduling: instruments, bookings, downtime, services and charges.

The kernel (``innocore``) knows nothing of this package; ``innocore.create_app`` calls ``register``.
"""

import os

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

from innocore.marks import N_

bp = Blueprint(
    "instruments",
    __name__,
    url_prefix="/instruments",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


def register(app: Flask) -> None:
    """Wire this package into the app: models, blueprints, jobs, panels, nav, seeder, the seam."""
    from innocore.dashboard import register_panel
    from innocore.demo import register_seeder
    from innocore.jobs import register_job
    from innocore.template_helpers import register_facility_section, register_nav
    from instruments import (  # noqa: F401
        account_approval_views,
        booking_views,
        calendar_pages,
        kiosk_views,
        models,
        settings_views,
        usage_views,
        views,
        waitlist_views,
    )
    from instruments.account_approval_api import bp as account_approvals_api_bp
    from instruments.api import bp as api_bp
    from instruments.demo import seed_instruments
    from instruments.documents import models as document_models  # noqa: F401
    from instruments.documents import views as document_views  # noqa: F401
    from instruments.eligibility import EXTENSION_KEY, nobody_holds_anything
    from instruments.manage_api import bp as manage_api_bp
    from instruments.no_shows import release_no_shows
    from instruments.panels import bookings_panel, staff_panel
    from instruments.permissions import (
        TEMPLATE_PREDICATES,
        can_book,
        may_approve_somewhere,
    )
    from instruments.reminders import send_reminders
    from instruments.services.holds import expire_offers
    from instruments.waitlist_api import bp as waitlist_api_bp

    app.extensions.setdefault(EXTENSION_KEY, nobody_holds_anything)
    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(manage_api_bp)
    app.register_blueprint(waitlist_api_bp)
    app.register_blueprint(account_approvals_api_bp)
    from instruments.documents.api import bp as documents_api_bp

    app.register_blueprint(documents_api_bp)
    from instruments.usage_api import bp as usage_api_bp

    app.register_blueprint(usage_api_bp)
    from instruments.kiosk_api import bp as kiosk_api_bp

    app.register_blueprint(kiosk_api_bp)
    app.jinja_env.globals.update(TEMPLATE_PREDICATES)
    app.jinja_env.globals["booking_panel_for"] = _booking_panel_for
    _usage_words(app)
    _name_audit_ids(app)
    _name_states()
    register_nav(app, _l("Instruments"), "instruments.catalog_page", group="Book")
    register_nav(app, _l("My bookings"), "instruments.my_bookings", can_book, group="Book")
    register_nav(app, _l("My waiting lists"), "instruments.my_waitlists", can_book, group="Book")
    register_nav(app, _l("Find free time"), "instruments.finder_page", group="Book")
    register_nav(app, _l("Calendar feeds"), "instruments.my_feeds", can_book, group="Book")
    register_nav(
        app, _l("Approvals"), "instruments.approvals", may_approve_somewhere, group="Manage"
    )
    register_facility_section(app, "instruments/_facility_section.html")
    register_panel(app, bookings_panel)
    register_panel(app, staff_panel)
    register_job(app, "instrument_reminders", send_reminders, 300)
    register_job(app, "release_no_shows", release_no_shows, 60)
    register_job(app, "instrument_waitlist_offers", expire_offers, 60)
    register_seeder(app, seed_instruments)
    from instruments.services.account_approvals import register as register_account_approvals

    register_account_approvals(app)
    from instruments.reports import register as register_reports

    register_reports(app)
    if os.environ.get("INNOCORE_BENCH_ENDPOINTS") == "1":
        from instruments.bench_endpoint import bp as bench_bp

        app.register_blueprint(bench_bp)


def _booking_panel_for(instrument):
    """The "may I book this?" panel of an instrument for the signed-in person (templates)."""
    from flask_login import current_user

    from innocore import clock
    from instruments.booking_panel import booking_panel

    return booking_panel(current_user, instrument, clock.now())


def _usage_words(app: Flask) -> None:
    """Words of a booking's use (kiosk, booking page): checked in, out, not yet."""
    from innocore.status import register_words
    from instruments.models import UsageChannel

    register_words(
        "usage",
        {
            "checked_in": (N_("Checked in"), "ok"),
            "checked_out": (N_("Checked out"), "neutral"),
            "not_checked_in": (N_("Not checked in"), "warn"),
        },
    )
    app.jinja_env.globals["usage_channel_words"] = lambda value: UsageChannel(value).label


def _name_states() -> None:
    """Words for the waiting list's states and for held bookings, the same on every page, and
    for the actions of a booking's history (``BookingChange.action``)."""
    from innocore.status import register_actions, register_words

    register_words(
        "waitlist",
        {
            "waiting": (N_("Waiting"), "info"),
            "offered": (N_("Offered: held for you"), "warn"),
            "accepted": (N_("Accepted: booked"), "ok"),
            "declined": (N_("Declined"), "neutral"),
            "expired": (N_("Lapsed"), "bad"),
            "withdrawn": (N_("Left the list"), "neutral"),
        },
    )
    register_words(
        "booking",
        {
            "held": (N_("Held (waiting-list offer)"), "warn"),
            "released": (N_("Released"), "neutral"),
        },
    )
    register_actions(
        "booking",
        {
            "created": N_("Booked"),
            "moved": N_("Moved"),
            "corrected": N_("Times corrected by staff"),
            "cancelled": N_("Cancelled"),
            "ended_early": N_("Ended early"),
            "checked_in": N_("Checked in"),
            "checked_out": N_("Checked out"),
            "no_show": N_("Marked as a no-show"),
            "logged": N_("Use logged by staff"),
            "accepted": N_("Accepted from the waiting list"),
            "flagged": N_("Flagged for attention"),
            "held": N_("Held for a waiting-list offer"),
            "released": N_("Released"),
            "confirmed": N_("Confirmed"),
            "rejected": N_("Rejected"),
            "account_approved": N_("Approved by the account owner"),
            "account_refused": N_("Refused by the account owner"),
        },
    )


def _name_audit_ids(app: Flask) -> None:
    """The audit trail names instruments and services instead of showing their ids."""
    from innocore.audit_text import names_by
    from innocore.audit_text import register_audit_names as name
    from instruments.models import Instrument
    from instruments.requests.models import Service

    name(app, "instrument", ["instrument_id"], names_by(Instrument))
    name(app, "service", ["service_id"], names_by(Service))
    from instruments.kiosk_devices import KioskDevice

    name(app, "kiosk_device", ["kiosk_device_id"], names_by(KioskDevice))
