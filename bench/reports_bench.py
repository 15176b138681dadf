"""Reports benchmark: a facility's year report and the network report over the bench network
(1,000 instruments, 20,000 users, 1,000,000 bookings at scale 1.0), through the real Flask stack
(API, JSON; and the HTML page with its charts).

    .venv/bin/python bench/reports_bench.py --scale 0.1                       # SQLite in /tmp
    INNOCORE_TEST_DATABASE_URL=postgresql://root@127.0.0.1:5432/test \\
        .venv/bin/python bench/reports_bench.py --scale 1.0                   # a fresh PostgreSQL DB
    ... --scale 1.0 --keep big      # generate into a named database and keep it
    ... --reuse big                 # measure that database again (migrated to the head first)

The network is instruments_bench's generator (10 facilities in Rome and Lisbon, 2-hour bookings
every 3 hours on each instrument, half past and half ahead), plus: opening hours Monday to Friday
08:00-20:00 on every instrument, a third of the users moved to 20 companies, bookings made
completed / no-show / late-cancelled in turn, and one charge per 20 bookings. Prints figures;
passes or fails nothing. The status update fires the booking_day triggers once per booking (the
network report's rollup, migration 0018_booking_day), so generating takes longer than before; a
kept database migrated past 0018 gets the rollup filled from its bookings by the migration.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]


def enrich(app) -> dict:
    """Opening hours, companies, status mix and charges on top of the generated network."""
    from innocore.accounts.models import Organisation
    from innocore.extensions import db

    with app.app_context():
        now = datetime.now(UTC)
        db.session.execute(
            sa.text(
                "INSERT INTO instrument_opening_hours (instrument_id, weekday, opens, closes) "
                "SELECT i.id, d.n, '08:00:00', '20:00:00' FROM instrument i CROSS JOIN "
                "(SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 "
                "UNION ALL SELECT 4) d"
            )
        )
        companies = [
            Organisation(name=f"Bench Company {i}", kind="company", country="DE", created_at=now)
            for i in range(20)
        ]
        db.session.add_all(companies)
        db.session.flush()
        first = min(c.id for c in companies)
        db.session.execute(
            sa.text(
                f"UPDATE user_account SET organisation_id = {first} + (id % 20) WHERE id % 3 = 0"
            )
        )
        db.session.execute(
            sa.text(
                "UPDATE booking SET status = CASE WHEN id % 10 = 0 THEN 'no_show' "
                "WHEN id % 10 = 1 THEN 'cancelled' ELSE 'completed' END, "
                "cancelled_late = (id % 10 = 1) WHERE starts_at < :now"
            ),
            {"now": now},
        )
        db.session.execute(
            sa.text(
                "INSERT INTO charge (source, source_id, source_key, organisation_id, user_id, "
                "facility_id, instrument_id, category, description, unit, rate, quantity, share, "
                "amount, currency, incurred_at, period_on, created_at) "
                "SELECT 'booking', b.id, 'bench:' || b.id, u.organisation_id, b.user_id, "
                "i.facility_id, b.instrument_id, 'internal', 'use', 'hour', 10, 2, 1, 20, 'EUR', "
                "b.ends_at, :month, b.ends_at FROM booking b JOIN instrument i ON i.id = "
                "b.instrument_id JOIN user_account u ON u.id = b.user_id "
                "WHERE b.status = 'completed' AND b.id % 20 = 2"
            ),
            {"month": now.date().replace(day=1)},
        )
        db.session.commit()
        vacuum(app)
        facility_id = db.session.scalar(sa.text("SELECT MIN(id) FROM facility"))
        return {"facility_id": facility_id}


def vacuum(app) -> None:
    """VACUUM ANALYZE on PostgreSQL: the bulk status UPDATE above leaves half the booking table
    dead and its pages not yet all-visible, which a database in use has long been vacuumed of
    (autovacuum); without it every scan reads twice the pages and no index-only scan skips the
    table."""
    from innocore.extensions import db

    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE)")


def reused(app, database) -> dict:
    """The facility to report on in a kept database, after refreshing the planner's statistics
    (a new migration may have added an index)."""
    from innocore.extensions import db

    with app.app_context():
        vacuum(app)
        counts = db.session.execute(
            sa.text(
                "SELECT (SELECT COUNT(*) FROM instrument), (SELECT COUNT(*) FROM user_account), "
                "(SELECT COUNT(*) FROM booking)"
            )
        ).one()
        facility_id = db.session.scalar(sa.text("SELECT MIN(id) FROM facility"))
        db.session.commit()
    print(
        f"database: {database.url.split(':')[0]} (reused); {counts[0]} instruments, "
        f"{counts[1]} users, {counts[2]} bookings"
    )
    return {"facility_id": facility_id}


def measure(app, client, label, token, path, runs) -> tuple[float, float, int]:
    from innocore.extensions import db

    headers = {"Authorization": f"Bearer {token}"}
    statements, timings = [], []

    def count(*_):
        statements.append(1)

    with app.app_context():
        engine = db.engine
    for i in range(runs + 1):
        statements.clear()
        sa.event.listen(engine, "before_cursor_execute", count)
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        sa.event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200, (path, response.status_code, response.data[:300])
        if i:  # the first run warms caches
            timings.append(elapsed)
    timings.sort()
    p95 = timings[max(int(len(timings) * 0.95) - 1, 0)]
    print(f"{label:<52} {len(statements):>7} {statistics.median(timings):>9.1f} {p95:>9.1f}")
    return statistics.median(timings), p95, len(statements)


def section_alone(app, facility_id: int, today, runs: int) -> None:
    """The utilisation section by itself (the SQL and the Python that shapes it), in process."""
    from innocore import clock
    from innocore.extensions import db
    from innocore.facilities.models import Facility
    from innocore.reports.core import Scope
    from instruments.reports import utilisation_section

    with app.app_context():
        zone = db.session.get(Facility, facility_id).timezone
        scope = Scope(
            "facility",
            today - timedelta(days=364),
            today,
            zone,
            clock.now(),
            facility_id=facility_id,
        )
        statements, timings = [], []
        sa.event.listen(db.engine, "before_cursor_execute", lambda *_: statements.append(1))
        for i in range(runs + 1):
            statements.clear()
            started = time.perf_counter()
            utilisation_section(scope)
            if i:
                timings.append((time.perf_counter() - started) * 1000)
        print(
            f"{'facility utilisation section alone':<52} {len(statements):>7} "
            f"{statistics.median(timings):>9.1f} {max(timings):>9.1f}"
        )


class NamedDatabase:
    """A bench database kept between runs: ``innocore_bench_<name>`` next to the test database on
    PostgreSQL, ``/tmp/innocore-bench-<name>.sqlite`` otherwise."""

    def __init__(self, name: str, *, fresh: bool):
        from tests.support.databases import ENV, _pg_admin_engine

        base = os.environ.get(ENV, "")
        if not re.fullmatch(r"[a-z0-9_]{1,30}", name):
            raise SystemExit("a bench database name is lower-case letters, digits and _")
        if base.startswith("postgres"):
            self.name = f"innocore_bench_{name}"
            self.url = base.rsplit("/", 1)[0] + "/" + self.name
            admin = _pg_admin_engine(base)
            with admin.connect() as conn:
                exists = conn.exec_driver_sql(
                    "SELECT 1 FROM pg_database WHERE datname = %s", (self.name,)
                ).scalar()
                if fresh:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                    conn.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
            admin.dispose()
        else:
            path = Path(tempfile.gettempdir()) / f"innocore-bench-{name}.sqlite"
            exists = path.exists()
            if fresh:
                path.unlink(missing_ok=True)
            self.url = f"sqlite:///{path}"
        if not fresh and not exists:
            raise SystemExit(f"no bench database {name!r}: make it with --keep {name}")

    def drop(self) -> None:  # kept on purpose
        pass


def open_app(args):
    """``(app, database, instance, fresh)``: a throw-away database, or a named one to keep or
    reuse, migrated to the head either way."""
    from innocore import create_app
    from tests.support.appconfig import settings, temporary_instance
    from tests.support.databases import TestDatabase, upgrade

    if args.reuse:
        database = NamedDatabase(args.reuse, fresh=False)
    elif args.keep:
        database = NamedDatabase(args.keep, fresh=True)
    else:
        database = TestDatabase("reports-bench")
    instance = temporary_instance("reports-bench")
    app = create_app(settings(database.url, instance=instance.name))
    upgrade(app)
    return app, database, instance, not args.reuse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--keep", metavar="NAME", help="generate into a database named NAME and keep it"
    )
    parser.add_argument(
        "--reuse", metavar="NAME", help="measure the database kept by --keep NAME (no generation)"
    )
    args = parser.parse_args()
    if args.keep and args.reuse:
        parser.error("--keep makes a database, --reuse measures one: not both")

    from instruments_bench import generate

    from innocore.accounts.models import User
    from innocore.accounts.tokens import create_token
    from innocore.extensions import db

    app, database, instance, fresh = open_app(args)
    try:
        if fresh:
            t0 = time.perf_counter()
            data = generate(app, args.scale)
            t1 = time.perf_counter()
            ids = enrich(app)
            print(
                f"database: {database.url.split(':')[0]}; generated "
                f"{len(data['instruments'])} instruments, {data['users']} users, "
                f"{data['bookings']} bookings in {t1 - t0:.1f} s; enriched in "
                f"{time.perf_counter() - t1:.1f} s"
            )
        else:
            ids = reused(app, database)
        with app.app_context():
            admin = db.session.get(User, db.session.scalar(sa.select(sa.func.min(User.id))))
            admin.is_network_admin = True
            _, token = create_token(admin, "reports bench")
            db.session.commit()
            admin_session = admin.get_id()
        client = app.test_client()
        today = datetime.now(UTC).date()
        year = f"from={today - timedelta(days=364)}&to={today}"
        fid = ids["facility_id"]
        print(f"{'case (a year to today)':<52} {'queries':>7} {'p50 ms':>9} {'p95 ms':>9}")
        measure(
            app,
            client,
            "facility report, API JSON (all sections)",
            token,
            f"/api/v1/reports/facilities/{fid}?{year}",
            args.runs,
        )
        measure(
            app,
            client,
            "facility report, CSV",
            token,
            f"/api/v1/reports/facilities/{fid}?{year}&format=csv",
            args.runs,
        )
        measure(
            app,
            client,
            "network report, API JSON (all sections)",
            token,
            f"/api/v1/reports/network?{year}",
            args.runs,
        )
        section_alone(app, fid, today, args.runs)
        with client.session_transaction() as sess:
            sess["_user_id"] = admin_session
        measure(
            app,
            client,
            "facility report, HTML page with charts",
            token,
            f"/reports/facilities/{fid}?{year}",
            args.runs,
        )
        measure(
            app,
            client,
            "network report, HTML page with charts",
            token,
            f"/reports/network?{year}",
            args.runs,
        )
    finally:
        with app.app_context():
            db.engine.dispose()
        if args.keep or args.reuse:
            print(f"kept: {database.url} (--reuse {args.keep or args.reuse})")
        else:
            database.drop()
        instance.cleanup()


if __name__ == "__main__":
    main()
