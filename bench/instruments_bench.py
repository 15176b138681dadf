"""Booking engine benchmark: prints figures, passes or fails nothing.

    .venv/bin/python bench/instruments_bench.py --scale 0.1            # SQLite
    INNOCORE_TEST_DATABASE_URL=postgresql://root@127.0.0.1:5432/test \
        .venv/bin/python bench/instruments_bench.py --scale 0.1        # PostgreSQL

Scale 1.0 = 1,000 instruments, 20,000 users, 1,000,000 bookings. A 4-worker gunicorn serves the
real HTTP stack; the baseline is a bare endpoint on the same server that does one insert.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["INNOCORE_BENCH_ENDPOINTS"] = "1"

import sqlalchemy as sa  # noqa: E402

FEED_EVENTS = 5000


def generate(app, scale: float) -> dict:
    """Bulk-load a network: instruments, users, non-overlapping bookings (2 h slots, 1 h gaps)."""
    from innocore.accounts.models import Organisation, User
    from innocore.accounts.tokens import create_token
    from innocore.extensions import db
    from innocore.facilities.models import Facility
    from innocore.vocab import OrganisationKind, Technology
    from instruments.models import Booking, BookingStatus, Instrument

    n_instruments = max(int(1000 * scale), 2)
    n_users = max(int(20000 * scale), 10)
    n_bookings = max(int(1_000_000 * scale), FEED_EVENTS + 100)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with app.app_context():
        org = Organisation(
            name="Bench University", kind=OrganisationKind.UNIVERSITY, country="IT", created_at=now
        )
        facilities = [
            Facility(
                slug=f"bench-{i}",
                name=f"Bench facility {i}",
                institution=org,
                timezone=["Europe/Rome", "Europe/Lisbon"][i % 2],
                contact_email=f"f{i}@bench.test",
                created_at=now,
            )
            for i in range(max(n_instruments // 100, 1))
        ]
        db.session.add_all(facilities)
        db.session.flush()
        db.session.execute(
            sa.insert(Instrument),
            [
                {
                    "facility_id": facilities[i % len(facilities)].id,
                    "name": f"Instrument {i}",
                    "technology": Technology.LIGHT_MICROSCOPY,
                    "model": "",
                    "description": "",
                    "location": "",
                    "status": "available",
                    "approval_mode": "none",
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(n_instruments)
            ],
        )
        db.session.execute(
            sa.insert(User),
            [
                {
                    "email": f"u{i}@bench.test",
                    "name": f"User {i}",
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
                for i in range(n_users)
            ],
        )
        instrument_ids = list(db.session.scalars(sa.select(Instrument.id).order_by(Instrument.id)))
        user_ids = list(db.session.scalars(sa.select(User.id).order_by(User.id)))
        per = -(-n_bookings // n_instruments)
        start0 = now - timedelta(hours=3 * per // 2)  # half past, half future
        feed_user = user_ids[0]
        rows, made, feed_made = [], 0, 0
        for k in range(per):
            for iid in instrument_ids:
                if made >= n_bookings:
                    break
                s = start0 + timedelta(hours=3 * k)
                mine = s > now and feed_made < FEED_EVENTS
                feed_made += mine
                uid = feed_user if mine else user_ids[1 + made % (len(user_ids) - 1)]
                rows.append(
                    {
                        "instrument_id": iid,
                        "user_id": uid,
                        "booked_by_id": uid,
                        "starts_at": s,
                        "ends_at": s + timedelta(hours=2),
                        "status": BookingStatus.CONFIRMED,
                        "purpose": "",
                        "project": "",
                        "uid": f"b{made}@bench",
                        "sequence": 0,
                        "for_training": False,
                        "cancelled_late": False,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                made += 1
                if len(rows) == 20000:
                    db.session.execute(sa.insert(Booking), rows)
                    rows = []
        if rows:
            db.session.execute(sa.insert(Booking), rows)
        users = db.session.scalars(sa.select(User).where(User.id.in_(user_ids[:40]))).all()
        tokens = [create_token(u, "bench")[1] for u in users]
        db.session.commit()
        free_from = start0 + timedelta(hours=3 * per + 24)
        return {
            "instruments": instrument_ids,
            "tokens": tokens,
            "feed_user": feed_user,
            "free_from": free_from,
            "bookings": made,
            "users": n_users,
        }


def hammer(url, requests: list[tuple[str, str, dict | None, str]], threads: int):
    """Send requests from ``threads`` keep-alive connections; returns (seconds, statuses)."""
    parsed = urlparse(url)
    statuses: list[int] = []
    lock = threading.Lock()
    chunks = [requests[i::threads] for i in range(threads)]

    def run(chunk):
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
        for method, path, body, token in chunk:
            conn.request(
                method,
                path,
                body=json.dumps(body) if body else None,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            r = conn.getresponse()
            r.read()
            with lock:
                statuses.append(r.status)
        conn.close()

    workers = [threading.Thread(target=run, args=(c,)) for c in chunks]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return time.perf_counter() - t0, statuses


def timed_get(url, path, headers) -> tuple[float, int, int]:
    parsed = urlparse(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
    t0 = time.perf_counter()
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    body = r.read()
    elapsed = time.perf_counter() - t0
    conn.close()
    return elapsed, r.status, len(body), r.getheader("ETag")


def queries_per_create(app, data) -> int:
    """SQL statements of one create request through the app (token lookup included)."""
    from innocore.extensions import db

    statements = []

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    start = data["free_from"] + timedelta(days=30)
    body = {
        "instrument_id": data["instruments"][-1],
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
    }
    client = app.test_client()
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            r = client.post(
                "/api/v1/bookings",
                json=body,
                headers={"Authorization": f"Bearer {data['tokens'][0]}"},
            )
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
    assert r.status_code == 201, r.json
    return len(statements)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

    from tests.support.live import LiveServer

    t0 = time.perf_counter()
    server = LiveServer(workers=4, label="bench")
    data = generate(server.app, args.scale)
    backend = server.database.url.split(":")[0]
    print(
        f"database: {backend}; generated {len(data['instruments'])} instruments, "
        f"{data['users']} users, {data['bookings']} bookings "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    server.start()
    try:
        tokens, n = data["tokens"], args.requests
        bare = [("POST", "/api/v1/bench/insert", None, tokens[i % len(tokens)]) for i in range(n)]
        creates = []
        for i in range(n):
            s = data["free_from"] + timedelta(hours=2 * (i // len(data["instruments"])))
            iid = data["instruments"][i % len(data["instruments"])]
            creates.append(
                (
                    "POST",
                    "/api/v1/bookings",
                    {
                        "instrument_id": iid,
                        "starts_at": s.isoformat(),
                        "ends_at": (s + timedelta(hours=1)).isoformat(),
                    },
                    tokens[i % len(tokens)],
                )
            )
        hammer(server.url, bare[:40], args.threads)  # warm up the workers
        bare_s, bare_st = hammer(server.url, bare, args.threads)
        create_s, create_st = hammer(server.url, creates, args.threads)
        print(f"bare insert endpoint: {n / bare_s:.0f} req/s ({bare_st.count(201)}/{n} ok)")
        print(
            f"create booking:       {n / create_s:.0f} req/s ({create_st.count(201)}/{n} ok); "
            f"ratio {bare_s / create_s:.2f}x of bare (target >= 0.5)"
        )
        print(
            f"SQL statements per create (token lookup included): "
            f"{queries_per_create(server.app, data)} (target <= 10)"
        )

        auth = {"Authorization": f"Bearer {tokens[0]}"}
        lat = []
        now = datetime.now(UTC)
        frm, to = (
            now.isoformat().replace("+", "%2B"),
            (now + timedelta(days=28)).isoformat().replace("+", "%2B"),
        )
        for i in range(200):
            iid = data["instruments"][i % len(data["instruments"])]
            path = f"/api/v1/instruments/{iid}/availability?from={frm}&to={to}"
            lat.append(timed_get(server.url, path, auth)[0] * 1000)
        lat.sort()
        print(
            f"availability, 4 weeks, one instrument: p50 {statistics.median(lat):.1f} ms, "
            f"p95 {lat[int(len(lat) * 0.95)]:.1f} ms (target p95 < 20 ms)"
        )

        raw = _feed_token(server.app, data["feed_user"])
        elapsed, status, size, etag = timed_get(server.url, f"/instruments/feeds/{raw}.ics", {})
        again, status304, _, _ = timed_get(
            server.url, f"/instruments/feeds/{raw}.ics", {"If-None-Match": etag}
        )
        print(
            f"user feed, {FEED_EVENTS} events: {elapsed * 1000:.0f} ms, {size / 1e6:.1f} MB, "
            f"status {status} (target < 500 ms); "
            f"unchanged: {status304} in {again * 1000:.1f} ms"
        )
    finally:
        server.stop()


def _feed_token(app, user_id: int) -> str:
    from innocore.accounts.models import User
    from innocore.extensions import db
    from instruments.feeds import create_feed
    from instruments.models import FeedKind

    with app.app_context():
        user = db.session.get(User, user_id)
        _, raw = create_feed(user, FeedKind.USER, user.id)
        db.session.commit()
        db.session.remove()
    return raw


if __name__ == "__main__":
    main()
