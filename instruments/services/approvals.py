"""The approvals inbox: staff confirm or reject pending booking requests."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.errors import DomainError, Forbidden, Problem
from innocore.extensions import db
from innocore.marks import N_
from innocore.notifications import kinds
from instruments import rules
from instruments.models import AccountApproval, Booking, BookingStatus
from instruments.permissions import can_staff_instrument
from instruments.services.bookings import check_request
from instruments.services.common import (
    acting_for,
    get_booking,
    lock_instrument,
    notify,
    raise_if,
    record_change,
)
from instruments.services.holds import slot_freed


def _decidable(actor: User, booking_id: int) -> Booking:
    """404 for a booking the actor cannot see, 403 for one they may see but not decide on."""
    booking = get_booking(actor, booking_id)
    if not can_staff_instrument(actor, booking.instrument):
        raise Forbidden(N_("Only the facility's staff decide on booking requests."))
    return booking


def _decide(actor: User, booking_id: int, status: BookingStatus, reason: str) -> Booking:
    booking = _decidable(actor, booking_id)
    lock_instrument(booking.instrument_id)
    now = clock.now()
    # Compare-and-set: two staff deciding at once cannot both win.
    won = db.session.execute(
        sa.update(Booking)
        .where(Booking.id == booking.id, Booking.status == BookingStatus.PENDING)
        .values(
            status=status,
            decided_by_id=actor.id,
            decided_at=now,
            decision_reason=reason or None,
            sequence=Booking.sequence + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        raise DomainError(
            Problem("already_decided", N_("This request was already decided.")), status=409
        )
    db.session.refresh(booking)
    record_change(booking, actor, status.value, reason or "")
    audit.record(
        actor,
        f"booking.{status.value}",
        booking,
        {"status": ["pending", status.value]},
        facility_id=booking.instrument.facility_id,
    )
    return booking


def approve_booking(actor: User, booking_id: int, override_reason: str | None = None) -> Booking:
    """Confirm a pending request; pending requests overlapping it are rejected with notice.

    Every booking rule is evaluated again now (the holder's certificate may have been revoked
    since the request, the instrument may be down): the problems found raise ``DomainError``
    (422, each marked overridable or not). Staff override the overridable ones only by giving
    ``override_reason``, which is recorded on the booking, in its history and in the audit.
    """
    booking = confirm_request(actor, booking_id, override_reason)
    notify(booking, _l("Booking approved"), _l("The facility approved your booking."))
    return booking


def confirm_request(actor: User, booking_id: int, override_reason: str | None = None) -> Booking:
    """``approve_booking`` without its e-mail (a series approves many and sends one)."""
    booking = _decidable(actor, booking_id)
    instrument = lock_instrument(booking.instrument_id)
    db.session.refresh(booking)
    reason = (override_reason or "").strip() or None
    if booking.account_approval == AccountApproval.AWAITING:
        raise DomainError(
            Problem("awaits_account_owner", N_("The account's owner has not approved it yet.")), 409
        )
    if booking.status == BookingStatus.PENDING:
        req = rules.BookingRequest(
            booking.starts_at,
            booking.ends_at,
            booking.user_id,
            booking.id,
            booking.purpose,
            booking.project,
            acting_for(actor, booking.user),
        )
        raise_if(check_request(instrument, booking.user, req, staff=True, reason=reason))
    booking = _decide(actor, booking_id, BookingStatus.CONFIRMED, reason or "")
    if reason:
        booking.override_reason = reason
    losers = db.session.scalars(
        sa.select(Booking).where(
            Booking.instrument_id == booking.instrument_id,
            Booking.status == BookingStatus.PENDING,
            Booking.id != booking.id,
            Booking.starts_at < booking.ends_at,
            Booking.ends_at > booking.starts_at,
        )
    ).all()
    for loser in losers:
        reject_booking(actor, loser.id, N_("Another request for the same time was approved."))
    return booking


def reject_booking(actor: User, booking_id: int, reason: str) -> Booking:
    """Reject a pending request with a reason; the slot is free again."""
    _decidable(actor, booking_id)  # who may reject comes before what is missing
    if not (reason or "").strip():
        raise DomainError(Problem("reason_required", N_("Tell the requester why."), "reason"))
    booking = _decide(actor, booking_id, BookingStatus.REJECTED, reason.strip()[:1000])
    notify(
        booking,
        _l("Booking request declined"),
        _l("The facility declined your booking request."),
        kind=kinds.STAFF_CHANGES,
        method="CANCEL",
        reason=reason,
    )
    slot_freed(booking.instrument_id, booking.starts_at, booking.ends_at)  # the next person waiting
    return booking
