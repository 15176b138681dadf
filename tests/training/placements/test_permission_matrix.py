"""Every placement route x every role (see tests/support/matrix.py). The matrix world's manager
offers an internship at the facility; a member of no role applied, naming a supervisor. The
agreement PDF shares the application page's party check (test_placements fetches it as the
supervisor); it is left out here because each PDF embeds its fonts (4 s a row)."""

import pytest

from tests.support.matrix import SIGNED_IN, Route, check_all

NOBODY = frozenset()
OFFERERS = frozenset({"company_admin", "manager", "other_manager", "admin"})
HOST = frozenset({"manager", "admin"})

ROUTES = [
    Route("GET", "/placements/", SIGNED_IN),
    Route("POST", "/placements/new", OFFERERS),
    Route("GET", "/placements/{placement_id}", SIGNED_IN),
    Route("POST", "/placements/{placement_id}/apply", SIGNED_IN),  # the host: 422 own_offer
    Route("GET", "/placements/applications/{application_id}", HOST),
    Route(
        "POST",
        "/placements/applications/{application_id}/decide",
        HOST,
        data={"decision": "select"},
    ),
    Route(
        "POST",
        "/placements/applications/{application_id}/sign",
        NOBODY,
        data={"as_party": "participant"},
    ),
    Route("POST", "/placements/applications/{application_id}/checkins", HOST),
    Route(
        "POST", "/placements/applications/{application_id}/complete", HOST, data={"passed": "yes"}
    ),
    Route("GET", "/placements/files/{file_id}", HOST),
    Route("GET", "/api/v1/placements", SIGNED_IN, api=True),
    Route("POST", "/api/v1/placements", OFFERERS, api=True),
    Route("POST", "/api/v1/placements/{placement_id}/applications", SIGNED_IN, api=True),
    Route("GET", "/api/v1/placements/{placement_id}/applications", HOST, api=True),
    Route("GET", "/api/v1/placement-applications", SIGNED_IN, api=True),
    Route("GET", "/api/v1/placement-applications/{application_id}", HOST, api=True),
    Route("POST", "/api/v1/placement-applications/{application_id}/decide", HOST, api=True),
    Route("POST", "/api/v1/placement-applications/{application_id}/sign", HOST, api=True),
    Route("POST", "/api/v1/placement-applications/{application_id}/checkins", HOST, api=True),
    Route("POST", "/api/v1/placement-applications/{application_id}/complete", HOST, api=True),
]


@pytest.fixture
def world(make_user, make_org, make_facility, grant, make_competence):
    from datetime import timedelta

    import sqlalchemy as sa

    from innocore import clock
    from innocore.extensions import db
    from instruments.requests.services import Upload
    from tests.support.matrix import build_world
    from training.placements import services
    from training.placements.models import PlacementFile

    people, ids = build_world(make_user, make_org, make_facility, grant, make_competence)
    now = clock.now()
    p = services.offer_placement(
        people["manager"],
        services.OfferInput(
            kind="traineeship",
            facility_id=ids["facility_id"],
            title="T",
            description="d",
            learning_outcomes=["o"],
            starts_on=(now + timedelta(days=9)).date(),
            ends_on=(now + timedelta(days=60)).date(),
            hours_per_week=30,
            places=3,
            applications_close_at=now + timedelta(days=5),
        ),
    )
    a = services.apply(
        make_user(),
        p.id,
        motivation="m",
        supervisor_email=make_user().email,
        eqf_level=6,
        uploads=[Upload("cv.pdf", "application/pdf", b"%PDF-1.4 x")],
    )
    db.session.commit()
    file_id = db.session.scalar(
        sa.select(PlacementFile.id).where(PlacementFile.application_id == a.id)
    )
    ids |= {"placement_id": p.id, "application_id": a.id, "file_id": file_id}
    return people, ids


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_route_admits_only_its_roles(client, api_headers, world, route):
    people, ids = world
    check_all(client, api_headers, people, ids, route)
