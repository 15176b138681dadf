"""Booking use cases: create, move, cancel, approve, reject, no-show, downtime, problem reports.

Services lock, check permissions, call the pure rules, change the ORM, audit and queue mail.
They flush; the boundary (view, API, CLI) commits once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.accounts.rules import category_for
from innocore.accounts.services import external_url
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db
from innocore.notifications.services import queue_email
from innocore.vocab import UserCategory
from instruments import rules
from instruments.eligibility import eligibility_of
from instruments.ics import booking_ics
from instruments.models import (
    ACTIVE_STATUSES,
    ApprovalMode,
    Booking,
    BookingChange,
    BookingStatus,
    Downtime,
    Instrument,
    InstrumentStatus,
    ProblemReport,
    Severity,
)
from instruments.permissions import can_book_for_others, can_see_booking, can_staff_instrument
from instruments.queries import (
    busy_between,
    get_instrument,
    instrument_stmt,
    policy_of,
    user_active_bookings,
)


@dataclass
class BookingInput:
    starts_at: datetime
    ends_at: datetime
    purpose: str = ""
    project: str = ""
    user_id: int | None = None  # book on behalf of this user (staff)
    override_reason: str | None = None  # staff: override the overridable problems


# ---- serialising writes per instrument --------------------------------------------------------


def lock_instrument(instrument_id: int) -> Instrument:
    """Serialise writes on one instrument: PostgreSQL row lock, SQLite write transaction.

    Call it at the start of a write use case, before the rules read the schedule.
    """
    session = db.session()
    if session.get_bind().dialect.name == "sqlite":
        tx = session.get_transaction()
        if tx is None or session.info.get("instruments_write_tx") is not tx:
            _sqlite_write_transaction(session)
            session.info["instruments_write_tx"] = session.get_transaction()
        return get_instrument(instrument_id)
    instrument = db.session.scalar(
        instrument_stmt()
        .where(Instrument.id == instrument_id)
        .with_for_update(of=Instrument)
        .execution_options(populate_existing=True)
    )
    if instrument is None:
        raise NotFound("No such instrument.")
    return instrument


def _sqlite_write_transaction(session) -> None:
    """End a read-only transaction and start ``BEGIN IMMEDIATE``, so the check and insert are one."""
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            return  # the caller already writes; SQLite's single writer still serialises us
        keep = session.expire_on_commit
        session.expire_on_commit = False  # nothing was written: keep loaded objects fresh
        try:
            session.commit()
        finally:
            session.expire_on_commit = keep
    session.connection(execution_options={"innocore_immediate": True})


def _flush_or_conflict() -> None:
    """Flush; the PostgreSQL exclusion constraint becomes the same conflict problem (409)."""
    try:
        db.session.flush()
    except IntegrityError as exc:
        if "ex_booking_no_overlap" in str(exc.orig) or "23P01" in str(
            getattr(exc.orig, "sqlstate", "")
        ):
            raise DomainError(rules.CONFLICT, status=409) from None
        raise


def _raise_if(problems: list[Problem]) -> None:
    if problems:
        conflict_only = all(p.code == "conflict" for p in problems)
        raise DomainError(problems, status=409 if conflict_only else 422)


def _remaining(problems: list[Problem], *, staff: bool, override_reason: str | None) -> list:
    """Staff with a written reason override the overridable problems; the rest stand."""
    if staff and override_reason:
        return [p for p in problems if not p.overridable]
    return problems


# ---- bookings ---------------------------------------------------------------------------------


def get_booking(actor: User, booking_id: int) -> Booking:
    """A booking the actor may see (their own, or any at a facility they staff); else 404."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or not can_see_booking(actor, booking):
        raise NotFound("No such booking.")
    return booking


def _check_request(
    instrument: Instrument, user: User, req: rules.BookingRequest, *, staff: bool, reason
) -> list[Problem]:
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
    if reason is not None and len(reason) > 1000:
        problems.append(
            Problem("reason_too_long", "Keep the reason under 1000 characters.", "override_reason")
        )
    return _remaining(problems, staff=staff, override_reason=reason)


def _needs_approval(instrument: Instrument, user: User, *, staff: bool) -> bool:
    if staff or instrument.approval_mode == ApprovalMode.NONE:
        return False
    if instrument.approval_mode == ApprovalMode.EVERYONE:
        return True
    return category_for(user, instrument.facility) != UserCategory.INTERNAL


def _change(booking: Booking, actor: User | None, action: str, note: str = "", old=None) -> None:
    db.session.add(
        BookingChange(
            booking_id=booking.id,
            actor_id=actor.id if actor else None,
            changed_at=clock.now(),
            action=action,
            old_starts_at=old[0] if old else None,
            old_ends_at=old[1] if old else None,
            new_starts_at=booking.starts_at,
            new_ends_at=booking.ends_at,
            note=note[:1000],
        )
    )


def _notify(booking: Booking, subject: str, message: str, *, method: str = "REQUEST", reason=None):
    queue_email(
        booking.user,
        f"{subject}: {booking.instrument.name}",
        "booking_notice",
        link=external_url("instruments.booking_page", booking_id=booking.id),
        ics=booking_ics(booking, method),
        ics_method=method,
        booking=booking,
        message=message,
        reason=reason,
    )


def create_booking(actor: User, instrument_id: int, data: BookingInput) -> Booking:
    """Book an instrument for oneself, or (staff) for someone else; every rule is checked."""
    instrument = lock_instrument(instrument_id)
    staff = can_staff_instrument(actor, instrument)
    user = actor
    if data.user_id is not None and data.user_id != actor.id:
        if not can_book_for_others(actor, instrument):
            raise Forbidden("Only the facility's staff book on behalf of someone else.")
        user = db.session.get(User, data.user_id)
        if user is None or not user.active:
            raise DomainError(Problem("unknown_user", "No such user.", "user_id"))
    if data.override_reason and not staff:
        raise Forbidden("Only the facility's staff override booking rules.")
    req = rules.BookingRequest(
        data.starts_at, data.ends_at, user.id, None, data.purpose, data.project
    )
    _raise_if(_check_request(instrument, user, req, staff=staff, reason=data.override_reason))
    now = clock.now()
    pending = _needs_approval(instrument, user, staff=staff)
    booking = Booking(
        instrument=instrument,
        user=user,
        booked_by=actor,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        status=BookingStatus.PENDING if pending else BookingStatus.CONFIRMED,
        purpose=data.purpose,
        project=data.project,
        uid=f"booking-{uuid.uuid4().hex}@innocore",
        sequence=0,
        override_reason=data.override_reason if staff else None,
        created_at=now,
        updated_at=now,
    )
    db.session.add(booking)
    _flush_or_conflict()
    _change(booking, actor, "created", data.override_reason or "")
    audit.record(
        actor,
        "booking.create",
        booking,
        audit.snapshot(booking),
        facility_id=instrument.facility_id,
    )
    if pending:
        _notify(
            booking,
            "Booking request received",
            "Your request waits for the facility's approval; the slot is held for you.",
        )
    else:
        _notify(booking, "Booking confirmed", "Your booking is confirmed.")
    return booking


def _editable(actor: User, booking_id: int) -> tuple[Booking, bool]:
    booking = get_booking(actor, booking_id)
    staff = can_staff_instrument(actor, booking.instrument)
    if booking.user_id != actor.id and not staff:
        raise Forbidden("Only the person booked and the facility's staff change a booking.")
    if booking.status not in ACTIVE_STATUSES:
        raise DomainError(
            Problem("not_active", f"This booking is {booking.status.label.lower()}."), status=409
        )
    return booking, staff


def move_booking(
    actor: User, booking_id: int, starts_at: datetime, ends_at: datetime, *, override_reason=None
) -> Booking:
    """Move a booking to a new interval; history keeps the old and the new one."""
    booking, staff = _editable(actor, booking_id)
    lock_instrument(booking.instrument_id)
    if override_reason and not staff:
        raise Forbidden("Only the facility's staff override booking rules.")
    req = rules.BookingRequest(
        starts_at, ends_at, booking.user_id, booking.id, booking.purpose, booking.project
    )
    _raise_if(
        _check_request(booking.instrument, booking.user, req, staff=staff, reason=override_reason)
    )
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
    _flush_or_conflict()
    _change(booking, actor, "moved", override_reason or "", old=old)
    audit.record(
        actor, "booking.move", booking, changes, facility_id=booking.instrument.facility_id
    )
    _notify(booking, "Booking changed", "Your booking has moved to a new time.")
    return booking


def cancel_booking(actor: User, booking_id: int, reason: str = "") -> Booking:
    """Cancel a booking; a cancellation by its user after the cut-off is recorded as late."""
    booking, staff = _editable(actor, booking_id)
    now = clock.now()
    late = booking.user_id == actor.id and rules.cancellation_is_late(
        booking.starts_at, policy_of(booking.instrument), now
    )
    _finish(booking, actor, BookingStatus.CANCELLED, reason, late=late)
    _notify(
        booking,
        "Booking cancelled",
        "Your booking is cancelled.",
        method="CANCEL",
        reason=reason or None,
    )
    return booking


def _finish(
    booking: Booking, actor: User, status: BookingStatus, reason: str, *, late=False
) -> None:
    now = clock.now()
    booking.status = status
    booking.sequence += 1
    booking.updated_at = now
    if status == BookingStatus.CANCELLED:
        booking.cancelled_by_id, booking.cancelled_at = actor.id, now
        booking.cancel_reason, booking.cancelled_late = (reason or "")[:1000], late
    _change(booking, actor, status.value, reason or "")
    changes = {"status": ["active", status.value], "late": [None, late]}
    audit.record(
        actor,
        f"booking.{status.value}",
        booking,
        changes,
        facility_id=booking.instrument.facility_id,
    )


def _decide(actor: User, booking_id: int, status: BookingStatus, reason: str) -> Booking:
    booking = get_booking(actor, booking_id)
    if not can_staff_instrument(actor, booking.instrument):
        raise Forbidden("Only the facility's staff decide on booking requests.")
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
            Problem("already_decided", "This request was already decided."), status=409
        )
    db.session.refresh(booking)
    _change(booking, actor, status.value, reason or "")
    audit.record(
        actor,
        f"booking.{status.value}",
        booking,
        {"status": ["pending", status.value]},
        facility_id=booking.instrument.facility_id,
    )
    return booking


def approve_booking(actor: User, booking_id: int) -> Booking:
    """Confirm a pending request; pending requests overlapping it are rejected with notice."""
    booking = _decide(actor, booking_id, BookingStatus.CONFIRMED, "")
    _notify(booking, "Booking approved", "The facility approved your booking.")
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
        reject_booking(actor, loser.id, "Another request for the same time was approved.")
    return booking


def reject_booking(actor: User, booking_id: int, reason: str) -> Booking:
    """Reject a pending request with a reason; the slot is free again."""
    if not (reason or "").strip():
        raise DomainError(Problem("reason_required", "Tell the requester why.", "reason"))
    booking = _decide(actor, booking_id, BookingStatus.REJECTED, reason.strip()[:1000])
    _notify(
        booking,
        "Booking request declined",
        "The facility declined your booking request.",
        method="CANCEL",
        reason=reason,
    )
    return booking


def mark_no_show(actor: User, booking_id: int) -> Booking:
    """Staff record that the user did not come to a confirmed booking that has started."""
    booking = get_booking(actor, booking_id)
    if not can_staff_instrument(actor, booking.instrument):
        raise Forbidden("Only the facility's staff record no-shows.")
    problems = []
    if booking.status != BookingStatus.CONFIRMED:
        problems.append(Problem("not_confirmed", "Only confirmed bookings can be no-shows."))
    if booking.starts_at > clock.now():
        problems.append(Problem("not_started", "The booking has not started yet."))
    if problems:
        raise DomainError(problems)
    _finish(booking, actor, BookingStatus.NO_SHOW, "")
    return booking


# ---- training (called by the training package) ---------------------------------------------------


def reserve_instrument_time(
    actor: User, instrument_id: int, starts_at: datetime, ends_at: datetime, *, purpose: str
) -> Booking:
    """Hold instrument time for a training session: a confirmed booking by facility staff.

    Respects conflicts, downtime and the instrument's status; raises ``DomainError``.
    """
    instrument = lock_instrument(instrument_id)
    if not can_book_for_others(actor, instrument) and not _teaches(actor, instrument):
        raise Forbidden("Only the facility's staff and trainers reserve instrument time.")
    req = rules.BookingRequest(starts_at, ends_at, actor.id, None, purpose)
    problems = (
        rules.interval_problems(req)
        + rules.text_problems(req)
        + rules.status_problems(policy_of(instrument))
    )
    if not problems:
        problems = rules.conflict_problems(req, busy_between([instrument.id], starts_at, ends_at))
    _raise_if(problems)
    now = clock.now()
    booking = Booking(
        instrument=instrument,
        user=actor,
        booked_by=actor,
        starts_at=starts_at,
        ends_at=ends_at,
        status=BookingStatus.CONFIRMED,
        purpose=purpose,
        project="",
        for_training=True,
        uid=f"booking-{uuid.uuid4().hex}@innocore",
        sequence=0,
        created_at=now,
        updated_at=now,
    )
    db.session.add(booking)
    _flush_or_conflict()
    _change(booking, actor, "created", "training")
    audit.record(
        actor,
        "booking.reserve_training",
        booking,
        audit.snapshot(booking),
        facility_id=instrument.facility_id,
    )
    return booking


def release_instrument_time(actor: User, booking_id: int, reason: str) -> None:
    """Free instrument time held for a training session."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or not booking.for_training:
        raise NotFound("No such training reservation.")
    if not can_book_for_others(actor, booking.instrument) and not _teaches(
        actor, booking.instrument
    ):
        raise Forbidden("Only the facility's staff and trainers release instrument time.")
    if booking.status in ACTIVE_STATUSES:
        _finish(booking, actor, BookingStatus.CANCELLED, reason)


def _teaches(actor: User, instrument: Instrument) -> bool:
    from innocore.permissions import can_teach_at

    return can_teach_at(actor, instrument.facility)


# ---- downtime and problems -----------------------------------------------------------------------


def schedule_downtime(
    actor: User,
    instrument_id: int,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    *,
    cancel_bookings: bool = True,
) -> tuple[Downtime, list[Booking]]:
    """Block an instrument; overlapping bookings are cancelled (or flagged), owners are told."""
    instrument = lock_instrument(instrument_id)
    if not can_staff_instrument(actor, instrument):
        raise Forbidden("Only the facility's staff schedule downtime.")
    problems = []
    if ends_at <= starts_at:
        problems.append(
            Problem("end_before_start", "Downtime must end after it starts.", "ends_at")
        )
    if not (reason or "").strip() or len(reason) > 500:
        problems.append(
            Problem("reason_required", "Give a reason (up to 500 characters).", "reason")
        )
    if problems:
        raise DomainError(problems)
    downtime = Downtime(
        instrument_id=instrument.id,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason.strip(),
        cancel_bookings=cancel_bookings,
        created_by_id=actor.id,
        created_at=clock.now(),
    )
    db.session.add(downtime)
    audit.record(
        actor,
        "downtime.create",
        downtime,
        audit.snapshot(downtime),
        facility_id=instrument.facility_id,
    )
    affected = db.session.scalars(
        sa.select(Booking).where(
            Booking.instrument_id == instrument.id,
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.starts_at < ends_at,
            Booking.ends_at > starts_at,
        )
    ).all()
    for booking in affected:
        if cancel_bookings:
            _finish(booking, actor, BookingStatus.CANCELLED, f"Downtime: {reason}")
            _notify(
                booking,
                "Booking cancelled",
                "Your booking is cancelled because the instrument is unavailable.",
                method="CANCEL",
                reason=reason,
            )
        else:
            booking.flagged = f"Overlaps downtime: {reason}"[:300]
            _change(booking, actor, "flagged", reason)
            _notify(
                booking,
                "Instrument downtime during your booking",
                "Downtime is scheduled during your booking; please check with the facility.",
                reason=reason,
            )
    return downtime, list(affected)


def report_problem(
    actor: User, instrument_id: int, severity: Severity, description: str
) -> ProblemReport:
    """Anyone signed in reports a problem; a high-severity one takes the instrument down."""
    instrument = get_instrument(instrument_id)
    text = (description or "").strip()
    if not text or len(text) > 5000:
        raise DomainError(
            Problem(
                "description_required",
                "Describe the problem (up to 5000 characters).",
                "description",
            )
        )
    report = ProblemReport(
        instrument_id=instrument.id,
        reporter_id=actor.id,
        severity=severity,
        description=text,
        created_at=clock.now(),
    )
    db.session.add(report)
    if severity == Severity.HIGH and instrument.status != InstrumentStatus.RETIRED:
        instrument.status = InstrumentStatus.DOWN
        instrument.updated_at = clock.now()
    db.session.flush()
    report.reporter = actor
    report.instrument = instrument
    audit.record(
        actor, "problem.report", report, audit.snapshot(report), facility_id=instrument.facility_id
    )
    queue_email(
        instrument.facility.contact_email,
        f"Problem reported: {instrument.name}",
        "problem_reported",
        link=external_url("instruments.show", instrument_id=instrument.id),
        report=report,
    )
    return report


def resolve_problem(actor: User, report_id: int, resolution: str) -> ProblemReport:
    """Staff resolve a report; the instrument comes back once no high-severity report is open."""
    report = db.session.get(ProblemReport, report_id)
    if report is None:
        raise NotFound("No such problem report.")
    instrument = report.instrument
    if not can_staff_instrument(actor, instrument):
        raise Forbidden("Only the facility's staff resolve problems.")
    if report.resolved_at is not None:
        raise DomainError(
            Problem("already_resolved", "This report is already resolved."), status=409
        )
    report.resolved_at, report.resolved_by_id = clock.now(), actor.id
    report.resolution = (resolution or "").strip()[:2000]
    db.session.flush()
    still_high = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ProblemReport)
        .where(
            ProblemReport.instrument_id == instrument.id,
            ProblemReport.resolved_at.is_(None),
            ProblemReport.severity == Severity.HIGH,
        )
    )
    if not still_high and instrument.status == InstrumentStatus.DOWN:
        instrument.status = InstrumentStatus.AVAILABLE
        instrument.updated_at = clock.now()
    audit.record(
        actor,
        "problem.resolve",
        report,
        {"resolution": [None, report.resolution]},
        facility_id=instrument.facility_id,
    )
    return report
