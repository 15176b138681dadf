"""A late check-in and the no-show job at the same moment: exactly one of them wins, on a real
database of its own (SQLite file or PostgreSQL) with real commits, two schedulers running the job
at once beside staff checking people in through the API."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.support.live import LiveServer
from tests.support.members import verified

pytestmark = pytest.mark.slow
BOOKINGS = 6


def _seed(app) -> tuple[list[int], str]:
    """Six instruments, each with a booking that started 20 minutes ago (deadline: 15 minutes)
    and nobody checked in; a staff member's API token."""
    from innocore.accounts.models import Organisation, User
    from innocore.accounts.tokens import create_token
    from innocore.extensions import db
    from innocore.facilities.models import Facility, FacilityRole
    from innocore.vocab import FacilityRoleKind, OrganisationKind, Technology
    from instruments.models import Booking, BookingStatus, FacilityBookingSettings, Instrument

    now = datetime.now(UTC).replace(microsecond=0)
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
        people = [
            User(
                email=f"{name}@example.org",
                name=name,
                password_hash="x",
                organisation=org,
                created_at=now,
                **verified(now),
            )
            for name in ("late", "staff")
        ]
        db.session.add_all([facility, *people])
        db.session.flush()
        db.session.add(
            FacilityRole(
                user_id=people[1].id,
                facility_id=facility.id,
                role=FacilityRoleKind.STAFF,
                granted_at=now,
            )
        )
        db.session.add(
            FacilityBookingSettings(
                facility_id=facility.id,
                reminder_hours=24,
                checkin_opens_minutes=15,
                no_show_grace_minutes=15,
                no_show_since=now - timedelta(days=1),
                charge_actual_use=False,
            )
        )
        bookings = [
            Booking(
                instrument=Instrument(
                    facility=facility,
                    name=f"Scope {n}",
                    technology=Technology.LIGHT_MICROSCOPY,
                    created_at=now,
                    updated_at=now,
                ),
                user=people[0],
                booked_by=people[0],
                starts_at=now - timedelta(minutes=20),
                ends_at=now + timedelta(minutes=100),
                status=BookingStatus.CONFIRMED,
                uid=f"race-{n}@test",
                created_at=now,
                updated_at=now,
            )
            for n in range(BOOKINGS)
        ]
        db.session.add_all(bookings)
        db.session.flush()
        token = create_token(people[1], "race")[1]
        db.session.commit()
        ids = [b.id for b in bookings]
        db.session.remove()
        return ids, token


def test_a_late_check_in_and_the_no_show_job_never_both_win():
    from innocore.extensions import db
    from innocore.jobs import Job, _attempts
    from innocore.notifications.models import Notification
    from instruments.models import Booking, BookingStatus
    from instruments.no_shows import release_no_shows

    server = LiveServer(label="usage-race")  # its database and app; no server process
    app = server.app
    try:
        ids, token = _seed(app)
        barrier = threading.Barrier(2 + BOOKINGS)
        made: list[int] = []
        answers: dict[int, tuple[int, dict]] = {}

        def scheduler():
            with app.app_context():
                barrier.wait()
                result, failure = _attempts(Job("release_no_shows", release_no_shows, 60))
                db.session.remove()
            assert failure is None
            made.append(result)

        def check_in(booking_id: int):
            client = app.test_client()
            barrier.wait()
            r = client.post(
                f"/api/v1/bookings/{booking_id}/check-in",
                headers={"Authorization": f"Bearer {token}"},
            )
            answers[booking_id] = (r.status_code, r.get_json())

        threads = [threading.Thread(target=scheduler) for _ in range(2)]
        threads += [threading.Thread(target=check_in, args=(i,)) for i in ids]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        with app.app_context():
            rows = {b.id: b for b in db.session.scalars(sa.select(Booking))}
            notes = Counter(
                db.session.scalars(
                    sa.select(Notification.subject).where(Notification.kind == "usage")
                )
            )
            no_shows = [i for i in ids if rows[i].status == BookingStatus.NO_SHOW]
            checked_in = [i for i in ids if rows[i].checked_in_at is not None]
            # Every booking went exactly one way, and each side says so.
            assert sorted(no_shows + checked_in) == sorted(ids)
            assert all(rows[i].status == BookingStatus.CONFIRMED for i in checked_in)
            assert sorted(i for i, (s, _) in answers.items() if s == 200) == sorted(checked_in)
            for i in no_shows:
                status, body = answers[i]
                assert (status, body["errors"][0]["code"]) == (422, "not_confirmed")
            assert sum(made) == len(no_shows)
            # One e-mail per no-show (the instruments' names differ), none for the others.
            assert sum(notes.values()) == len(no_shows)
            assert all(n == 1 for n in notes.values())
            db.session.remove()
    finally:
        server.stop()
