"""Service-request benchmark: the staff inbox over 10,000 requests and a year's statement of an
organisation with 5,000 charges (HTML page, API page, CSV), through the real Flask stack.

Run: .venv/bin/python bench/requests_bench.py [--scale 1.0] [--database-url URL] [--runs 30]
A throw-away SQLite database in /tmp unless a URL is given. Prints figures; not a pass/fail test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REQUESTS, CHARGES = 10_000, 5_000


def main() -> None:
    args = _args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'requests-bench.sqlite'}"
    os.environ["INNOCORE_DATABASE_URL"] = url
    from flask_migrate import upgrade

    from innocore import create_app
    from innocore.extensions import db

    # Production settings; only the database and the instance folder are the bench's own.
    app = create_app({"INSTANCE_PATH": tempfile.mkdtemp(prefix="innocore-requests-bench-")})
    n_requests, n_charges = int(REQUESTS * args.scale), int(CHARGES * args.scale)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        started = time.perf_counter()
        staff, admin, org_id = _seed(db, n_requests, n_charges)
        print(
            f"seeded {n_requests} requests and {n_charges} charges "
            f"in {time.perf_counter() - started:.1f} s ({db.engine.dialect.name})"
        )
        token_staff, token_admin = _token(db, staff), _token(db, admin)
        staff_id, admin_id = staff.id, admin.id
    client = app.test_client()
    year = "from=2026-01&to=2026-12"
    cases = [
        ("inbox, HTML, open requests", staff_id, None, "/requests/inbox?status=open"),
        ("inbox, HTML, last page", staff_id, None, f"/requests/inbox?page={n_requests // 25}"),
        (
            "inbox, API, 100 per page",
            None,
            token_staff,
            "/api/v1/requests?scope=inbox&per_page=100",
        ),
        ("statement, HTML, a year", admin_id, None, f"/charges/organisations/{org_id}?{year}"),
        (
            "statement, API, a year",
            None,
            token_admin,
            f"/api/v1/organisations/{org_id}/statement?{year}&per_page=100",
        ),
        (
            "statement, CSV, a year (all lines)",
            admin_id,
            None,
            f"/charges/organisations/{org_id}.csv?{year}",
        ),
    ]
    print(f"{'case':<40} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8}")
    for label, user_id, token, path in cases:
        _measure(app, client, label, user_id, token, path, args.runs)


def _args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 10,000 requests")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--runs", type=int, default=30)
    return parser.parse_args()


def _measure(app, client, label, user_id, token, path, runs) -> None:
    from innocore.extensions import db

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if user_id is not None:
        with client.session_transaction() as sess:
            sess["_user_id"] = f"{user_id}:0"
    else:
        with client.session_transaction() as sess:
            sess.clear()
    statements = []

    def count(*_):
        statements.append(1)

    timings = []
    with app.app_context():
        engine = db.engine
    for i in range(runs + 1):
        statements.clear()
        sa.event.listen(engine, "before_cursor_execute", count)
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        sa.event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200, (path, response.status_code)
        if i:  # the first run warms caches
            timings.append(elapsed)
    timings.sort()
    p95 = timings[max(int(len(timings) * 0.95) - 1, 0)]
    print(f"{label:<40} {len(statements):>7} {statistics.median(timings):>8.1f} {p95:>8.1f}")


def _token(db, user) -> str:
    from innocore.accounts.tokens import create_token

    _, raw = create_token(user, "bench")
    db.session.commit()
    return raw


def _seed(db, n_requests: int, n_charges: int):
    from innocore import clock
    from innocore.accounts.models import Organisation, User
    from innocore.facilities.models import Facility, FacilityRole
    from innocore.ledger.models import Charge, ChargeSource
    from innocore.vocab import (
        FacilityRoleKind,
        MembershipMethod,
        OrganisationKind,
        OrgRole,
        UserCategory,
    )
    from instruments.requests.models import RequestStatus, Service, ServiceRequest, ServiceUnit

    now = clock.now()
    uni = Organisation(
        name="Bench University", kind=OrganisationKind.UNIVERSITY, country="IT", created_at=now
    )
    companies = [
        Organisation(
            name=f"Bench Company {i}", kind=OrganisationKind.COMPANY, country="DE", created_at=now
        )
        for i in range(20)
    ]
    db.session.add_all([uni, *companies])
    facility = Facility(
        slug="bench-core",
        name="Bench Core",
        institution=uni,
        timezone="Europe/Rome",
        contact_email="core@bench.test",
        created_at=now,
    )
    db.session.add(facility)
    people = [
        User(
            email=f"u{i}@bench.test",
            name=f"User {i}",
            password_hash="x",
            organisation=companies[i % 20],
            created_at=now,
            membership_verified_at=now,
            membership_method=MembershipMethod.INVITATION,
            org_role=OrgRole.ADMIN if i < 20 else OrgRole.MEMBER,
        )
        for i in range(200)
    ]
    staff = User(
        email="staff@bench.test",
        name="Staff",
        password_hash="x",
        organisation=uni,
        created_at=now,
        membership_verified_at=now,
        membership_method=MembershipMethod.ADMIN_APPROVAL,
    )
    db.session.add_all([*people, staff])
    db.session.flush()
    db.session.add(
        FacilityRole(
            facility_id=facility.id, user_id=staff.id, role=FacilityRoleKind.STAFF, granted_at=now
        )
    )
    service = Service(
        facility_id=facility.id,
        name="Bench service",
        unit=ServiceUnit.SAMPLE,
        created_at=now,
        updated_at=now,
    )
    db.session.add(service)
    db.session.flush()
    statuses = list(RequestStatus)
    rows = [
        {
            "facility_id": facility.id,
            "service_id": service.id if i % 2 else None,
            "requester_id": people[i % 200].id,
            "organisation_id": people[i % 200].organisation_id,
            "category": UserCategory.INDUSTRY,
            "title": f"Request {i}",
            "description": "bench",
            "status": statuses[i % len(statuses)],
            "submitted_at": now - timedelta(minutes=i),
            "status_changed_at": now,
            "updated_at": now,
        }
        for i in range(n_requests)
    ]
    db.session.execute(sa.insert(ServiceRequest), rows)
    admin = people[0]
    charges = [
        {
            "source": ChargeSource.QUOTE,
            "source_id": i,
            "source_key": f"quote:{i}",
            "organisation_id": admin.organisation_id,
            "user_id": admin.id,
            "facility_id": facility.id,
            "category": UserCategory.INDUSTRY,
            "description": f"Bench charge {i}",
            "unit": "quote",
            "rate": Decimal("10"),
            "quantity": Decimal("1"),
            "share": Decimal("1"),
            "amount": Decimal("10.00"),
            "currency": "EUR",
            "incurred_at": datetime(2026, i % 12 + 1, 10, tzinfo=UTC),
            "period_on": date(2026, i % 12 + 1, 1),
            "created_at": now,
        }
        for i in range(n_charges)
    ]
    db.session.execute(sa.insert(Charge), charges)
    db.session.commit()
    return staff, admin, admin.organisation_id


if __name__ == "__main__":
    main()
