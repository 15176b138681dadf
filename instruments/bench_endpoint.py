"""A bare one-insert endpoint: the benchmark baseline (only with INNOCORE_BENCH_ENDPOINTS=1)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask_login import current_user

from innocore import clock
from innocore.api.core import api_blueprint
from innocore.db import begin_serialised_write
from innocore.extensions import db
from instruments.models import Booking, BookingStatus

bp = api_blueprint("instruments_bench", __name__, "/bench")


@bp.route("/insert", methods=["POST"])
def insert():
    # Same write transaction as a booking create (SQLite: BEGIN IMMEDIATE), one insert.
    begin_serialised_write(db.session())
    now = clock.now()
    db.session.add(
        Booking(
            instrument_id=1,
            user_id=current_user.id,
            booked_by_id=current_user.id,
            starts_at=now,
            ends_at=now + timedelta(seconds=1),
            status=BookingStatus.CANCELLED,
            uid=f"bench-{uuid.uuid4().hex}",
            created_at=now,
            updated_at=now,
        )
    )
    db.session.commit()
    return {"ok": True}, 201
