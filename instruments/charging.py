"""Bookings become ledger charges: the job that charges finished bookings, late cancellations and
no-shows at the hourly rate of the user's category (network mobility rate where it applies), and
the company administrator's page of the company's bookings.

The ledger itself (charges, policies, statements) is the kernel's ``innocore.ledger``; this module
only writes to it. ``innocore.create_app`` calls ``register`` right after the ledger's.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

from innocore import clock
from innocore.accounts.models import User
from innocore.accounts.rules import category_for
from innocore.extensions import db
from innocore.ledger import rules
from innocore.ledger.models import Charge, ChargePolicy, ChargeSource
from innocore.ledger.services import ChargeInput, policy_for, record_charge
from innocore.marks import N_
from innocore.permissions import require
from instruments.mobility.services import hourly_rate
from instruments.models import Booking, BookingStatus, FacilityBookingSettings, Instrument
from instruments.requests.models import RequestBooking
from instruments.services.booking_settings import usage_settings

bp = Blueprint("company_bookings", __name__, url_prefix="/charges/company")
PER_PAGE = 50
# A booking checked in but not out is charged once it is checked out, or this long after its end.
CHECKOUT_WAIT = timedelta(hours=12)


def _uncharged_bookings(now: datetime, limit: int):
    settings = FacilityBookingSettings
    charged = sa.select(Charge.id).where(
        Charge.source.in_(
            [ChargeSource.BOOKING, ChargeSource.NO_SHOW, ChargeSource.LATE_CANCELLATION]
        ),
        Charge.source_id == Booking.id,
    )
    linked = sa.select(RequestBooking.booking_id).where(RequestBooking.booking_id == Booking.id)
    chargeable = sa.or_(
        Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.COMPLETED]),
        sa.and_(
            Booking.status == BookingStatus.NO_SHOW,
            sa.or_(
                sa.and_(
                    settings.no_show_fee.is_(None),
                    sa.func.coalesce(ChargePolicy.no_show_share, 1) > 0,
                ),
                settings.no_show_fee > 0,
            ),
        ),
        sa.and_(
            Booking.status == BookingStatus.CANCELLED,
            Booking.cancelled_late.is_(True),
            sa.func.coalesce(ChargePolicy.late_cancel_share, 0) > 0,
        ),
    )
    return db.session.scalars(
        sa.select(Booking)
        .join(Instrument, Instrument.id == Booking.instrument_id)
        .outerjoin(ChargePolicy, ChargePolicy.facility_id == Instrument.facility_id)
        .outerjoin(settings, settings.facility_id == Instrument.facility_id)
        .where(Booking.ends_at <= now, Booking.for_training.is_(False), chargeable)
        .where(
            sa.or_(
                Booking.checked_in_at.is_(None),
                Booking.checked_out_at.is_not(None),
                Booking.ends_at <= now - CHECKOUT_WAIT,
            ),
            _not_awaiting_check_in(settings),
        )
        .where(~sa.exists(charged), ~sa.exists(linked))
        .order_by(Booking.ends_at, Booking.id)
        .limit(limit)
        .options(
            selectinload(Booking.instrument).selectinload(Instrument.rates),
            selectinload(Booking.user),
        )
    ).all()


def _not_awaiting_check_in(settings):
    """At a facility with a no-show rule, a confirmed booking nobody checked in to (starting
    after the rule was turned on) is never charged as used time: the no-show job makes it a
    no-show, charged by the facility's no-show share (so the two jobs never both charge it)."""
    return sa.or_(
        Booking.status != BookingStatus.CONFIRMED,
        Booking.checked_in_at.is_not(None),
        settings.no_show_grace_minutes.is_(None),
        settings.no_show_since.is_(None),
        Booking.starts_at < settings.no_show_since,
    )


def _english(source: ChargeSource) -> str:
    """The source's words in English: a charge's description is stored, and read the same by
    everyone (like booking flags), whoever's request made the charge."""
    from flask_babel import force_locale

    with force_locale("en"):
        return source.label


def charge_finished_bookings(now: datetime | None = None, limit: int = 500) -> int:
    """Job: charge bookings that have ended (and late cancellations, no-shows) at the hourly rate
    of the user's category, frozen on the charge (booked or, where the facility says so, actual
    hours; a no-show by the policy's share or the facility's flat fee). Returns how many charges
    were made."""
    now = now or clock.now()
    bookings = _uncharged_bookings(now, limit)
    facility_ids = {b.instrument.facility_id for b in bookings}
    policies = {fid: policy_for(fid) for fid in facility_ids}
    usages = {fid: usage_settings(fid) for fid in facility_ids}
    made = 0
    for booking in bookings:
        instrument = booking.instrument
        policy, usage = policies[instrument.facility_id], usages[instrument.facility_id]
        fee = usage.no_show_fee if booking.status == BookingStatus.NO_SHOW else None
        terms = _terms(booking, policy, fee)
        if terms is None:
            continue
        source, share = terms
        category = category_for(booking.user, instrument.facility)
        rate, mobility = hourly_rate(booking.user, instrument)
        data = ChargeInput(
            source=source,
            source_id=booking.id,
            user=booking.user,
            facility=instrument.facility,
            category=category,
            description=f"{instrument.name}: {_english(source).lower()}"
            + (" (flat fee)" if fee is not None else "")
            + (" (network mobility rate)" if mobility and fee is None else ""),
            unit="hour" if fee is None else "no-show",
            rate=(rate or Decimal("0")) if fee is None else fee,
            quantity=Decimal("1")
            if fee is not None
            else _charged_hours(booking, usage.charge_actual_use),
            share=share,
            incurred_at=booking.starts_at,
            currency=policy.currency,
            instrument_id=instrument.id,
            account_id=booking.account_id,
        )
        made += record_charge(data) is not None
    return made


def _terms(booking: Booking, policy, fee: Decimal | None):
    """(source, share) of a booking's charge, or None: a no-show at a facility with a flat fee
    is charged that fee once (nothing when it is 0), else the charging policy's rule applies."""
    if fee is not None:
        return (ChargeSource.NO_SHOW, Decimal("1")) if fee > 0 else None
    return rules.booking_charge(
        booking.status.value,
        cancelled_late=booking.cancelled_late,
        late_share=policy.late_cancel_share,
        no_show_share=policy.no_show_share,
    )


def _charged_hours(booking: Booking, actual_use: bool):
    """Hours charged: the booked interval, or with ``actual_use`` (a facility setting) the time
    from check-in to check-out (to the booked end when nobody checked out) of a booking that
    was checked in; a no-show or late cancellation is always its booked time."""
    if actual_use and booking.checked_in_at is not None and booking.status.value == "confirmed":
        end = booking.checked_out_at or max(booking.ends_at, booking.checked_in_at)
        return rules.hours_between(booking.checked_in_at, end)
    return rules.hours_between(booking.starts_at, booking.ends_at)


def company_bookings_stmt(organisation_id: int) -> sa.Select:
    """Every booking of the company's people, newest first (for company administrators)."""
    return (
        sa.select(Booking)
        .join(User, User.id == Booking.user_id)
        .where(User.organisation_id == organisation_id)
        .options(selectinload(Booking.instrument), selectinload(Booking.user))
        .order_by(Booking.starts_at.desc(), Booking.id.desc())
    )


@bp.route("/bookings")
@require(lambda u: u.is_company_admin, N_("Only company administrators see this page."))
def company_bookings():
    stmt = company_bookings_stmt(current_user.organisation_id)
    page = db.paginate(stmt, per_page=PER_PAGE, error_out=False)
    return render_template(
        "instruments/company_bookings.html", page=page, org=current_user.organisation
    )


def register(app: Flask) -> None:
    """The company's bookings page and the booking-charging job."""
    from innocore.jobs import register_job
    from innocore.permissions import is_company_admin
    from innocore.template_helpers import register_company_page, register_nav

    app.register_blueprint(bp)
    register_nav(
        app, _l("Charges"), "company_bookings.company_bookings", is_company_admin, group="Company"
    )
    register_company_page(
        app, _l("Bookings of the company's people"), "company_bookings.company_bookings"
    )
    register_job(app, "charge_bookings", charge_finished_bookings, 900)
