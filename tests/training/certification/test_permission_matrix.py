"""Every certification, credential and path route x every role (see tests/support/matrix.py)."""

import pytest

from tests.support.matrix import ROLES, SIGNED_IN, Route, build_world, check_all

ISSUERS = frozenset({"trainer", "manager", "admin"})
FACILITY_VIEW = frozenset({"trainer", "staff", "manager", "admin"})
MANAGERS = frozenset({"manager", "admin"})
ADMIN = frozenset({"admin"})
ISSUING_ANYWHERE = frozenset({"trainer", "manager", "other_manager", "admin"})
CERT_VIEW = frozenset({"trainer", "staff", "manager", "admin"})
EVERYONE = frozenset(ROLES)

ROUTES = [
    Route("GET", "/certificates/", SIGNED_IN),
    Route("GET", "/certificates/{public_id}", CERT_VIEW),
    Route("GET", "/certificates/{public_id}/certificate.pdf", CERT_VIEW),
    Route("GET", "/certificates/{public_id}/credential.json", CERT_VIEW),
    Route("POST", "/certificates/{public_id}/sharing", frozenset()),
    Route("POST", "/certificates/{public_id}/suspend", MANAGERS, data={"reason": "x"}),
    Route("POST", "/certificates/{public_id}/reinstate", MANAGERS),
    Route("POST", "/certificates/{public_id}/revoke", MANAGERS, data={"reason": "x"}),
    Route("POST", "/certificates/{public_id}/renew", MANAGERS),
    Route("GET", "/certificates/facility/{slug}", FACILITY_VIEW),
    Route("GET", "/certificates/facility/{slug}/issue", ISSUERS),
    Route("POST", "/certificates/facility/{slug}/issue", ISSUERS),
    Route("POST", "/certificates/facility/{slug}/assessments/999999/issue", frozenset()),
    Route("GET", "/certificates/requirements/{competence_id}", EVERYONE),
    Route("GET", "/verify/{public_id}", EVERYONE),
    # public to whoever holds the id, the file check too (the PDF: test_public_pages, as one
    # anonymous request: a PDF per role would cost 8 s)
    Route("GET", "/verify/{public_id}/credential.json", EVERYONE),
    Route("GET", "/verify/check", EVERYONE),
    Route("POST", "/verify/check", EVERYONE, data={"credential_text": "[]"}),
    Route("GET", "/paths/", SIGNED_IN),
    Route("GET", "/paths/new", ADMIN),
    Route("POST", "/paths/new", ADMIN),
    Route("GET", "/paths/awards", ADMIN),
    Route("POST", "/paths/awards/999999/confirm", frozenset()),
    Route("GET", "/api/v1/certificates", SIGNED_IN, api=True),
    Route("GET", "/api/v1/certificates?facility_id={facility_id}", FACILITY_VIEW, api=True),
    Route("GET", "/api/v1/certificates/{public_id}", CERT_VIEW, api=True),
    Route("GET", "/api/v1/certificates/{public_id}/credential", CERT_VIEW, api=True),
    Route("POST", "/api/v1/certificates", ISSUING_ANYWHERE, api=True, data={"facility_id": 0}),
    Route(
        "POST", "/api/v1/certificates/{public_id}/suspend", MANAGERS, api=True, data={"reason": "x"}
    ),
    Route("POST", "/api/v1/certificates/{public_id}/reinstate", MANAGERS, api=True),
    Route(
        "POST", "/api/v1/certificates/{public_id}/revoke", MANAGERS, api=True, data={"reason": "x"}
    ),
    Route("POST", "/api/v1/certificates/{public_id}/renew", MANAGERS, api=True),
    Route("GET", "/api/v1/paths", SIGNED_IN, api=True),
    Route(
        "POST",
        "/api/v1/paths",
        ADMIN,
        api=True,
        data={"code": "X", "title": "T", "requirements": {}},
    ),
    Route("GET", "/api/v1/verify/{public_id}", EVERYONE, api=True),
    # only the holder (none of the roles) decides; an unknown award is a 404 even to the admin
    Route(
        "POST",
        "/api/v1/certificates/{public_id}/sharing",
        frozenset(),
        api=True,
        data={"show_name": True},
    ),
    Route("POST", "/api/v1/paths/awards/999999/confirm", frozenset(), api=True),
]


@pytest.fixture
def world(make_user, make_org, make_facility, grant, make_competence, make_certificate):
    people, ids = build_world(make_user, make_org, make_facility, grant, make_competence)
    from innocore.extensions import db
    from innocore.facilities.models import Facility

    facility = db.session.get(Facility, ids["facility_id"])
    manager = people["manager"]
    cert = make_certificate(
        holder=make_user(),
        facility=facility,
        issuer=manager,
        competence=db.session.get(
            __import__("innocore.competences.models", fromlist=["C"]).Competence,
            ids["competence_id"],
        ),
    )
    ids["public_id"] = cert.public_id
    return people, ids


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_route_admits_only_its_roles(client, api_headers, world, route):
    people, ids = world
    check_all(client, api_headers, people, ids, route)
