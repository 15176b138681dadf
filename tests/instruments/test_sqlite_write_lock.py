"""SQLite: the booking services hold the single write lock before reading the schedule, and
behave plainly when their caller has already written (real commits, on a database of their own).
A writer that finds the lock taken waits for it, whatever it read before.

PostgreSQL needs none of this: a row lock per instrument and the exclusion constraint.
"""

from __future__ import annotations

import itertools
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from innocore.errors import DomainError
from tests.support.databases import backend
from tests.support.members import verified

pytestmark = pytest.mark.skipif(backend() != "sqlite", reason="SQLite's write lock only")
_seq = itertools.count(1)


@pytest.fixture(scope="module")
def own_db():
    from tests.support.live import LiveServer

    server = LiveServer(label="sqlite-lock")  # migrated, never started: we only use its app
    yield server.app
    server.stop()


@pytest.fixture
def world(own_db):
    from innocore.accounts.models import Organisation, User
    from innocore.extensions import db
    from innocore.facilities.models import Facility
    from innocore.vocab import OrganisationKind, Technology
    from instruments.models import Instrument

    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with own_db.app_context():
        n = next(_seq)
        org = Organisation(
            name=f"Lock University {n}",
            kind=OrganisationKind.UNIVERSITY,
            country="IT",
            created_at=now,
        )
        facility = Facility(
            slug=f"lock-{n}",
            name=f"Lock {n}",
            institution=org,
            timezone="Europe/Rome",
            contact_email="lock@example.org",
            created_at=now,
        )
        instrument = Instrument(
            facility=facility,
            name="Locked scope",
            created_at=now,
            technology=Technology.LIGHT_MICROSCOPY,
            updated_at=now,
        )
        user = User(
            email=f"lock{n}@example.org",
            name="Lena",
            password_hash="x",
            organisation=org,
            created_at=now,
            **verified(now),
        )
        db.session.add_all([instrument, user])
        db.session.commit()
        ids = {"instrument": instrument.id, "user": user.id, "org": org.id}
        db.session.remove()
    return own_db, ids, now + timedelta(days=2)


def _org(name: str):
    from innocore import clock
    from innocore.accounts.models import Organisation
    from innocore.vocab import OrganisationKind

    return Organisation(
        name=name, kind=OrganisationKind.COMPANY, country="IT", created_at=clock.now()
    )


def _book(user, instrument_id, start):
    from instruments.services import BookingInput, create_booking

    return create_booking(user, instrument_id, BookingInput(start, start + timedelta(hours=1)))


def _count(model, **where) -> int:
    from innocore.extensions import db

    return db.session.scalar(sa.select(sa.func.count()).select_from(model).filter_by(**where))


def test_service_first_takes_the_lock_once_per_transaction(world):
    """Two bookings in one unit of work: the second does not commit the first on the way."""
    from innocore.accounts.models import User
    from innocore.extensions import db
    from instruments.models import Booking

    app, ids, start = world
    with app.test_request_context():
        user = db.session.get(User, ids["user"])
        _book(user, ids["instrument"], start)
        with pytest.raises(DomainError) as err:
            _book(user, ids["instrument"], start + timedelta(minutes=30))  # overlaps the first
        assert [p.code for p in err.value.problems] == ["conflict"]
        db.session.rollback()
        assert _count(Booking, instrument_id=ids["instrument"]) == 0
        db.session.remove()


def test_caller_that_wrote_first_keeps_one_unit_of_work(world):
    """A state-changing request flushed a row before the service: the service neither commits it
    early nor loses the lock; rolling back undoes both, committing keeps both."""
    from innocore.accounts.models import Organisation, User
    from innocore.extensions import db
    from instruments.models import Booking

    app, ids, start = world
    with app.test_request_context(method="POST"):
        user = db.session.get(User, ids["user"])
        db.session.add(_org("Written first"))
        db.session.flush()
        _book(user, ids["instrument"], start)
        db.session.rollback()
        assert _count(Organisation, name="Written first") == 0
        assert _count(Booking, instrument_id=ids["instrument"]) == 0

        db.session.add(_org("Written first"))
        booking = _book(user, ids["instrument"], start)  # pending, not yet flushed, caller row
        db.session.commit()
        assert _count(Organisation, name="Written first") == 1
        assert db.session.get(Booking, booking.id) is not None
        db.session.execute(sa.delete(Organisation).where(Organisation.name == "Written first"))
        db.session.commit()
        db.session.remove()


def _hold_write_lock(app, seconds: float, started: threading.Event) -> None:
    """Another writer: takes the lock, changes a row, keeps the lock ``seconds``, commits."""
    from innocore.extensions import db

    with app.app_context(), db.engine.connect() as other:
        other.execution_options(innocore_immediate=True).exec_driver_sql(
            "UPDATE user_account SET locale = 'it'"
        )
        started.set()
        time.sleep(seconds)
        other.commit()


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_a_writer_waits_for_the_lock_and_then_sees_the_other_writers_rows(world, method):
    """What used to fail at once ("database is locked", or a 409 'try again'): our request read
    before another writer committed, then wrote. A state-changing request begins IMMEDIATE, so it
    waits its turn (busy timeout), reads after the other commit, and writes."""
    from innocore.accounts.models import Organisation, User
    from innocore.extensions import db
    from instruments.models import Booking

    app, ids, start = world
    started = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(app, 1.0, started))
    holder.start()
    started.wait(10)
    with app.test_request_context(method=method):
        t0 = time.monotonic()
        user = db.session.get(User, ids["user"])  # BEGIN IMMEDIATE: waits for the other writer
        waited = time.monotonic() - t0
        assert user.locale == "it"  # read after the other commit: nothing stale to act on
        db.session.add(_org("Waited writer"))
        _book(user, ids["instrument"], start)
        db.session.commit()
        holder.join()
        assert waited > 0.5
        assert _count(Organisation, name="Waited writer") == 1
        assert _count(Booking, instrument_id=ids["instrument"]) == 1
        db.session.execute(sa.delete(Organisation).where(Organisation.name == "Waited writer"))
        db.session.commit()
        db.session.remove()


def test_readers_do_not_wait_for_a_writer(world):
    """A GET begins as a reader (WAL): it reads while another writer holds the lock."""
    from innocore.accounts.models import User
    from innocore.extensions import db

    app, ids, _ = world
    started = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(app, 1.5, started))
    holder.start()
    started.wait(10)
    try:
        with app.test_request_context(method="GET"):
            t0 = time.monotonic()
            assert db.session.get(User, ids["user"]) is not None
            assert time.monotonic() - t0 < 1.0
            db.session.remove()
    finally:
        holder.join()
