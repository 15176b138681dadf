"""Asking a billing account's owner to approve a booking estimated above the account's
approval threshold (the decision itself is ``account_approvals``)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from innocore.extensions import db
from innocore.ledger.accounts import BillingAccount
from innocore.ledger.approvals import ask_account_owner
from instruments import rules
from instruments.mobility.services import hourly_rate
from instruments.models import Booking


def estimate(booking: Booking) -> Decimal | None:
    """The booking's estimated charge (EUR): its user's hourly rate times its length."""
    rate, _mobility = hourly_rate(booking.user, booking.instrument)
    return rules.price(booking.starts_at, booking.ends_at, rate)


def ask_owner(booking: Booking) -> None:
    """Tell the account's approvers that a booking waits for them (kind: work to decide)."""
    account = db.session.get(BillingAccount, booking.account_id)
    ask_account_owner(
        account,
        _l("A booking on %(name)s waits for your approval", name=account.name),
        "account_approval",
        f"account-approval-{booking.id}",
        booking=booking,
        amount=estimate(booking),
    )
