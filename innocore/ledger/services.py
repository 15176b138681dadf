"""Ledger use cases: record a charge with its rate frozen, read and set a facility's charging policy.

Every source has one ``source_key``; inserting a second charge for it fails on the unique index
inside a savepoint and is skipped, so the jobs that write charges (bookings in
``instruments.charging``, quotes in ``instruments.requests.services``, training fees in
``training.fees``) can be re-run or run twice safely.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.errors import DomainError, Forbidden
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.ledger import rules
from innocore.ledger.models import Charge, ChargePolicy, ChargeSource
from innocore.marks import N_
from innocore.permissions import can_manage_facility
from innocore.vocab import UserCategory

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
    account_id: int | None = None  # the billing account charged (innocore.ledger.accounts)

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
        account_id=data.account_id,
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
        raise Forbidden(N_("Only the facility's managers set its charging rules."))
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
