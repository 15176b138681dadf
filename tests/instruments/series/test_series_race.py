"""Two series made at the same moment on the same instrument cannot overlap (real commits on a
database of their own, two threads): the per-instrument write lock serialises them (SQLite write
transaction, PostgreSQL row lock, with the exclusion constraint behind it)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from innocore.errors import DomainError
from tests.support.live import LiveServer
from tests.support.members import verified


@pytest.fixture(scope="module")
def own_db():
    server = LiveServer(label="series-race")  # migrated, never started: we only use its app
    yield server.app
    server.stop()


def _seed(app):
    from innocore.accounts.models import Organisation, User
    from innocore.extensions import db
    from innocore.facilities.models import Facility
    from innocore.vocab import OrganisationKind, Technology
    from instruments.models import Instrument

    now = datetime.now(UTC)
    with app.app_context():
        org = Organisation(
            name="Series University", kind=OrganisationKind.UNIVERSITY, country="IT", created_at=now
        )
        facility = Facility(
            slug="series-race",
            name="Series race",
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
                email=f"series{i}@example.org",
                name=f"Series {i}",
                password_hash="x",
                organisation=org,
                created_at=now,
                **verified(now),
            )
            for i in range(2)
        ]
        db.session.add_all([instrument, *users])
        db.session.commit()
        return instrument.id, [u.id for u in users]


def test_two_simultaneous_overlapping_series_make_one(own_db):
    from innocore.accounts.models import User
    from innocore.extensions import db
    from instruments.models import Booking
    from instruments.series import rules
    from instruments.series.models import SeriesMode
    from instruments.series.services import SeriesInput, create_series
    from instruments.services import BookingInput

    instrument_id, user_ids = _seed(own_db)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[str] = []

    def make(n: int):
        with own_db.app_context():
            barrier.wait()  # before any read: on SQLite a worker's first BEGIN takes the lock
            user = db.session.get(User, user_ids[n])
            shift = timedelta(minutes=30 * n)  # the second overlaps the first by 30 minutes
            first = BookingInput(start + shift, start + shift + timedelta(hours=1))
            rec = rules.Recurrence(rules.Frequency.WEEKLY, count=6)
            try:
                create_series(
                    user, instrument_id, SeriesInput(first, rec, SeriesMode.ALL_OR_NOTHING)
                )
                db.session.commit()
                outcomes.append("made")
            except DomainError as err:
                db.session.rollback()
                outcomes.append(f"{err.status} {err.problems[0].code}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=make, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["409 conflict", "made"]
    with own_db.app_context():
        rows = db.session.execute(
            sa.select(Booking.starts_at, Booking.ends_at)
            .where(Booking.instrument_id == instrument_id)
            .order_by(Booking.starts_at)
        ).all()
        db.session.remove()
    assert len(rows) == 6
    assert all(a.ends_at <= b.starts_at for a, b in zip(rows, rows[1:], strict=False))
