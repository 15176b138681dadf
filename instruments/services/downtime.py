"""Downtime and problem reports: staff block an instrument; users report what is wrong."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db
from innocore.links import absolute_url
from innocore.marks import N_
from innocore.notifications import kinds
from innocore.notifications.services import queue_email
from instruments.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingStatus,
    Downtime,
    InstrumentStatus,
    ProblemReport,
    Severity,
)
from instruments.permissions import can_staff_instrument
from instruments.queries import get_instrument
from instruments.services.attention import flag_bookings_of_down_instrument
from instruments.services.bookings import finish
from instruments.services.common import lock_instrument, notify, record_change


def _downtime_problems(starts_at: datetime, ends_at: datetime, reason: str) -> list[Problem]:
    problems = []
    if ends_at <= starts_at:
        problems.append(
            Problem("end_before_start", N_("Downtime must end after it starts."), "ends_at")
        )
    if not (reason or "").strip() or len(reason) > 500:
        problems.append(
            Problem("reason_required", N_("Give a reason (up to 500 characters)."), "reason")
        )
    return problems


def overlapping_bookings(
    instrument_id: int, starts_at: datetime, ends_at: datetime
) -> list[Booking]:
    """Active bookings of an instrument overlapping ``[starts_at, ends_at)`` (UTC instants), by
    start: those a downtime there would cancel or flag (the preview shows them before it does)."""
    return list(
        db.session.scalars(
            sa.select(Booking)
            .where(
                Booking.instrument_id == instrument_id,
                Booking.status.in_(ACTIVE_STATUSES),
                Booking.starts_at < ends_at,
                Booking.ends_at > starts_at,
            )
            .order_by(Booking.starts_at, Booking.id)
        ).all()
    )


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
        raise Forbidden(N_("Only the facility's staff schedule downtime."))
    if problems := _downtime_problems(starts_at, ends_at, reason):
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
    affected = overlapping_bookings(instrument.id, starts_at, ends_at)
    for booking in affected:
        _tell_affected(booking, actor, reason, cancel=cancel_bookings)
    return downtime, list(affected)


def _tell_affected(booking: Booking, actor: User, reason: str, *, cancel: bool) -> None:
    if cancel:
        finish(booking, actor, BookingStatus.CANCELLED, f"Downtime: {reason}")
        notify(
            booking,
            _l("Booking cancelled"),
            _l("Your booking is cancelled because the instrument is unavailable."),
            kind=kinds.STAFF_CHANGES,
            method="CANCEL",
            reason=reason,
        )
        return
    booking.flagged = f"Overlaps downtime: {reason}"[:300]
    record_change(booking, actor, "flagged", reason)
    notify(
        booking,
        _l("Instrument downtime during your booking"),
        _l("Downtime is scheduled during your booking; please check with the facility."),
        kind=kinds.STAFF_CHANGES,
        reason=reason,
    )


def report_problem(
    actor: User, instrument_id: int, severity: Severity, description: str
) -> ProblemReport:
    """Anyone signed in reports a problem; a high-severity one takes the instrument down and
    flags every booking not yet ended (owners and the facility are told)."""
    instrument = get_instrument(instrument_id)
    text = (description or "").strip()
    if not text or len(text) > 5000:
        raise DomainError(
            Problem(
                "description_required",
                N_("Describe the problem (up to 5000 characters)."),
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
    went_down = severity == Severity.HIGH and instrument.status != InstrumentStatus.RETIRED
    if went_down:
        instrument.status = InstrumentStatus.DOWN
        instrument.updated_at = clock.now()
    db.session.flush()
    report.reporter = actor
    report.instrument = instrument
    if went_down:
        flag_bookings_of_down_instrument(instrument, text[:200], actor)
    audit.record(
        actor, "problem.report", report, audit.snapshot(report), facility_id=instrument.facility_id
    )
    queue_email(
        instrument.facility.contact_email,
        _l("Problem reported: %(instrument_name)s", instrument_name=instrument.name),
        "problem_reported",
        kind=kinds.STAFF_WORK,
        link=absolute_url("instruments.show", instrument_id=instrument.id),
        report=report,
    )
    return report


def resolve_problem(actor: User, report_id: int, resolution: str) -> ProblemReport:
    """Staff resolve a report; the instrument comes back once no high-severity report is open."""
    report = db.session.get(ProblemReport, report_id)
    if report is None:
        raise NotFound(N_("No such problem report."))
    instrument = report.instrument
    if not can_staff_instrument(actor, instrument):
        raise Forbidden(N_("Only the facility's staff resolve problems."))
    if report.resolved_at is not None:
        raise DomainError(
            Problem("already_resolved", N_("This report is already resolved.")), status=409
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
