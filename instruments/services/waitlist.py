"""The waiting list for instrument time: join, accept or decline an offer, withdraw.

A person may wait for a taken interval when they could book it apart from the overlap (the
booking checks of ``bookings.booking_problems_for``, not a copy), once per interval. Offers are
made by ``holds.slot_freed`` when time frees; accepting one runs every booking check again and
turns the held booking into a normal one (confirmed, or pending where the instrument needs
approval). Every write runs under the instrument's write lock (``lock_instrument``).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.errors import DomainError, Forbidden, NotFound
from innocore.extensions import db
from innocore.ledger.accounts import needs_owner_approval
from innocore.marks import N_, T_
from innocore.status import status_word
from instruments import rules
from instruments.models import (
    OPEN_WAITLIST,
    AccountApproval,
    BookingStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from instruments.permissions import can_staff_instrument
from instruments.services.account_owner import ask_owner, estimate
from instruments.services.bookings import BookingInput, booking_problems_for, needs_approval
from instruments.services.common import (
    flush_or_conflict,
    lock_instrument,
    notify,
    raise_if,
    record_change,
)
from instruments.services.holds import end_offer, slot_freed


def join_waitlist(
    actor: User,
    instrument_id: int,
    starts_at: datetime,
    ends_at: datetime,
    *,
    purpose: str = "",
    account_id: int | None = None,
) -> WaitlistEntry:
    """Wait for the taken interval ``[starts_at, ends_at)`` (UTC instants) of an instrument.

    Raises ``DomainError`` (422) when the person could not book the time anyway (competence,
    policy, documents, account: the booking's own problems), when it is free (``slot_free``:
    book it), or when they already wait for it (``already_waiting``).
    """
    instrument = lock_instrument(instrument_id)
    data = BookingInput(starts_at, ends_at, purpose=purpose, account_id=account_id)
    waiting = db.session.scalar(
        sa.select(sa.func.count()).where(
            WaitlistEntry.instrument_id == instrument.id,
            WaitlistEntry.user_id == actor.id,
            WaitlistEntry.starts_at == starts_at,
            WaitlistEntry.ends_at == ends_at,
            WaitlistEntry.status.in_(OPEN_WAITLIST),
        )
    )
    problems = rules.waitlist_join_problems(
        booking_problems_for(actor, instrument, actor, data), already_waiting=bool(waiting)
    )
    if problems:
        raise DomainError(problems)
    entry = WaitlistEntry(
        instrument=instrument,
        user=actor,
        starts_at=starts_at,
        ends_at=ends_at,
        status=WaitlistStatus.WAITING,
        purpose=purpose[:2000],
        account_id=account_id,
        created_at=clock.now(),
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(
        actor, "waitlist.joined", entry, audit.snapshot(entry), facility_id=instrument.facility_id
    )
    return entry


def get_entry(actor: User, entry_id: int, *, staff_may: bool = False) -> WaitlistEntry:
    """The actor's own entry (or, with ``staff_may``, one at an instrument they staff); else 404."""
    entry = db.session.get(WaitlistEntry, entry_id)
    if entry is None:
        raise NotFound(N_("No such waiting-list entry."))
    if entry.user_id == actor.id:
        return entry
    if staff_may and can_staff_instrument(actor, entry.instrument):
        return entry
    raise NotFound(N_("No such waiting-list entry."))


def _locked(actor: User, entry_id: int, *, staff_may: bool = False) -> WaitlistEntry:
    entry = get_entry(actor, entry_id, staff_may=staff_may)
    lock_instrument(entry.instrument_id)
    db.session.refresh(entry)  # as it is now that we hold the lock
    return entry


def accept_offer(actor: User, entry_id: int) -> WaitlistEntry:
    """Take the offered time: the hold becomes a booking after every booking check again.

    Raises ``DomainError`` 422 when the offer is not open (``offer_closed``, ``offer_lapsed``)
    or the booking would now be refused (e.g. a certificate ended meanwhile).
    """
    entry = _locked(actor, entry_id)
    now = clock.now()
    raise_if(rules.waitlist_offer_problems(entry.status.value, entry.offer_expires_at, now))
    hold, instrument = entry.hold_booking, entry.instrument
    data = BookingInput(
        entry.starts_at, entry.ends_at, purpose=entry.purpose, account_id=entry.account_id
    )
    raise_if(booking_problems_for(actor, instrument, actor, data, booking_id=hold.id))
    pending = needs_approval(instrument, actor, lambda: can_staff_instrument(actor, instrument))
    owner_decides = needs_owner_approval(hold.account_id, estimate(hold))
    pending = pending or owner_decides
    hold.status = BookingStatus.PENDING if pending else BookingStatus.CONFIRMED
    hold.account_approval = AccountApproval.AWAITING if owner_decides else None
    hold.sequence, hold.updated_at = hold.sequence + 1, now
    entry.status, entry.ended_at = WaitlistStatus.ACCEPTED, now
    flush_or_conflict()
    record_change(hold, actor, "accepted", N_("from the waiting list"))
    if owner_decides:
        ask_owner(hold)
    audit.record(
        actor,
        "waitlist.offer_accepted",
        entry,
        audit.changes_of(entry),
        facility_id=instrument.facility_id,
    )
    audit.record(
        actor, "booking.create", hold, audit.snapshot(hold), facility_id=instrument.facility_id
    )
    if not pending:
        notify(hold, _l("Booking confirmed"), _l("Your booking is confirmed."))
    elif owner_decides:
        message = _l(
            "Your request waits for the account owner's approval; the slot is held for you."
        )
        notify(hold, _l("Booking request received"), message)
    else:
        message = _l("Your request waits for the facility's approval; the slot is held for you.")
        notify(hold, _l("Booking request received"), message)
    return entry


def decline_offer(actor: User, entry_id: int) -> WaitlistEntry:
    """Turn the offered time down; it goes to the next person waiting for it."""
    entry = _locked(actor, entry_id)
    raise_if(rules.waitlist_offer_problems(entry.status.value, entry.offer_expires_at, clock.now()))
    return _close(actor, entry, WaitlistStatus.DECLINED, "waitlist.offer_declined")


def withdraw_entry(actor: User, entry_id: int) -> WaitlistEntry:
    """Leave the waiting list (its person, or the instrument's staff); an open offer is released
    and goes to the next person. Raises 422 ``not_open`` when the entry has already ended."""
    entry = _locked(actor, entry_id, staff_may=True)
    if entry.status not in OPEN_WAITLIST:
        raise DomainError(
            rules.Problem(
                "not_open",
                T_(
                    "This waiting-list entry is no longer open (status: %(status)s).",
                    status=status_word(entry.status, "waitlist"),
                ),
            )
        )
    if entry.user_id != actor.id and not can_staff_instrument(actor, entry.instrument):
        raise Forbidden(N_("Only the person waiting and the instrument's staff remove an entry."))
    return _close(actor, entry, WaitlistStatus.WITHDRAWN, "waitlist.withdrawn")


def _close(actor: User, entry: WaitlistEntry, status: WaitlistStatus, action: str):
    offered = entry.status == WaitlistStatus.OFFERED
    freed = end_offer(entry, status, actor)
    audit.record(
        actor, action, entry, audit.changes_of(entry), facility_id=entry.instrument.facility_id
    )
    flush_or_conflict()
    if offered:
        slot_freed(entry.instrument_id, *freed)
    return entry
