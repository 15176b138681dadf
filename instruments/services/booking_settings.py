"""A facility's booking settings: how long before a booking its reminder goes out, and whether
bookings whose user's certificate ends are cancelled or flagged (``FacilityBookingSettings``)."""

from __future__ import annotations

from decimal import Decimal

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.errors import DomainError, Forbidden, Problem
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.permissions import can_manage_facility
from instruments.models import FacilityBookingSettings
from instruments.rules import UsageSettings

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


def usage_settings(facility_id: int):
    """The facility's check-in settings as ``rules.UsageSettings`` (defaults without a row)."""
    row = db.session.get(FacilityBookingSettings, facility_id)
    if row is None:
        return UsageSettings()
    return UsageSettings(
        checkin_opens_minutes=row.checkin_opens_minutes,
        no_show_grace_minutes=row.no_show_grace_minutes,
        charge_actual_use=bool(row.charge_actual_use),
        no_show_fee=row.no_show_fee,
    )


def set_usage_settings(
    actor: User,
    facility: Facility,
    *,
    checkin_opens_minutes: int | None,
    no_show_grace_minutes: int | None,
    charge_actual_use: bool,
    no_show_fee: Decimal | None = None,
) -> None:
    """A facility's managers set when check-in opens (0 to 1440 minutes before the start), after
    how many minutes (1 to 1440) a booking not checked in becomes a no-show (None: never), and
    whether charges follow the actual use, and a flat no-show fee (None: the charging policy's
    share of the booked time; 0 to 100,000 in the facility's charging currency). Raises
    ``Forbidden`` (not a manager) or ``DomainError`` (422, a value out of range). Turning the
    no-show rule on applies it to bookings starting from now on only."""

    if not can_manage_facility(actor, facility):
        raise Forbidden("Only the facility's managers change its check-in settings.")
    problems = []
    if checkin_opens_minutes is None or not 0 <= checkin_opens_minutes <= 1440:
        problems.append(Problem("out_of_range", "Use 0 to 1440 minutes.", "checkin_opens_minutes"))
    if no_show_grace_minutes is not None and not 1 <= no_show_grace_minutes <= 1440:
        msg = "Use 1 to 1440 minutes, or leave it empty for no automatic no-shows."
        problems.append(Problem("out_of_range", msg, "no_show_grace_minutes"))
    if no_show_fee is not None and not Decimal("0") <= no_show_fee <= Decimal("100000"):
        problems.append(Problem("out_of_range", "Use 0 to 100,000.", "no_show_fee"))
    if problems:
        raise DomainError(problems)
    row = db.session.get(FacilityBookingSettings, facility.id)
    if row is None:
        row = FacilityBookingSettings(
            facility_id=facility.id,
            reminder_hours=DEFAULT_REMINDER_HOURS,
            checkin_opens_minutes=15,
            charge_actual_use=False,
        )
        db.session.add(row)
    fee = None if no_show_fee is None else Decimal(no_show_fee).quantize(Decimal("0.01"))
    old = (
        row.checkin_opens_minutes,
        row.no_show_grace_minutes,
        bool(row.charge_actual_use),
        None if row.no_show_fee is None else str(row.no_show_fee),
    )
    if row.no_show_grace_minutes is None and no_show_grace_minutes is not None:
        row.no_show_since = clock.now()
    row.checkin_opens_minutes = checkin_opens_minutes
    row.no_show_grace_minutes = no_show_grace_minutes
    row.charge_actual_use = bool(charge_actual_use)
    row.no_show_fee = fee
    new = (
        checkin_opens_minutes,
        no_show_grace_minutes,
        bool(charge_actual_use),
        None if fee is None else str(fee),
    )
    names = ("checkin_opens_minutes", "no_show_grace_minutes", "charge_actual_use", "no_show_fee")
    changes = {n: [a, b] for n, a, b in zip(names, old, new, strict=True) if a != b}
    audit.record(actor, "facility.usage_settings", row, changes, facility_id=facility.id)
