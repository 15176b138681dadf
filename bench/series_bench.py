"""Recurring-series benchmark: create a 52-week weekly series through the API, repeatedly.

    .venv/bin/python bench/series_bench.py                                   # SQLite
    INNOCORE_TEST_DATABASE_URL=postgresql://root@127.0.0.1:5432/test \\
        .venv/bin/python bench/series_bench.py                               # PostgreSQL

Each run posts ``/api/v1/series`` (52 Mondays, 09:00-11:00 Europe/Rome, all or nothing) on its
own instrument, whose schedule already holds ``--busy`` bookings at other times, through the
whole stack (token, body parsing, the per-occurrence rules, 52 inserts, one e-mail, commit).
A dry run (preview) is timed the same way. Prints p50/p95; passes or fails nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _seed(app, instruments: int, busy: int):
    from innocore.accounts.models import Organisation, User
    from innocore.accounts.tokens import create_token
    from innocore.extensions import db
    from innocore.facilities.models import Facility
    from innocore.vocab import MembershipMethod, OrganisationKind, Technology
    from instruments.models import Booking, BookingStatus, Instrument

    now = datetime.now(UTC)
    with app.app_context():
        org = Organisation(
            name="Bench University", kind=OrganisationKind.UNIVERSITY, country="IT", created_at=now
        )
        facility = Facility(
            slug="series-bench",
            name="Series bench",
            institution=org,
            timezone="Europe/Rome",
            contact_email="bench@example.org",
            created_at=now,
        )
        user = User(
            email="series-bench@example.org",
            name="Bench",
            password_hash="x",
            organisation=org,
            created_at=now,
            membership_verified_at=now,
            membership_method=MembershipMethod.ADMIN_APPROVAL,
        )
        rows = [
            Instrument(
                facility=facility,
                name=f"Scope {i}",
                technology=Technology.LIGHT_MICROSCOPY,
                created_at=now,
                updated_at=now,
            )
            for i in range(instruments)
        ]
        db.session.add_all([user, *rows])
        db.session.flush()
        base = now.replace(hour=14, minute=0, second=0, microsecond=0)
        for instrument in rows:  # afternoons taken, mornings free: no run is refused
            db.session.add_all(
                Booking(
                    instrument=instrument,
                    user=user,
                    booked_by=user,
                    starts_at=base + timedelta(days=k % 364),
                    ends_at=base + timedelta(days=k % 364, hours=1),
                    status=BookingStatus.CONFIRMED,
                    uid=f"bench-{instrument.id}-{k}@bench",
                    created_at=now,
                    updated_at=now,
                )
                for k in range(busy)
            )
        db.session.flush()
        _, token = create_token(user, "bench")
        db.session.commit()
        return [i.id for i in rows], token


def _timed(client, token, instrument_id: int, first: datetime, dry_run: bool) -> float:
    body = {
        "instrument_id": instrument_id,
        "starts_at": first.isoformat(),
        "ends_at": (first + timedelta(hours=2)).isoformat(),
        "frequency": "weekly",
        "count": 52,
        "dry_run": dry_run,
    }
    started = time.perf_counter()
    response = client.post(
        "/api/v1/series", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    elapsed = (time.perf_counter() - started) * 1000
    expected = 200 if dry_run else 201
    assert response.status_code == expected, response.get_json()
    assert response.get_json()["booked"] == 52, response.get_json()
    return elapsed


def _report(label: str, times: list[float]) -> None:
    ordered = sorted(times)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(f"{label}: p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms ({len(times)} runs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--busy", type=int, default=200, help="bookings already on each instrument")
    args = parser.parse_args()
    from tests.support.live import LiveServer

    server = LiveServer(label="series-bench")  # a migrated database of its own, never started
    try:
        app = server.app
        print(f"database: {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}")
        ids, token = _seed(app, args.runs + 1, args.busy)
        client = app.test_client()
        rome = datetime.now(UTC).astimezone(__import__("zoneinfo").ZoneInfo("Europe/Rome"))
        day = (rome + timedelta(days=2)).date()
        monday = day + timedelta(days=(7 - day.weekday()) % 7)
        first = datetime.combine(monday, datetime.min.time().replace(hour=9), rome.tzinfo)
        _timed(client, token, ids[-1], first, dry_run=True)  # warm up
        previews = [_timed(client, token, ids[0], first, dry_run=True) for _ in range(args.runs)]
        creates = [_timed(client, token, i, first, dry_run=False) for i in ids[: args.runs]]
        _report("preview a 52-week weekly series (dry run)", previews)
        _report("create a 52-week weekly series", creates)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
