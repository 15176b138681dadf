"""Demo: Paula's weekly slot on the widefield microscope, booked as a series by the facility's
staff (Thursdays 10:00-12:00, Rome time, for six weeks)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from innocore import clock
from innocore.extensions import db
from instruments.models import Instrument
from instruments.series import rules
from instruments.series.models import SeriesMode
from instruments.series.services import SeriesInput, create_series
from instruments.services import BookingInput


def seed_series(ctx: dict) -> None:
    people, facility = ctx["people"], ctx["facilities"][0]
    staff, phd = people[2], people[7]
    instrument = db.session.scalar(
        sa.select(Instrument).where(
            Instrument.facility_id == facility.id, Instrument.name == "Widefield microscope"
        )
    )
    if instrument is None:
        return
    zone = ZoneInfo(facility.timezone)
    today = clock.now().astimezone(zone).date() + timedelta(days=2)
    thursday = today + timedelta(days=(3 - today.weekday()) % 7)
    start = datetime.combine(thursday, time(10), tzinfo=zone)
    first = BookingInput(
        start, start + timedelta(hours=2), purpose="Weekly imaging", user_id=phd.id
    )
    recurrence = rules.Recurrence(rules.Frequency.WEEKLY, 1, (3,), count=6)
    create_series(staff, instrument.id, SeriesInput(first, recurrence, SeriesMode.SKIP_CONFLICTS))
