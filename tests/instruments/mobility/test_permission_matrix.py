"""Every mobility route x every role (see tests/support/matrix.py)."""

import pytest

from tests.support.matrix import Route, build_world, check_all

STAFF = frozenset({"staff", "manager", "admin"})
MANAGERS = frozenset({"manager", "admin"})

ROUTES = [
    Route("GET", "/instruments/mobility/{slug}", STAFF),
    Route("POST", "/instruments/mobility/{slug}/rate", MANAGERS),
    Route("GET", "/api/v1/facilities/{facility_id}/mobility", STAFF, api=True),
    Route("PUT", "/api/v1/facilities/{facility_id}/mobility", MANAGERS, api=True),
]


@pytest.fixture
def world(make_user, make_org, make_facility, grant, make_competence):
    return build_world(make_user, make_org, make_facility, grant, make_competence)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_route_admits_only_its_roles(client, api_headers, world, route):
    people, ids = world
    check_all(client, api_headers, people, ids, route)
