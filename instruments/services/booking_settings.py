"""A facility's booking settings: how long before a booking its reminder goes out, and whether
bookings whose user's certificate ends are cancelled or flagged (``FacilityBookingSettings``)."""

from __future__ import annotations

from innocore import audit
from innocore.accounts.models import User
from innocore.errors import DomainError, Forbidden, Problem
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.permissions import can_manage_facility
from instruments.models import FacilityBookingSettings

DEFAULT_REMINDER_HOURS = 24


def reminder_hours(facility_id: int) -> int:
    row = db.session.get(FacilityBookingSettings, facility_id)
    return row.reminder_hours if row else DEFAULT_REMINDER_HOURS


def cancels_on_certificate_end(facility_id: int) -> bool:
    """Whether the facility cancels (True) or flags (False) bookings whose certificate ended."""
    row = db.session.get(FacilityBookingSettings, facility_id)
    return bool(row and row.cancel_on_certificate_end)


def set_reminder_hours(
    actor: User,
    facility: Facility,
    hours: int | None,
    *,
    cancel_on_certificate_end=None,
    waitlist_hold_minutes: int | None = None,
) -> None:
    """A facility's managers set how long before each booking its reminder goes out (0: none)
    and, optionally, whether bookings whose user's certificate ends are cancelled or flagged,
    and how many minutes (5 to 1440) a waiting-list offer holds freed time."""
    if not can_manage_facility(actor, facility):
        raise Forbidden("Only the facility's managers change its reminder time.")
    if hours is None or not 0 <= hours <= 336:
        raise DomainError(Problem("out_of_range", "Use 0 to 336 hours.", "reminder_hours"))
    if waitlist_hold_minutes is not None and not 5 <= waitlist_hold_minutes <= 1440:
        raise DomainError(
            Problem("out_of_range", "Use 5 to 1440 minutes.", "waitlist_hold_minutes")
        )
    row = db.session.get(FacilityBookingSettings, facility.id)
    old = row.reminder_hours if row else DEFAULT_REMINDER_HOURS
    if row is None:
        row = FacilityBookingSettings(facility_id=facility.id)
        db.session.add(row)
    row.reminder_hours = hours
    changes = {"reminder_hours": [old, hours]}
    if cancel_on_certificate_end is not None:
        was = bool(row.cancel_on_certificate_end)
        row.cancel_on_certificate_end = bool(cancel_on_certificate_end)
        changes["cancel_on_certificate_end"] = [was, bool(cancel_on_certificate_end)]
    if waitlist_hold_minutes is not None:
        changes["waitlist_hold_minutes"] = [row.waitlist_hold_minutes, waitlist_hold_minutes]
        row.waitlist_hold_minutes = waitlist_hold_minutes
    audit.record(actor, "facility.reminder_hours", row, changes, facility_id=facility.id)
