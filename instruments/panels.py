"""Dashboard panels: my next bookings; requests waiting for staff."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from innocore import clock
from innocore.dashboard import Panel
from innocore.extensions import db
from innocore.permissions import staffed_facility_ids
from innocore.template_helpers import local_time
from instruments.models import Booking, BookingStatus, Instrument
from instruments.queries import my_bookings_query


def bookings_panel(user) -> Panel:
    rows = db.session.scalars(my_bookings_query(user.id, upcoming_after=clock.now()).limit(5)).all()
    items = [
        (
            f"{b.instrument.name}: {local_time(b.starts_at, b.instrument.facility.timezone)}"
            + (" (awaiting approval)" if b.status == BookingStatus.PENDING else ""),
            url_for("instruments.booking_page", booking_id=b.id),
        )
        for b in rows
        if b.active
    ]
    items.append((_("Find an instrument"), url_for("instruments.catalog_page")))
    return Panel(_("Your next bookings"), items, empty=_("No upcoming bookings."), order=30)


def staff_panel(user) -> Panel | None:
    ids = staffed_facility_ids(user)
    if not ids:
        return None
    pending = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Booking)
        .join(Booking.instrument)
        .where(Instrument.facility_id.in_(ids), Booking.status == BookingStatus.PENDING)
    )
    items = (
        [
            (
                ngettext(
                    "%(num)d booking request to decide",
                    "%(num)d booking requests to decide",
                    pending,
                ),
                url_for("instruments.approvals"),
            )
        ]
        if pending
        else []
    )
    return Panel(_("Booking requests"), items, empty=_("No booking requests waiting."), order=25)
