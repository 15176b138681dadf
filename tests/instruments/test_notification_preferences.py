"""Notification preferences applied in the outbox, with the reminder job run as the scheduler runs it."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from innocore.jobs import jobs, run_job
from innocore.notifications.models import DeliveryStatus, Notification
from innocore.notifications.services import set_preferences
from instruments import services
from instruments.services import BookingInput
from tests.instruments.conftest import WEEKDAYS_8_TO_20

ROME = ZoneInfo("Europe/Rome")


def _world(make_facility, make_instrument, make_user, grant):
    facility = make_facility()
    instrument = make_instrument(facility=facility, opening=WEEKDAYS_8_TO_20, slot_minutes=30)
    user = make_user(organisation=facility.institution)
    staff = make_user(organisation=facility.institution)
    grant(staff, facility, "staff")
    return instrument, user, staff


def _book(user, instrument, day):
    start = datetime(2026, 3, day, 9, tzinfo=ROME)
    return services.create_booking(
        user, instrument.id, BookingInput(start, start.replace(hour=10), "imaging")
    )


def test_a_turned_off_reminder_is_not_mailed_but_a_cancellation_by_staff_is(
    app, clock, deliver, db_session, make_facility, make_instrument, make_user, grant
):
    instrument, user, staff = _world(make_facility, make_instrument, make_user, grant)
    set_preferences(user, user, {"reminders": False, "bookings": False})
    kept, cancelled = _book(user, instrument, 3), _book(user, instrument, 4)
    db_session.commit()
    assert deliver() == []  # their own booking confirmations are turned off too
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))  # inside the 24 h reminder lead
    assert run_job(app, jobs(app)["instrument_reminders"], reraise=True) == 1
    services.cancel_booking(staff, cancelled.id, "Instrument booked for maintenance")
    db_session.commit()
    [mail] = deliver()  # the reminder stayed behind; the staff's cancellation did not
    assert mail["To"] == user.email and mail["Subject"].startswith("Booking cancelled")
    reminder = db_session.scalar(
        sa.select(Notification).where(Notification.dedupe_key.like(f"booking-reminder:{kept.id}:%"))
    )
    # Kept in the inbox, never e-mailed; a re-run of the job queues it no second time.
    assert reminder.kind == "reminders" and reminder.status == DeliveryStatus.SKIPPED
    assert run_job(app, jobs(app)["instrument_reminders"], reraise=True) == 0


def test_reminders_turned_back_on_are_mailed_again(
    app, clock, deliver, db_session, make_facility, make_instrument, make_user, grant
):
    instrument, user, _ = _world(make_facility, make_instrument, make_user, grant)
    set_preferences(user, user, {"reminders": False})
    set_preferences(user, user, {"reminders": True})
    _book(user, instrument, 3)
    db_session.commit()
    deliver()
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    assert run_job(app, jobs(app)["instrument_reminders"], reraise=True) == 1
    assert [m["Subject"] for m in deliver()] == [f"Reminder: {instrument.name}"]
