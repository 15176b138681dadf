"""Research-group benchmark: a PI's year of usage and spending (per account and per member) on
PostgreSQL with 1,000,000 bookings and their charges, through the service and the API.

Run: .venv/bin/python bench/groups_bench.py --database-url postgresql://... [--bookings 1000000]
[--runs 30]. The database must be empty (it is migrated here). Prints figures; not a test.
Target (issue 14): a group's year under 300 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

INSTRUMENTS, USERS, GROUP_MEMBERS = 100, 1000, 20
START = datetime(2025, 6, 1, 8, tzinfo=UTC)


def main() -> None:
    args = _args()
    if not args.database_url.startswith("postgresql"):
        sys.exit("This bench seeds with generate_series: give a PostgreSQL --database-url.")
    os.environ["INNOCORE_DATABASE_URL"] = args.database_url
    from flask_migrate import upgrade

    from innocore import create_app
    from innocore.extensions import db

    app = create_app({"INSTANCE_PATH": tempfile.mkdtemp(prefix="innocore-groups-bench-")})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        started = time.perf_counter()
        pi_id, group_id, token = _seed(db, args.bookings)
        print(
            f"seeded {args.bookings} bookings and charges in {time.perf_counter() - started:.1f} s"
        )
        _service_runs(db, pi_id, group_id, args.runs)
    client = app.test_client()
    url = f"/api/v1/groups/{group_id}/usage?from=2026-01&to=2026-12"
    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        response = client.get(url, headers={"Authorization": f"Bearer {token}"})
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, response.get_json()
    print(
        f"API GET {url}: p50 {statistics.median(times):.1f} ms, "
        f"p95 {sorted(times)[int(len(times) * 0.95) - 1]:.1f} ms"
    )


def _service_runs(db, pi_id: int, group_id: int, runs: int) -> None:
    from innocore.accounts.models import User
    from innocore.ledger.accounts import group_usage

    pi = db.session.get(User, pi_id)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        usage = group_usage(pi, group_id, since=date(2026, 1, 1), until=date(2026, 12, 31))
        times.append((time.perf_counter() - t) * 1000)
    total = sum(spent for _, spent in usage["accounts"])
    print(
        f"group_usage, a year ({len(usage['members'])} members, {total} EUR): "
        f"p50 {statistics.median(times):.1f} ms, max {max(times):.1f} ms"
    )


def _seed(db, n: int):
    from innocore import clock
    from innocore.accounts.models import Organisation, User
    from innocore.accounts.tokens import create_token
    from innocore.facilities.models import Facility
    from innocore.groups import create_group, decide_member, request_to_join
    from innocore.ledger.accounts import AccountInput, AccountKind, create_account
    from innocore.vocab import MembershipMethod, OrganisationKind, Technology
    from instruments.models import Instrument

    now = clock.now()
    uni = Organisation(
        name="Bench University", kind=OrganisationKind.UNIVERSITY, country="IT", created_at=now
    )
    facility = Facility(
        slug="bench",
        name="Bench facility",
        institution=uni,
        timezone="Europe/Rome",
        contact_email="b@bench.test",
        created_at=now,
    )
    users = [
        User(
            email=f"u{i}@bench.test",
            name=f"User {i}",
            password_hash="x",
            organisation=uni,
            created_at=now,
            membership_verified_at=now,
            membership_method=MembershipMethod.ADMIN_APPROVAL,
        )
        for i in range(USERS)
    ]
    instruments = [
        Instrument(
            facility=facility,
            name=f"Instrument {i}",
            model="M",
            technology=Technology.OTHER,
            created_at=now,
            updated_at=now,
        )
        for i in range(INSTRUMENTS)
    ]
    db.session.add_all([uni, facility, *users, *instruments])
    db.session.flush()
    pi = users[0]
    group = create_group(pi, "Bench lab")
    for member in users[1:GROUP_MEMBERS]:
        request_to_join(member, group.id)
        decide_member(pi, group.id, member.id, "approved")
    accounts = [
        create_account(
            pi,
            AccountInput(
                AccountKind.GRANT, f"G-{k}", f"Grant {k}", date(2025, 1, 1), group_id=group.id
            ),
        )
        for k in range(2)
    ]
    _, token = create_token(pi, "bench")
    db.session.commit()
    params = {
        "n": n,
        "i0": instruments[0].id,
        "u0": users[0].id,
        "a0": accounts[0].id,
        "a1": accounts[1].id,
        "t0": START,
        "ni": INSTRUMENTS,
        "nu": USERS,
        "gm": GROUP_MEMBERS,
        "now": now,
    }
    db.session.execute(
        sa.text("""
        INSERT INTO booking (instrument_id, user_id, booked_by_id, starts_at, ends_at, status,
            purpose, project, account_id, uid, sequence, for_training, cancelled_late,
            created_at, updated_at)
        SELECT :i0 + g % :ni, :u0 + g % :nu, :u0 + g % :nu,
            CAST(:t0 AS timestamptz) + (g / :ni) * interval '2 hours',
            CAST(:t0 AS timestamptz) + (g / :ni) * interval '2 hours' + interval '90 minutes',
            'completed', '', '',
            CASE WHEN g % :nu < :gm THEN (CASE WHEN g % 2 = 0 THEN :a0 ELSE :a1 END) END,
            'bench-' || g, 0, false, false, :now, :now
        FROM generate_series(0, :n - 1) AS g"""),
        params,
    )
    db.session.execute(
        sa.text("""
        INSERT INTO charge (source, source_id, source_key, organisation_id, user_id, facility_id,
            instrument_id, category, description, unit, rate, quantity, share, amount, currency,
            incurred_at, period_on, created_at, account_id)
        SELECT 'booking', b.id, 'booking:' || b.id, :org, b.user_id, :fac, b.instrument_id,
            'internal', 'Bench use', 'hour', 40, 1.5, 1, 60, 'EUR', b.starts_at,
            CAST(date_trunc('month', b.starts_at AT TIME ZONE 'Europe/Rome') AS date), :now,
            b.account_id
        FROM booking b"""),
        {"org": uni.id, "fac": facility.id, "now": now},
    )
    db.session.commit()
    db.session.execute(sa.text("ANALYZE"))
    return pi.id, group.id, token


def _args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--bookings", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    return parser.parse_args()


if __name__ == "__main__":
    main()
