"""No double booking under real concurrency: many workers, many simultaneous requests."""

from __future__ import annotations

import http.client
import json
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa

from instruments.models import ACTIVE_STATUSES, Booking
from tests.support.members import verified

SLOTS = 5
PER_SLOT = 12  # 60 requests in flight at once


def _seed(app) -> tuple[int, list[str]]:
    from innocore.accounts.models import Organisation, User
    from innocore.accounts.tokens import create_token
    from innocore.extensions import db
    from innocore.facilities.models import Facility
    from innocore.vocab import OrganisationKind, Technology
    from instruments.models import Instrument

    now = datetime.now(UTC)
    with app.app_context():
        org = Organisation(
            name="Race University", kind=OrganisationKind.UNIVERSITY, country="IT", created_at=now
        )
        facility = Facility(
            slug="race",
            name="Race",
            institution=org,
            timezone="Europe/Rome",
            contact_email="race@example.org",
            created_at=now,
        )
        instrument = Instrument(
            facility=facility,
            name="Contested scope",
            technology=Technology.LIGHT_MICROSCOPY,
            created_at=now,
            updated_at=now,
        )
        users = [
            User(
                email=f"racer{i}@example.org",
                name=f"Racer {i}",
                password_hash="x",
                organisation=org,
                created_at=now,
                **verified(now),
            )
            for i in range(SLOTS * PER_SLOT)
        ]
        db.session.add_all([instrument, *users])
        db.session.flush()
        tokens = [create_token(u, "race")[1] for u in users]
        db.session.commit()
        return instrument.id, tokens


@pytest.mark.slow
def test_fifty_concurrent_overlapping_requests_make_one_booking_per_slot():
    from tests.support.live import LiveServer

    server = LiveServer(workers=4, label="race").start()
    try:
        instrument_id, tokens = _seed(server.app)
        base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
        url = urlparse(server.url)
        barrier = threading.Barrier(len(tokens))
        results: list[tuple[int, int, dict]] = []

        def race(n: int, token: str):
            slot = n % SLOTS
            start = base + timedelta(hours=2 * slot)
            # Every request of a slot overlaps the others by at least 30 minutes.
            shift = timedelta(minutes=30 * (n // SLOTS % 2))
            body = json.dumps(
                {
                    "instrument_id": instrument_id,
                    "starts_at": (start + shift).isoformat(),
                    "ends_at": (start + timedelta(hours=1) + shift).isoformat(),
                }
            )
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
            barrier.wait()
            conn.request(
                "POST",
                "/api/v1/bookings",
                body=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            response = conn.getresponse()
            results.append((slot, response.status, json.loads(response.read() or b"{}")))
            conn.close()

        threads = [threading.Thread(target=race, args=(n, t)) for n, t in enumerate(tokens)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        assert len(results) == SLOTS * PER_SLOT
        for slot in range(SLOTS):
            statuses = sorted(s for sl, s, _ in results if sl == slot)
            assert statuses == [201] + [409] * (PER_SLOT - 1), (slot, statuses)
        refused = [b for _, s, b in results if s == 409]
        assert all(b["errors"][0]["code"] == "conflict" for b in refused)

        from innocore.extensions import db

        with server.app.app_context():
            rows = db.session.execute(
                sa.select(Booking.starts_at, Booking.ends_at)
                .where(Booking.instrument_id == instrument_id, Booking.status.in_(ACTIVE_STATUSES))
                .order_by(Booking.starts_at)
            ).all()
            db.session.remove()
        assert len(rows) == SLOTS
        assert all(a.ends_at <= b.starts_at for a, b in zip(rows, rows[1:], strict=False))
    finally:
        server.stop()
