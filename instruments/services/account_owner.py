"""Asking a billing account's owner to approve a booking estimated above the account's
approval threshold (the decision itself is ``account_approvals``)."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from innocore.accounts.models import User
from innocore.extensions import db
from innocore.ledger.accounts import BillingAccount
from innocore.links import absolute_url
from innocore.notifications import kinds
from innocore.notifications.services import queue_email
from innocore.vocab import OrgRole
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
    approvers = (
        [account.group.pi]
        if account.group_id is not None
        else list(
            db.session.scalars(
                sa.select(User).where(
                    User.organisation_id == account.company_id, User.org_role == OrgRole.ADMIN
                )
            )
        )
    )
    for person in approvers:
        queue_email(
            person,
            f"A booking on {account.name} waits for your approval",
            "account_approval",
            kind=kinds.STAFF_WORK,
            link=absolute_url("instruments.account_approvals"),
            dedupe_key=f"account-approval-{booking.id}-{person.id}",
            booking=booking,
            account=account,
            amount=estimate(booking),
        )
