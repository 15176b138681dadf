"""Booking use cases of users and staff: create, move, cancel, end early (no-shows: ``usage``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.accounts.rules import category_for
from innocore.errors import DomainError, Forbidden, Problem
from innocore.extensions import db
from innocore.ledger.accounts import needs_owner_approval
from innocore.marks import N_, T_
from innocore.status import status_word
from innocore.vocab import UserCategory
from instruments import rules
from instruments.documents.services import document_problems
from instruments.eligibility import eligibility_of, explain_shortfall
from instruments.mobility.services import hourly_rate
from instruments.models import (
    ACTIVE_STATUSES,
    AccountApproval,
    ApprovalMode,
    Booking,
    BookingStatus,
    Instrument,
)
from instruments.permissions import can_book_for_others, can_staff_instrument
from instruments.queries import busy_between, policy_of, user_active_bookings
from instruments.services.account_owner import ask_owner
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


@dataclass
class BookingInput:
    starts_at: datetime
    ends_at: datetime
    purpose: str = ""
    project: str = ""
    user_id: int | None = None  # book on behalf of this user (staff)
    override_reason: str | None = None  # staff: override the overridable problems
    account_id: int | None = None  # the billing account charged (one the user may charge)


def _remaining(problems: list[Problem], *, staff: bool, override_reason: str | None) -> list:
    """Staff with a written reason override the overridable problems; the rest stand."""
    if staff and override_reason:
        return [p for p in problems if not p.overridable]
    return problems


def check_request(
    instrument: Instrument, user: User, req: rules.BookingRequest, *, staff: bool, reason
) -> list[Problem]:
    """Every problem of a requested interval, after the staff override (schedule read here)."""
    policy = policy_of(instrument)
    now = clock.now()
    busy = []
    if req.ends_at > req.starts_at:
        busy = busy_between([instrument.id], req.starts_at, req.ends_at)
    needs_mine = policy.max_future_bookings is not None or policy.max_hours_week is not None
    mine = (
        user_active_bookings(user.id, instrument.id, min(now, req.starts_at)) if needs_mine else []
    )
    eligibility = eligibility_of(user.id, instrument.required_competence_id, req.starts_at)
    problems = rules.booking_problems(
        req, busy=busy, policy=policy, eligibility=eligibility, now=now, mine=mine
    )
    problems = [_explained(p, user, instrument, req) for p in problems]
    problems += document_problems(user.id, instrument, req.for_name)
    if reason is not None and len(reason) > 1000:
        problems.append(
            Problem(
                "reason_too_long", N_("Keep the reason under 1000 characters."), "override_reason"
            )
        )
    return _remaining(problems, staff=staff, override_reason=reason)


def _explained(problem: Problem, user: User, instrument: Instrument, req) -> Problem:
    """The generic "competence missing" becomes the certification's plain reason, if it has one."""
    if problem.code != "competence_missing" or req.for_name is not None:
        return problem  # the explanation speaks to the person; staff read the named rule
    why = explain_shortfall(
        user.id,
        instrument.required_competence_id,
        instrument.required_level,
        req.starts_at,
        req.ends_at,
        instrument.facility.timezone,
    )
    if not why:
        return problem
    return Problem(problem.code, why, problem.field, problem.overridable)


def needs_approval(instrument: Instrument, user: User, staff) -> bool:
    """Whether a booking by ``user`` waits for staff approval (``staff()`` asked only if needed)."""
    if instrument.approval_mode == ApprovalMode.NONE or staff():
        return False
    if instrument.approval_mode == ApprovalMode.EVERYONE:
        return True
    return category_for(user, instrument.facility) != UserCategory.INTERNAL


def _account_problems(actor, user, instrument, data, is_staff: bool) -> list:
    """The account must be one the booked user may charge on the booking's (facility) day;
    choosing one is required when they book for themselves and have any (staff booking for
    someone, or overriding for a service request, may leave it to the organisation)."""
    from innocore.ledger.accounts import check_account

    day = data.starts_at.astimezone(ZoneInfo(instrument.facility.timezone)).date()
    problems = check_account(user, data.account_id, day, for_name=acting_for(actor, user))
    if data.account_id is None and (actor.id != user.id or is_staff):
        return []
    return problems


def booking_problems_for(
    actor: User, instrument: Instrument, user: User, data: BookingInput, *, booking_id=None
) -> list[Problem]:
    """Every problem of booking ``data`` for ``user`` as ``actor`` (no staff override): the
    booking rules with the schedule, the facility documents, and the account. ``booking_id``
    is left out of the conflicts (the booking being changed). The waiting list asks this when a
    person joins and again when they accept an offer."""
    req = rules.BookingRequest(
        data.starts_at,
        data.ends_at,
        user.id,
        booking_id,
        data.purpose,
        data.project,
        acting_for(actor, user),
    )
    problems = check_request(instrument, user, req, staff=False, reason=None)
    return problems + _account_problems(actor, user, instrument, data, False)


def who_books(actor: User, instrument: Instrument, data: BookingInput, staff) -> tuple[User, bool]:
    """The person booked and whether the actor books as staff (a written override reason).

    ``staff()`` says whether the actor staffs the instrument (asked only when it matters).
    Raises ``Forbidden`` when someone else is booked, or rules overridden, by a non-staff
    actor, and ``DomainError`` ``unknown_user`` for an unknown or inactive person."""
    user = _booked_for(actor, instrument, data)
    is_staff = bool(data.override_reason) and staff()
    if data.override_reason and not is_staff:
        raise Forbidden(N_("Only the facility's staff override booking rules."))
    return user, is_staff


def _booked_for(actor: User, instrument: Instrument, data: BookingInput) -> User:
    if data.user_id is None or data.user_id == actor.id:
        return actor
    if not can_book_for_others(actor, instrument):
        raise Forbidden(N_("Only the facility's staff book on behalf of someone else."))
    user = db.session.get(User, data.user_id)
    if user is None or not user.active:
        raise DomainError(Problem("unknown_user", N_("No such user."), "user_id"))
    return user


def create_booking(actor: User, instrument_id: int, data: BookingInput) -> Booking:
    """Book an instrument for oneself, or (staff) for someone else; every rule is checked.

    Raises ``Forbidden`` (403), ``NotFound`` (404) or ``DomainError`` (422 with every problem,
    409 when the only problem is a conflict); the person booked is told by e-mail."""
    booking = book(actor, lock_instrument(instrument_id), data)
    if booking.account_approval == AccountApproval.AWAITING:
        notify(
            booking,
            _l("Booking request received"),
            _l(
                "Its estimate is above the account's approval threshold: it waits for the account "
                "owner's approval; the slot is held for you."
            ),
            by=actor,
        )
    elif booking.status == BookingStatus.PENDING:
        notify(
            booking,
            _l("Booking request received"),
            _l("Your request waits for the facility's approval; the slot is held for you."),
            by=actor,
        )
    else:
        notify(booking, _l("Booking confirmed"), _l("Your booking is confirmed."), by=actor)
    return booking


def book(
    actor: User, instrument: Instrument, data: BookingInput, *, series_id: int | None = None
) -> Booking:
    """One booking on an instrument already locked (``lock_instrument``), checked by every rule
    a booking has (competence, policy limits, opening hours, downtime, documents, account,
    approval), with its history and audit event, and no e-mail: ``create_booking`` sends one,
    a series (``instruments.series.services``) one for all its occurrences. ``series_id`` ties
    the booking to its ``booking_series`` row. Raises as ``create_booking``."""

    def staff() -> bool:  # asked only when it matters: most bookings need no role lookup
        return can_staff_instrument(actor, instrument)

    user, is_staff = who_books(actor, instrument, data, staff)
    req = rules.BookingRequest(
        data.starts_at,
        data.ends_at,
        user.id,
        None,
        data.purpose,
        data.project,
        acting_for(actor, user),
    )
    raise_if(check_request(instrument, user, req, staff=is_staff, reason=data.override_reason))
    raise_if(_account_problems(actor, user, instrument, data, is_staff))
    now = clock.now()
    pending = needs_approval(instrument, user, staff)
    owner_decides = data.account_id is not None and needs_owner_approval(
        data.account_id, rules.price(data.starts_at, data.ends_at, hourly_rate(user, instrument)[0])
    )
    booking = Booking(
        instrument=instrument,
        user=user,
        booked_by=actor,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        status=BookingStatus.PENDING if pending or owner_decides else BookingStatus.CONFIRMED,
        account_approval=AccountApproval.AWAITING if owner_decides else None,
        purpose=data.purpose,
        project=data.project,
        account_id=data.account_id,
        uid=f"booking-{uuid.uuid4().hex}@innocore",
        sequence=0,
        override_reason=data.override_reason if is_staff else None,
        series_id=series_id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(booking)
    flush_or_conflict()
    record_change(booking, actor, "created", data.override_reason or "")
    if owner_decides:
        ask_owner(booking)
    audit.record(
        actor,
        "booking.create",
        booking,
        audit.snapshot(booking),
        facility_id=instrument.facility_id,
    )
    return booking


def editable(actor: User, booking_id: int) -> tuple[Booking, bool]:
    """An active booking the actor may change (its user, or the facility's staff)."""
    booking = get_booking(actor, booking_id)
    staff = can_staff_instrument(actor, booking.instrument)
    if booking.user_id != actor.id and not staff:
        raise Forbidden(N_("Only the person booked and the facility's staff change a booking."))
    if booking.status not in ACTIVE_STATUSES:
        raise DomainError(
            Problem(
                "not_active",
                T_(
                    "This booking is no longer active (status: %(status)s).",
                    status=status_word(booking.status, "booking"),
                ),
            ),
            status=409,
        )
    return booking, staff


def move_booking(
    actor: User, booking_id: int, starts_at: datetime, ends_at: datetime, *, override_reason=None
) -> Booking:
    """Move a booking to a new interval; history keeps the old and the new one."""
    instrument = lock_instrument(get_booking(actor, booking_id).instrument_id)
    db.session.refresh(get_booking(actor, booking_id))  # as it is now that we hold the lock
    booking, staff = editable(actor, booking_id)
    if override_reason and not staff:
        raise Forbidden(N_("Only the facility's staff override booking rules."))
    correcting = _started(booking)
    if correcting:
        raise_if(
            rules.started_problems(
                booking.starts_at, clock.now(), staff=staff, reason=override_reason, action="moved"
            )
        )
    req = rules.BookingRequest(
        starts_at,
        ends_at,
        booking.user_id,
        booking.id,
        booking.purpose,
        booking.project,
        acting_for(actor, booking.user),
    )
    problems = check_request(instrument, booking.user, req, staff=staff, reason=override_reason)
    if correcting:
        problems = [p for p in problems if p.code not in rules.CORRECTION_WAIVES]
    raise_if(problems)
    old = (booking.starts_at, booking.ends_at)
    changes = {
        "starts_at": [old[0].isoformat(), starts_at.isoformat()],
        "ends_at": [old[1].isoformat(), ends_at.isoformat()],
    }
    booking.starts_at, booking.ends_at = starts_at, ends_at
    booking.sequence += 1
    booking.updated_at = clock.now()
    if override_reason:
        booking.override_reason = override_reason
    flush_or_conflict()
    action = "corrected" if correcting else "moved"
    record_change(booking, actor, action, override_reason or "", old=old)
    audit.record(
        actor,
        f"booking.{action[:-1] if correcting else 'move'}",
        booking,
        changes,
        facility_id=instrument.facility_id,
    )
    notify(booking, _l("Booking changed"), _l("Your booking has moved to a new time."), by=actor)
    slot_freed(instrument.id, *old)
    return booking


def _started(booking: Booking) -> bool:
    """A confirmed booking whose start has come (a pending request that never began is not)."""
    return booking.status == BookingStatus.CONFIRMED and booking.starts_at <= clock.now()


def cancel_booking(actor: User, booking_id: int, reason: str = "") -> Booking:
    """Cancel a booking; a cancellation by its user after the cut-off is recorded as late.

    Once a confirmed booking has started its user can no longer cancel it (422
    ``already_started``: they end it early); staff cancel it as a correction with a reason.
    """
    lock_instrument(get_booking(actor, booking_id).instrument_id)  # the time is offered on
    db.session.refresh(get_booking(actor, booking_id))
    booking, staff = editable(actor, booking_id)
    now = clock.now()
    if _started(booking):
        raise_if(
            rules.started_problems(
                booking.starts_at, now, staff=staff, reason=reason, action="cancelled"
            )
        )
    late = booking.user_id == actor.id and rules.cancellation_is_late(
        booking.starts_at, policy_of(booking.instrument), now
    )
    finish(booking, actor, BookingStatus.CANCELLED, reason, late=late)
    notify(
        booking,
        _l("Booking cancelled"),
        _l("Your booking is cancelled."),
        method="CANCEL",
        reason=reason or None,
        by=actor,
    )
    return booking


def end_booking_early(actor: User, booking_id: int) -> Booking:
    """End a running, confirmed booking now (its user or the facility's staff).

    The end becomes the current minute (rounded up, never before the start), the old interval
    stays in the history, and the charges job charges the time actually used. Raises
    ``DomainError`` (422) when the booking has not started, has ended, or is not confirmed.
    """
    instrument = lock_instrument(get_booking(actor, booking_id).instrument_id)
    db.session.refresh(get_booking(actor, booking_id))
    booking, _ = editable(actor, booking_id)
    now = clock.now()
    problems = rules.end_early_problems(booking.starts_at, booking.ends_at, now)
    if booking.status != BookingStatus.CONFIRMED:
        problems.append(
            Problem("not_confirmed", N_("Only a confirmed booking can be ended early."))
        )
    raise_if(problems)
    end = now.replace(second=0, microsecond=0)
    end = end + timedelta(minutes=1) if end < now else end
    end = min(booking.ends_at, max(end, booking.starts_at + timedelta(minutes=1)))
    old = (booking.starts_at, booking.ends_at)
    booking.ends_at, booking.sequence, booking.updated_at = end, booking.sequence + 1, now
    flush_or_conflict()
    record_change(booking, actor, "ended_early", "", old=old)
    changes = {"ends_at": [old[1].isoformat(), end.isoformat()]}
    audit.record(actor, "booking.end_early", booking, changes, facility_id=instrument.facility_id)
    notify(
        booking,
        _l("Booking ended early"),
        _l("Your booking now ends at the time you finished."),
        by=actor,
    )
    return booking


def finish(
    booking: Booking, actor: User | None, status: BookingStatus, reason: str, *, late=False
) -> None:
    """End an active booking (cancelled, no-show), with history and an audit event; its time
    goes to the first person on the instrument's waiting list (``holds.slot_freed``)."""
    now = clock.now()
    freed = booking.status in ACTIVE_STATUSES
    booking.status = status
    booking.sequence += 1
    booking.updated_at = now
    if status == BookingStatus.CANCELLED:
        booking.cancelled_by_id, booking.cancelled_at = (actor.id if actor else None), now
        booking.cancel_reason, booking.cancelled_late = (reason or "")[:1000], late
    record_change(booking, actor, status.value, reason or "")
    changes = {"status": ["active", status.value], "late": [None, late]}
    audit.record(
        actor,
        f"booking.{status.value}",
        booking,
        changes,
        facility_id=booking.instrument.facility_id,
    )
    if freed and status in (BookingStatus.CANCELLED, BookingStatus.NO_SHOW):
        db.session.flush()
        slot_freed(booking.instrument_id, booking.starts_at, booking.ends_at, now)
