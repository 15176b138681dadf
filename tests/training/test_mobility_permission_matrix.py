"""Every passport, recognition and export route x every role (see tests/support/matrix.py)."""

import pytest

from tests.support.matrix import ROLES, SIGNED_IN, Route, build_world, check_all

EVERYONE = frozenset(ROLES)
NOBODY = frozenset()
ADMIN = frozenset({"admin"})
MANAGERS = frozenset({"manager", "admin"})
DECIDERS = frozenset({"trainer", "manager", "admin"})
DECIDING_ANYWHERE = frozenset({"trainer", "manager", "other_manager", "admin"})
CERT_VIEW = frozenset({"trainer", "staff", "manager", "admin"})

ROUTES = [
    Route("GET", "/passport/", SIGNED_IN),
    Route("POST", "/passport/links", SIGNED_IN),
    Route("POST", "/passport/links/{link_id}/revoke", NOBODY),  # the member's link: theirs only
    Route("GET", "/recognition/", SIGNED_IN),
    Route("POST", "/recognition/ask", SIGNED_IN),
    Route("POST", "/recognition/imports", SIGNED_IN),
    Route("GET", "/recognition/facility/{slug}", DECIDERS),
    Route("POST", "/recognition/facility/{slug}/declare", MANAGERS),
    Route("POST", "/recognition/declarations/999999/withdraw", NOBODY),
    Route("POST", "/recognition/requests/999999/decide", NOBODY),
    Route("GET", "/recognition/trusted-issuers", ADMIN),
    Route("POST", "/recognition/trusted-issuers", ADMIN),
    Route("POST", "/recognition/trusted-issuers/999999/remove", NOBODY),
    Route("GET", "/certificates/{public_id}/share", CERT_VIEW),
    Route("GET", "/certificates/{public_id}/elm.json", CERT_VIEW),
    Route("GET", "/certificates/{public_id}/wallet", CERT_VIEW),
    Route("GET", "/api/v1/passport", SIGNED_IN, api=True),
    Route("GET", "/api/v1/passport/links", SIGNED_IN, api=True),
    Route("POST", "/api/v1/passport/links", SIGNED_IN, api=True),
    Route("POST", "/api/v1/passport/links/{link_id}/revoke", NOBODY, api=True),
    Route("GET", "/api/v1/passport/shared/{token}", EVERYONE, api=True),
    Route("GET", "/api/v1/recognition/declarations", SIGNED_IN, api=True),
    Route("POST", "/api/v1/recognition/declarations", DECIDING_ANYWHERE, api=True),
    Route("POST", "/api/v1/recognition/declarations/999999/withdraw", NOBODY, api=True),
    Route("GET", "/api/v1/recognition/requests", SIGNED_IN, api=True),
    Route("GET", "/api/v1/recognition/requests?facility_id={facility_id}", DECIDERS, api=True),
    Route("POST", "/api/v1/recognition/requests", SIGNED_IN, api=True),
    Route("POST", "/api/v1/recognition/requests/999999/decide", DECIDING_ANYWHERE, api=True),
    Route("GET", "/api/v1/recognition/trusted-issuers", ADMIN, api=True),
    Route("POST", "/api/v1/recognition/trusted-issuers", ADMIN, api=True),
    Route("POST", "/api/v1/recognition/trusted-issuers/999999/remove", NOBODY, api=True),
    Route("GET", "/api/v1/recognition/imports", SIGNED_IN, api=True),
    Route("POST", "/api/v1/recognition/imports", SIGNED_IN, api=True),
    Route("GET", "/api/v1/certificates/{public_id}/elm", CERT_VIEW, api=True),
    Route("GET", "/api/v1/certificates/{public_id}/share", CERT_VIEW, api=True),
]


@pytest.fixture
def world(make_user, make_org, make_facility, grant, make_competence, make_certificate):
    from innocore.competences.models import Competence
    from innocore.extensions import db
    from innocore.facilities.models import Facility
    from training.passport import services

    people, ids = build_world(make_user, make_org, make_facility, grant, make_competence)
    facility = db.session.get(Facility, ids["facility_id"])
    cert = make_certificate(
        holder=make_user(),
        facility=facility,
        issuer=people["manager"],
        competence=db.session.get(Competence, ids["competence_id"]),
    )
    link, token = services.create_link(make_user(), "matrix")
    db.session.commit()
    ids |= {"public_id": cert.public_id, "link_id": link.id, "token": token}
    return people, ids


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_route_admits_only_its_roles(client, api_headers, world, route):
    people, ids = world
    check_all(client, api_headers, people, ids, route)
