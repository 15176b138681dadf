"""Usage as it happened: check-in and check-out of bookings, no-shows, unbooked use.

A booking is checked in (from its page, the instrument's QR code, the facility kiosk, the API or
by staff) and checked out; both instants are stored (``Booking.checked_in_at`` and
``checked_out_at``). Checking out before the end frees the rest of the slot. A confirmed booking
not checked in by the facility's deadline becomes a no-show (``release_no_show``, the one place a
no-show releases its slot, used by the job of ``instruments.no_shows`` and by staff). Staff log
use that was never booked as a booking already checked in and out.

Every write locks the instrument first (``lock_instrument``: a row lock on PostgreSQL, the write
transaction on SQLite), so a check-in and the no-show job never both win; the no-show itself is
also a compare-and-set on the row. Services flush; the boundary commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.errors import Forbidden, Problem
from innocore.extensions import db
from innocore.ledger.accounts import check_account
from innocore.marks import N_
from innocore.notifications import kinds
from instruments import rules
from instruments.models import Booking, BookingStatus, UsageChannel
from instruments.permissions import can_staff_instrument
from instruments.queries import busy_between
from instruments.services.booking_settings import usage_settings
from instruments.services.common import (
    acting_for,
    flush_or_conflict,
    get_booking,
    lock_instrument,
    notify,
    raise_if,
    record_change,
)
from instruments.services.holds import slot_freed


def _locked_booking(actor: User, booking_id: int) -> tuple[Booking, bool]:
    """The booking, read again once its instrument is locked; 404 when the actor may not see it,
    403 unless they are its user or the facility's staff."""
    lock_instrument(get_booking(actor, booking_id).instrument_id)
    booking = get_booking(actor, booking_id)
    db.session.refresh(booking)  # as it is now that we hold the lock
    staff = can_staff_instrument(actor, booking.instrument)
    if booking.user_id != actor.id and not staff:
        raise Forbidden(N_("Only the person booked and the facility's staff check a booking in."))
    return booking, staff


def check_in(
    actor: User, booking_id: int, via: UsageChannel, *, device: dict | None = None
) -> Booking:
    """Record that the booked person has started using the instrument (now, UTC). ``device``
    (``{"id", "name"}``) names the kiosk device it was done on, for the audit trail.

    Open from the facility's ``checkin_opens_minutes`` before the start until the no-show
    deadline (staff: until the end). Raises ``DomainError`` 422 (``not_confirmed``,
    ``already_checked_in``, ``checkin_not_open``, ``checkin_closed``, ``already_ended``)."""
    booking, staff = _locked_booking(actor, booking_id)
    now = clock.now()
    settings = usage_settings(booking.instrument.facility_id)
    raise_if(
        rules.checkin_problems(
            booking.status.value,
            booking.starts_at,
            booking.ends_at,
            booking.checked_in_at,
            settings,
            now,
            staff=staff,
        )
    )
    booking.checked_in_at, booking.checked_in_by_id = now, actor.id
    booking.checked_in_via, booking.updated_at = via.value, now
    db.session.flush()
    record_change(booking, actor, "checked_in", _note(via, device))
    changes = {"checked_in_at": [None, now.isoformat()], "via": [None, via.value]}
    if device is not None:
        changes["kiosk_device_id"] = [None, device["id"]]
    audit.record(
        actor, "booking.check_in", booking, changes, facility_id=booking.instrument.facility_id
    )
    return booking


def check_out(
    actor: User, booking_id: int, via: UsageChannel, *, device: dict | None = None
) -> Booking:
    """Record that the person has finished (now, UTC); ``device`` as for ``check_in``. Before
    the booked end the booking ends at the next whole minute, freeing the rest for others (the
    old end stays in its history). Raises ``DomainError`` 422 (``not_checked_in``,
    ``already_checked_out``, ``checkout_before_start``: the booked time has not begun)."""
    booking, _ = _locked_booking(actor, booking_id)
    now = clock.now()
    raise_if(
        rules.checkout_problems(
            booking.checked_in_at, booking.checked_out_at, booking.starts_at, now
        )
    )
    changes = {"checked_out_at": [None, now.isoformat()], "via": [None, via.value]}
    if device is not None:
        changes["kiosk_device_id"] = [None, device["id"]]
    old = (booking.starts_at, booking.ends_at)
    if now < booking.ends_at:
        booking.ends_at = rules.early_end(booking.starts_at, booking.ends_at, now)
        booking.sequence += 1
        changes["ends_at"] = [old[1].isoformat(), booking.ends_at.isoformat()]
    booking.checked_out_at, booking.checked_out_by_id = now, actor.id
    booking.checked_out_via, booking.updated_at = via.value, now
    flush_or_conflict()
    record_change(booking, actor, "checked_out", _note(via, device), old=old)
    audit.record(
        actor, "booking.check_out", booking, changes, facility_id=booking.instrument.facility_id
    )
    if "ends_at" in changes:
        slot_freed(booking.instrument_id, booking.ends_at, old[1], now)
        notify(
            booking,
            _l("Checked out early"),
            _l("You checked out before the end: the rest of the time is free for others again."),
            by=actor,
        )
    return booking


def _note(via: UsageChannel, device: dict | None) -> str:
    """The history note of a check-in or check-out: the channel, and the kiosk device's name."""
    return f"{via.label}: {device['name']}" if device else via.label


def release_no_show(booking: Booking, now: datetime, actor: User | None = None) -> bool:
    """THE place a booking becomes a no-show and releases its slot: a compare-and-set from
    confirmed and not checked in to ``no_show`` (so of two schedulers, or the job and a late
    check-in, exactly one wins), with history, audit and the user's e-mail. Returns whether this
    call made the change. The caller holds the instrument's lock (``lock_instrument``).

    The released interval ``[booking.starts_at, booking.ends_at)`` goes to the instrument's
    waiting list (``holds.slot_freed``, in the same transaction)."""
    done = db.session.execute(
        sa.update(Booking)
        .where(
            Booking.id == booking.id,
            Booking.status == BookingStatus.CONFIRMED,
            Booking.checked_in_at.is_(None),
        )
        .values(status=BookingStatus.NO_SHOW, sequence=Booking.sequence + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        return False
    db.session.refresh(booking)
    record_change(booking, actor, "no_show", "" if actor else N_("not checked in in time"))
    changes = {"status": ["confirmed", "no_show"]}
    audit.record(
        actor, "booking.no_show", booking, changes, facility_id=booking.instrument.facility_id
    )
    notify(
        booking,
        _l("Recorded as a no-show"),
        _l(
            "Nobody checked in to this booking in time, so it is recorded as a no-show and the "
            "time is free for others. The facility may charge it according to its policy."
        ),
        method="CANCEL",
        kind=kinds.USAGE,
    )
    slot_freed(booking.instrument_id, booking.starts_at, booking.ends_at, now)
    return True


def record_no_show(actor: User, booking_id: int) -> Booking:
    """Staff record that the user did not come to a confirmed booking that has started and was
    not checked in. Raises ``Forbidden`` (not staff) or ``DomainError`` 422."""
    booking, staff = _locked_booking(actor, booking_id)
    if not staff:
        raise Forbidden(N_("Only the facility's staff record no-shows."))
    now = clock.now()
    problems = []
    if booking.status != BookingStatus.CONFIRMED:
        problems.append(Problem("not_confirmed", N_("Only confirmed bookings can be no-shows.")))
    if booking.starts_at > now:
        problems.append(Problem("not_started", N_("The booking has not started yet.")))
    if booking.checked_in_at is not None:
        problems.append(Problem("already_checked_in", N_("This booking is checked in.")))
    raise_if(problems)
    release_no_show(booking, now, actor)
    return booking


@dataclass
class LoggedUse:
    """Unbooked use to log: who used the instrument, from when to when (UTC instants)."""

    user_id: int
    starts_at: datetime
    ends_at: datetime
    note: str = ""
    account_id: int | None = None


def log_unbooked_use(actor: User, instrument_id: int, data: LoggedUse) -> Booking:
    """Staff log use that was never booked: a confirmed booking already checked in and out,
    charged like any booking. It may not overlap another booking (409 ``conflict``; the
    exclusion constraint on PostgreSQL). Raises ``Forbidden`` (not staff) or ``DomainError``."""
    instrument = lock_instrument(instrument_id)
    if not can_staff_instrument(actor, instrument):
        raise Forbidden(N_("Only the facility's staff log unbooked use."))
    user = db.session.get(User, data.user_id)
    problems = rules.logged_use_problems(data.starts_at, data.ends_at, clock.now())
    if user is None:
        problems.append(Problem("unknown_user", N_("No such user."), "user_id"))
    if len(data.note) > 1000:
        problems.append(
            Problem("note_too_long", N_("Keep the note under 1000 characters."), "note")
        )
    if user is not None and data.account_id is not None:  # one the person may charge that day
        day = clock.local_date(data.starts_at, instrument.facility.timezone)
        problems += check_account(user, data.account_id, day, for_name=acting_for(actor, user))
    if not problems:
        busy = busy_between([instrument.id], data.starts_at, data.ends_at)
        req = rules.BookingRequest(
            data.starts_at, data.ends_at, user.id, for_name=acting_for(actor, user)
        )
        problems = rules.conflict_problems(req, busy)
    raise_if(problems)
    now = clock.now()
    via = UsageChannel.LOGGED.value
    booking = Booking(
        instrument=instrument,
        user=user,
        booked_by=actor,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        status=BookingStatus.CONFIRMED,
        purpose=data.note,
        account_id=data.account_id,
        uid=f"booking-{uuid.uuid4().hex}@innocore",
        checked_in_at=data.starts_at,
        checked_in_by_id=actor.id,
        checked_in_via=via,
        checked_out_at=data.ends_at,
        checked_out_by_id=actor.id,
        checked_out_via=via,
        created_at=now,
        updated_at=now,
    )
    db.session.add(booking)
    flush_or_conflict()
    record_change(booking, actor, "logged", data.note)
    audit.record(
        actor,
        "booking.log_use",
        booking,
        audit.snapshot(booking),
        facility_id=instrument.facility_id,
    )
    notify(
        booking,
        _l("Instrument use logged"),
        _l(
            "The facility's staff logged this use of the instrument for you; it is charged like a "
            "booking."
        ),
        kind=kinds.USAGE,
    )
    return booking
