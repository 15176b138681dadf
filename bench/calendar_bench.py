"""Calendar pages benchmark: server time and HTML size of the facility week, the instrument week
and "My bookings". Prints figures; passes or fails nothing.

Run: .venv/bin/python bench/calendar_bench.py [--database-url URL] [--runs 20] [--dump DIR]
A throw-away SQLite database in /tmp unless a URL is given. Server time is the whole request
through the app (routing, queries, template) in this process, without the network: p50/p95 of
wall time and the median CPU time of this process (steadier on a shared machine).

Data (the booking bench's pattern, bench/instruments_bench.py, at 50 instruments): one facility
(Europe/Rome) of 50 instruments open round the clock, bookings of 2 h with 1-hour gaps for 8
weeks either side of now (56 a week per instrument; every gap is free time with a link), one
downtime per instrument this week, one booking in 97 a training reservation; a person with 500 upcoming
bookings and 500 past ones; staff of the facility (who see names and purposes).
Targets: facility week < 100 ms and < 200 KB; instrument week < 15 ms; My bookings < 20 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

INSTRUMENTS, WEEKS = 50, 8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--dump", default=None, help="write each page's HTML into this folder")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'calendar-bench.sqlite'}"
    os.environ["INNOCORE_DATABASE_URL"] = url
    from flask_migrate import upgrade

    from innocore import create_app
    from innocore.extensions import db

    app = create_app({"INSTANCE_PATH": tempfile.mkdtemp(prefix="innocore-calendar-bench-")})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        started = time.perf_counter()
        seeded = _seed(db)
        print(
            f"seeded {seeded['bookings']} bookings on {INSTRUMENTS} instruments "
            f"in {time.perf_counter() - started:.1f} s ({db.engine.dialect.name})"
        )
    client = app.test_client()
    slug, iid = seeded["slug"], seeded["instrument"]
    cases = [
        ("baseline: the catalog, staff", seeded["staff"], "/instruments/", ""),
        (
            "facility week, 50 instruments, staff",
            seeded["staff"],
            f"/instruments/facility/{slug}?view=week",
            "< 100 ms, < 200 KB",
        ),
        (
            "facility week, 50 instruments, anonymous",
            None,
            f"/instruments/facility/{slug}?view=week",
            "< 100 ms, < 200 KB",
        ),
        (
            "facility day, 50 instruments, staff",
            seeded["staff"],
            f"/instruments/facility/{slug}",
            "",
        ),
        ("instrument week, staff", seeded["staff"], f"/instruments/{iid}?view=week", "< 15 ms"),
        ("instrument week, anonymous", None, f"/instruments/{iid}?view=week", "< 15 ms"),
        (
            "My bookings, 500 upcoming (paginated)",
            seeded["person"],
            "/instruments/bookings/mine",
            "< 20 ms",
        ),
    ]
    print(
        f"{'case':<44} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms':>8} {'KB':>7}  target"
    )
    for label, user_id, path, target in cases:
        _measure(app, client, label, user_id, path, args.runs, target, args.dump)


def _measure(app, client, label, user_id, path, runs, target, dump=None) -> None:
    from innocore.extensions import db

    with client.session_transaction() as sess:
        sess.clear()
        if user_id is not None:
            sess["_user_id"] = f"{user_id}:0"
    statements: list[int] = []

    def count(*_):
        statements.append(1)

    timings, cpus, size = [], [], 0
    with app.app_context():
        engine = db.engine
    for i in range(runs + 1):
        statements.clear()
        sa.event.listen(engine, "before_cursor_execute", count)
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        cpu = (time.process_time() - cpu) * 1000
        sa.event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200, (path, response.status_code)
        size = len(response.get_data())
        if i:  # the first run warms caches
            timings.append(elapsed)
            cpus.append(cpu)
    if dump:
        name = "".join(ch if ch.isalnum() else "-" for ch in label)
        Path(dump, f"{name}.html").write_bytes(response.get_data())
    timings.sort()
    p95 = timings[max(int(len(timings) * 0.95) - 1, 0)]
    print(
        f"{label:<44} {len(statements):>7} {statistics.median(timings):>8.1f} {p95:>8.1f} "
        f"{statistics.median(cpus):>8.1f} {size / 1024:>7.1f}  {target}"
    )


def _seed(db) -> dict:
    from innocore import clock
    from innocore.accounts.models import Organisation, User
    from innocore.facilities.models import Facility, FacilityRole
    from innocore.vocab import FacilityRoleKind, OrganisationKind, Technology
    from instruments.models import Booking, BookingStatus, Downtime, Instrument

    now = clock.now()
    hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    org = Organisation(
        name="Bench University", kind=OrganisationKind.UNIVERSITY, country="IT", created_at=now
    )
    facility = Facility(
        slug="bench-calendar",
        name="Bench Calendar Core",
        institution=org,
        timezone="Europe/Rome",
        contact_email="core@bench.test",
        created_at=now,
    )
    db.session.add_all([org, facility])
    db.session.flush()
    db.session.execute(
        sa.insert(User),
        [
            {
                "email": f"u{i}@bench.test",
                "name": f"Bench User {i}",
                "password_hash": "x",
                "organisation_id": org.id,
                "org_role": "member",
                "is_network_admin": False,
                "timezone": "Europe/Rome",
                "locale": "en",
                "active": True,
                "session_epoch": 0,
                "created_at": now,
            }
            for i in range(1000)
        ],
    )
    users = list(db.session.scalars(sa.select(User.id).order_by(User.id)))
    staff, person = users[0], users[1]
    db.session.add(
        FacilityRole(
            facility_id=facility.id, user_id=staff, role=FacilityRoleKind.STAFF, granted_at=now
        )
    )
    db.session.execute(
        sa.insert(Instrument),
        [
            {
                "facility_id": facility.id,
                "name": f"Instrument {i:02d}",
                "technology": Technology.LIGHT_MICROSCOPY,
                "model": "",
                "description": "",
                "location": "",
                "status": "available",
                "approval_mode": "none",
                "created_at": now,
                "updated_at": now,
            }
            for i in range(INSTRUMENTS)
        ],
    )
    instruments = list(db.session.scalars(sa.select(Instrument.id).order_by(Instrument.id)))
    rows, n = [], 0
    start0 = hour - timedelta(weeks=WEEKS)
    per = WEEKS * 2 * 7 * 8  # 3-hour cycles in 16 weeks
    mine_future = mine_past = 0
    for k in range(per):
        s = start0 + timedelta(hours=3 * k)
        for j, iid in enumerate(instruments):
            who = users[2 + n % (len(users) - 2)]
            if s > now and mine_future < 500 and j < 5:
                who, mine_future = person, mine_future + 1
            elif s < now and mine_past < 500 and j < 5:
                who, mine_past = person, mine_past + 1
            rows.append(
                {
                    "instrument_id": iid,
                    "user_id": who,
                    "booked_by_id": who,
                    "starts_at": s,
                    "ends_at": s + timedelta(hours=2),
                    "status": BookingStatus.CONFIRMED,
                    "purpose": f"Imaging run {n}",
                    "project": "",
                    "uid": f"b{n}@calendar-bench",
                    "sequence": 0,
                    "for_training": n % 97 == 0,
                    "cancelled_late": False,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            n += 1
    db.session.execute(sa.insert(Booking), rows)
    week = hour + timedelta(days=1)
    db.session.execute(
        sa.insert(Downtime),
        [
            {
                "instrument_id": iid,
                "starts_at": week + timedelta(hours=1),
                "ends_at": week + timedelta(hours=5),
                "reason": "Service visit",
                "cancel_bookings": False,
                "created_by_id": staff,
                "created_at": now,
            }
            for iid in instruments
        ],
    )
    db.session.commit()
    return {
        "slug": facility.slug,
        "instrument": instruments[0],
        "staff": staff,
        "person": person,
        "bookings": n,
    }


if __name__ == "__main__":
    main()
