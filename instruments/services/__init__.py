"""Booking use cases, one module per use case; the public names are importable from here.

- ``bookings``: create, move, cancel, end early (``BookingInput``);
- ``usage``: check-in and check-out, no-shows (``release_no_show``), unbooked use;
- ``approvals``: approve and reject pending requests;
- ``downtime``: scheduled downtime, problem reports and their resolution;
- ``training``: instrument time held for training sessions (the training package calls these);
- ``common``: the per-instrument write lock, history, problems and booking e-mails.

Services lock, check permissions, call the pure rules, change the ORM, audit and queue mail.
They flush; the boundary (view, API, CLI) commits once. Call them before the boundary writes
anything else (see ``common._serialise_on_sqlite`` for what happens otherwise on SQLite).
"""

from instruments.services.approvals import approve_booking, reject_booking
from instruments.services.bookings import (
    BookingInput,
    cancel_booking,
    create_booking,
    end_booking_early,
    move_booking,
)
from instruments.services.common import get_booking, lock_instrument
from instruments.services.downtime import (
    overlapping_bookings,
    report_problem,
    resolve_problem,
    schedule_downtime,
)
from instruments.services.training import release_instrument_time, reserve_instrument_time
from instruments.services.usage import (
    LoggedUse,
    check_in,
    check_out,
    log_unbooked_use,
    release_no_show,
)
from instruments.services.usage import record_no_show as mark_no_show

__all__ = [
    "BookingInput",
    "LoggedUse",
    "approve_booking",
    "cancel_booking",
    "check_in",
    "check_out",
    "create_booking",
    "end_booking_early",
    "get_booking",
    "lock_instrument",
    "log_unbooked_use",
    "mark_no_show",
    "move_booking",
    "overlapping_bookings",
    "reject_booking",
    "release_no_show",
    "release_instrument_time",
    "report_problem",
    "reserve_instrument_time",
    "resolve_problem",
    "schedule_downtime",
]
