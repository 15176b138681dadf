"""Factories of the charging tests: bookings in any state, straight into the table."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

import pytest

from innocore import clock as clock_module
from instruments.models import Booking, BookingStatus

_seq = itertools.count(1)


@pytest.fixture
def make_booking(db_session):
    def make(instrument, user, starts_at=None, hours=2, status="confirmed", **kw):
        starts_at = starts_at or clock_module.now() - timedelta(days=1)
        now = clock_module.now()
        booking = Booking(
            instrument=instrument,
            user=user,
            booked_by=user,
            starts_at=starts_at,
            ends_at=kw.pop("ends_at", starts_at + timedelta(hours=hours)),
            status=BookingStatus(status),
            uid=f"test-{uuid.uuid4().hex}",
            created_at=now,
            updated_at=now,
            **kw,
        )
        db_session.add(booking)
        db_session.commit()  # a savepoint: a view's rollback keeps it
        return booking

    return make
