"""Charging use cases: turn finished bookings, training fees and accepted quotes into charges.

Every source has one ``source_key``; inserting a second charge for it fails on the unique index
inside a savepoint and is skipped, so the jobs can be re-run or run twice safely.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.accounts.rules import category_for
from innocore.errors import DomainError, Forbidden
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.permissions import can_manage_facility
from innocore.vocab import UserCategory
from instruments.charges import rules
from instruments.charges.models import Charge, ChargePolicy, ChargeSource
from instruments.mobility.services import hourly_rate
from instruments.models import Booking, BookingStatus, Instrument

DEFAULT_CURRENCY = "EUR"


@dataclass(frozen=True)
class ChargeInput:
    source: ChargeSource
    source_id: int
    user: User
    facility: Facility
    category: UserCategory
    description: str
    unit: str
    rate: Decimal
    quantity: Decimal
    incurred_at: datetime
    currency: str = DEFAULT_CURRENCY
    share: Decimal = Decimal("1")
    instrument_id: int | None = None
    service_id: int | None = None
    organisation_id: int | None = None  # default: the user's organisation now

    @property
    def key(self) -> str:
        return f"{self.source.value}:{self.source_id}"


def record_charge(data: ChargeInput) -> Charge | None:
    """Record one charge with its rate frozen; ``None`` when the source was already charged."""
    if db.session.scalar(sa.select(Charge.id).where(Charge.source_key == data.key)) is not None:
        return None
    charge = Charge(
        source=data.source,
        source_id=data.source_id,
        source_key=data.key,
        organisation_id=data.organisation_id or data.user.organisation_id,
        user_id=data.user.id,
        facility_id=data.facility.id,
        instrument_id=data.instrument_id,
        service_id=data.service_id,
        category=data.category,
        description=data.description[:300],
        unit=data.unit[:40],
        rate=data.rate,
        quantity=data.quantity,
        share=data.share,
        amount=rules.amount_of(data.rate, data.quantity, data.share),
        currency=data.currency,
        incurred_at=data.incurred_at,
        period_on=rules.period_of(data.incurred_at, data.facility.timezone),
        created_at=clock.now(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(charge)
    except IntegrityError:
        return None  # another worker charged it in the meantime
    return charge


def policy_for(facility_id: int) -> ChargePolicy:
    """The facility's charging policy, or the defaults (no late-cancellation fee, full no-show)."""
    policy = db.session.get(ChargePolicy, facility_id)
    if policy is None:
        policy = ChargePolicy(
            facility_id=facility_id,
            currency=DEFAULT_CURRENCY,
            late_cancel_share=Decimal("0"),
            no_show_share=Decimal("1"),
        )
    return policy


def update_policy(
    actor: User, facility: Facility, *, currency: str, late_cancel_share, no_show_share
) -> ChargePolicy:
    """Managers set the currency and the shares charged for late cancellations and no-shows."""
    if not can_manage_facility(actor, facility):
        raise Forbidden("Only the facility's managers set its charging rules.")
    currency = (currency or "").strip().upper()
    problems = rules.policy_problems(currency, late_cancel_share, no_show_share)
    if problems:
        raise DomainError(problems)
    policy = db.session.get(ChargePolicy, facility.id)
    if policy is None:
        policy = ChargePolicy(facility_id=facility.id)
        db.session.add(policy)
    policy.currency = currency
    policy.late_cancel_share = Decimal(late_cancel_share)
    policy.no_show_share = Decimal(no_show_share)
    policy.updated_at = clock.now()
    db.session.flush()
    audit.record(
        actor,
        "charges.policy",
        policy,
        {"currency": [None, currency], "late": [None, str(late_cancel_share)]},
        facility_id=facility.id,
    )
    return policy


def _uncharged_bookings(now: datetime, limit: int):
    from instruments.requests.models import RequestBooking

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
            sa.func.coalesce(ChargePolicy.no_show_share, 1) > 0,
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
        .where(Booking.ends_at <= now, Booking.for_training.is_(False), chargeable)
        .where(~sa.exists(charged), ~sa.exists(linked))
        .order_by(Booking.ends_at, Booking.id)
        .limit(limit)
        .options(
            selectinload(Booking.instrument).selectinload(Instrument.rates),
            selectinload(Booking.user),
        )
    ).all()


def charge_finished_bookings(now: datetime | None = None, limit: int = 500) -> int:
    """Job: charge bookings that have ended (and late cancellations, no-shows) at the hourly rate
    of the user's category, frozen on the charge. Returns how many charges were made."""
    now = now or clock.now()
    bookings = _uncharged_bookings(now, limit)
    policies = {fid: policy_for(fid) for fid in {b.instrument.facility_id for b in bookings}}
    made = 0
    for booking in bookings:
        instrument = booking.instrument
        policy = policies[instrument.facility_id]
        terms = rules.booking_charge(
            booking.status.value,
            cancelled_late=booking.cancelled_late,
            late_share=policy.late_cancel_share,
            no_show_share=policy.no_show_share,
        )
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
            description=f"{instrument.name}: {source.label.lower()}"
            + (" (network mobility rate)" if mobility else ""),
            unit="hour",
            rate=rate or Decimal("0"),
            quantity=rules.hours_between(booking.starts_at, booking.ends_at),
            share=share,
            incurred_at=booking.starts_at,
            currency=policy.currency,
            instrument_id=instrument.id,
        )
        made += record_charge(data) is not None
    return made


def charge_accepted_quote(quote, request) -> Charge | None:
    """An accepted quote becomes one charge of its total, in the quote's currency and category."""
    return record_charge(
        ChargeInput(
            source=ChargeSource.QUOTE,
            source_id=quote.id,
            user=request.requester,
            facility=request.facility,
            category=quote.category,
            description=f"Request #{request.id}: {request.title} (quote r{quote.revision})",
            unit="quote",
            rate=quote.total,
            quantity=Decimal("1"),
            incurred_at=quote.decided_at or clock.now(),
            currency=quote.currency,
            service_id=request.service_id,
            organisation_id=request.organisation_id,
        )
    )
