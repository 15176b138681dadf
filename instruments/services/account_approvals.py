"""Bookings waiting for the billing account owner's approval (issue 14 part 2).

A booking charged to an account with an approval threshold, estimated above it (the hourly
rate of its user times its length, EUR), is created pending with ``account_approval`` awaiting;
the account's owner (its group's PI, or its company's administrators) approves or refuses it.
Approval runs the booking rules again and confirms it, unless the facility must still approve it
too (then it stays pending for staff). Refusal rejects it and offers its time on. Both are
compare-and-set under the instrument's write lock, so two decisions cannot both win.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.errors import DomainError, NotFound, Problem
from innocore.extensions import db
from innocore.ledger.accounts import BillingAccount, approver_account_ids
from innocore.ledger.approvals import ApprovalItem, ApprovalKind, register_approval_kind
from innocore.marks import N_
from instruments import rules
from instruments.models import AccountApproval, Booking, BookingStatus
from instruments.services.bookings import check_request, needs_approval
from instruments.services.common import (
    acting_for,
    lock_instrument,
    notify,
    raise_if,
    record_change,
)
from instruments.services.holds import slot_freed


def list_account_approvals(actor: User, ids: list[int] | None = None) -> list[Booking]:
    """Pending bookings awaiting the actor's decision as an account owner, soonest first
    (``ids``: the accounts they decide for, when the caller knows them)."""
    ids = approver_account_ids(actor) if ids is None else ids
    if not ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Booking)
            .where(
                Booking.account_id.in_(ids),
                Booking.account_approval == AccountApproval.AWAITING,
                Booking.status == BookingStatus.PENDING,
            )
            .order_by(Booking.starts_at, Booking.id)
        )
    )


def get_awaiting(actor: User, booking_id: int) -> Booking:
    """A booking charged to an account the actor decides for; else ``NotFound`` (404)."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.account_id not in approver_account_ids(actor):
        raise NotFound(N_("No such booking awaiting your approval."))
    return booking


def _awaiting(actor: User, booking_id: int) -> Booking:
    """The booking, locked and fresh, if the actor decides for its account; else 404."""
    booking = get_awaiting(actor, booking_id)
    lock_instrument(booking.instrument_id)
    db.session.refresh(booking)
    return booking


def _set(booking: Booking, actor: User, decision: AccountApproval, status, reason="") -> None:
    now = clock.now()
    won = db.session.execute(
        sa.update(Booking)
        .where(
            Booking.id == booking.id,
            Booking.status == BookingStatus.PENDING,
            Booking.account_approval == AccountApproval.AWAITING,
        )
        .values(account_approval=decision, status=status, sequence=Booking.sequence + 1)
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        raise DomainError(Problem("already_decided", N_("This booking was already decided.")), 409)
    db.session.refresh(booking)
    record_change(booking, actor, f"account_{decision.value}", reason)
    changes = {"account_approval": ["awaiting", decision.value], "status": ["pending", status]}
    audit.record(
        actor,
        f"booking.account_{decision.value}",
        booking,
        changes,
        facility_id=booking.instrument.facility_id,
    )


def approve_for_account(actor: User, booking_id: int) -> Booking:
    """The account's owner approves the charge: the booking is checked again and confirmed (or
    stays pending for the facility's staff). Raises 404, 409 ``already_decided``, 422."""
    booking = _awaiting(actor, booking_id)
    instrument = booking.instrument
    req = rules.BookingRequest(
        booking.starts_at,
        booking.ends_at,
        booking.user_id,
        booking.id,
        booking.purpose,
        booking.project,
        acting_for(actor, booking.user),
    )
    raise_if(check_request(instrument, booking.user, req, staff=False, reason=None))
    staff_next = needs_approval(instrument, booking.user, lambda: False)
    status = BookingStatus.PENDING if staff_next else BookingStatus.CONFIRMED
    _set(booking, actor, AccountApproval.APPROVED, status)
    words = "the facility approves it next" if staff_next else "your booking is confirmed"
    notify(
        booking,
        _l("Booking approved for its account"),
        _l("The account's owner approved: %(words)s.", words=words),
    )
    return booking


def refuse_for_account(actor: User, booking_id: int, reason: str) -> Booking:
    """The account's owner refuses the charge (a reason is required): the booking is rejected and
    its time offered on. Raises 404, 409 ``already_decided``, 422 ``reason_required``."""
    get_awaiting(actor, booking_id)  # who may decide comes before what is missing
    if not (reason or "").strip():
        raise DomainError(Problem("reason_required", N_("Tell the person why."), "reason"))
    booking = _awaiting(actor, booking_id)
    _set(booking, actor, AccountApproval.REFUSED, BookingStatus.REJECTED, reason.strip()[:1000])
    booking.decided_by_id, booking.decided_at = actor.id, clock.now()
    booking.decision_reason = reason.strip()[:1000]
    notify(
        booking,
        _l("Booking refused for its account"),
        _l("The account's owner did not approve this charge; the booking is cancelled."),
        method="CANCEL",
        reason=reason.strip(),
        by=actor,
    )
    slot_freed(booking.instrument_id, booking.starts_at, booking.ends_at)
    return booking


def _item(booking: Booking) -> ApprovalItem:
    from innocore.links import absolute_url
    from innocore.template_helpers import local_time
    from instruments.services.account_owner import estimate

    zone = booking.instrument.facility.timezone
    account = db.session.get(BillingAccount, booking.account_id)
    return ApprovalItem(
        kind="booking",
        id=booking.id,
        person=booking.user.name,
        title=booking.instrument.name,
        when=f"{local_time(booking.starts_at, zone)} – {local_time(booking.ends_at, zone, '%H:%M')}",
        account_id=account.id,
        account=account.label,
        amount=estimate(booking),
        link=absolute_url("instruments.booking_page", booking_id=booking.id),
        sort_at=booking.starts_at,
    )


def register(app) -> None:
    """Bookings join the account owner's approvals inbox (``innocore.ledger.approvals``)."""
    register_approval_kind(
        app,
        ApprovalKind(
            kind="booking",
            label=_l("Booking"),
            pending=lambda actor, ids: [_item(b) for b in list_account_approvals(actor, ids)],
            get=get_awaiting,
            approve=approve_for_account,
            refuse=refuse_for_account,
            on_refuse=[N_("The booking is cancelled and its time is free for others.")],
        ),
    )
