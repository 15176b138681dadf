"""Every series route x every role (see tests/support/matrix.py): a series is seen and cancelled
by its person and the facility's staff; another person's series is a 404 for everyone else."""

from __future__ import annotations

from datetime import timedelta

import pytest

from innocore import clock
from innocore.facilities.models import Facility
from instruments.models import Booking, BookingStatus
from instruments.series.models import BookingSeries, SeriesMode
from tests.support.matrix import SIGNED_IN, Route, build_world, check_all

STAFF = frozenset({"staff", "manager", "admin"})
OWNER_OR_STAFF = STAFF | {"member"}
S = "/instruments/series/{series_id}"
X = "/instruments/series/{stranger_series_id}"
AS = "/api/v1/series/{series_id}"
AX = "/api/v1/series/{stranger_series_id}"
ALL = {"scope": "all"}

ROUTES = [
    Route("GET", "/instruments/series/new/{instrument_id}", SIGNED_IN),
    Route("POST", "/instruments/series/new/{instrument_id}", SIGNED_IN),
    Route("GET", S, OWNER_OR_STAFF),
    Route("POST", S + "/cancel", OWNER_OR_STAFF),
    Route("POST", S + "/cancel", OWNER_OR_STAFF, data={**ALL, "confirmed": "1"}),
    Route("POST", S + "/approve", STAFF),
    Route("GET", X, STAFF),
    Route("POST", X + "/cancel", STAFF),
    Route("POST", "/api/v1/series", SIGNED_IN, api=True),
    Route("GET", "/api/v1/series/mine", SIGNED_IN, api=True),
    Route("GET", AS, OWNER_OR_STAFF, api=True),
    Route("POST", AS + "/cancel", OWNER_OR_STAFF, api=True),
    Route("POST", AS + "/cancel", OWNER_OR_STAFF, api=True, data=ALL),
    Route("POST", AS + "/approve", STAFF, api=True),
    Route("POST", AS + "/approve", STAFF, api=True, data={}),
    Route("GET", AX, STAFF, api=True),
    Route("POST", AX + "/cancel", STAFF, api=True, data=ALL),
]


@pytest.fixture
def world(db_session, make_user, make_org, make_facility, grant, make_competence, make_instrument):
    people, ids = build_world(make_user, make_org, make_facility, grant, make_competence)
    instrument = make_instrument(facility=db_session.get(Facility, ids["facility_id"]))
    start = clock.now().replace(microsecond=0) + timedelta(days=3)

    def series(user, hours: int) -> BookingSeries:
        now = clock.now()
        row = BookingSeries(
            instrument=instrument,
            user=user,
            created_by=user,
            rrule="FREQ=WEEKLY;INTERVAL=1;COUNT=2",
            timezone="Europe/Rome",
            first_starts_at=start + timedelta(hours=hours),
            length_minutes=60,
            mode=SeriesMode.ALL_OR_NOTHING,
            skipped=[],
            created_at=now,
        )
        db_session.add(row)
        db_session.flush()
        for week in range(2):
            at = start + timedelta(hours=hours, weeks=week)
            db_session.add(
                Booking(
                    instrument=instrument,
                    user=user,
                    booked_by=user,
                    status=BookingStatus.CONFIRMED,
                    starts_at=at,
                    ends_at=at + timedelta(hours=1),
                    uid=f"series-matrix-{user.id}-{hours}-{week}@test",
                    series_id=row.id,
                    created_at=now,
                    updated_at=now,
                )
            )
        return row

    mine, theirs = series(people["member"], 0), series(make_user(), 2)
    db_session.commit()
    ids.update(instrument_id=instrument.id, series_id=mine.id, stranger_series_id=theirs.id)
    return people, ids


@pytest.mark.parametrize(
    "route", ROUTES, ids=lambda r: r.id + (" (with a valid body)" if r.data else "")
)
def test_route_admits_only_its_roles(client, api_headers, world, route):
    people, ids = world
    check_all(client, api_headers, people, ids, route)


def test_every_series_route_is_in_the_matrix(app):
    listed = {(r.method, r.url) for r in ROUTES}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in ("series", "series_api"):
            continue
        url = rule.rule.replace("<int:instrument_id>", "{instrument_id}").replace(
            "<int:series_id>", "{series_id}"
        )
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (method, url) not in listed:
                missing.append(f"{method} {rule.rule}")
    assert missing == []
