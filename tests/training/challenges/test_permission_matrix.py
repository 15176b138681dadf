"""Every challenge route x every role (see tests/support/matrix.py). The matrix world's
company_admin posted the challenge; the facility is its host. The workspace's HTML writes are
covered through their API twins (same services, same permission); the workspace page stands for
them: nobody of the matrix is in the (unselected) team. Rows whose page and API twin share one
predicate are listed once (the draft page, the NDA, the posting form's GET)."""

import pytest

from tests.support.matrix import ROLES, SIGNED_IN, Route, check_all

NOBODY = frozenset()
POSTERS = frozenset({"company_admin", "manager", "other_manager", "admin"})
SIDES = frozenset({"company_admin", "trainer", "staff", "manager", "admin"})  # poster, host, admins
REVIEWERS = frozenset({"staff", "manager", "admin"})  # they and the poster see a draft
MANAGE = frozenset({"company_admin"})
CERTIFIERS = frozenset({"trainer", "manager", "admin"})
OUTSIDERS = frozenset({"member", "trainer", "staff", "manager", "other_manager", "admin"})

ROUTES = [
    Route("GET", "/challenges/", SIGNED_IN),
    Route("POST", "/challenges/new", POSTERS),
    Route("GET", "/challenges/{challenge_id}", SIGNED_IN),
    Route("GET", "/challenges/{draft_id}/edit", MANAGE),
    Route("PUT", "/api/v1/challenges/{draft_id}", MANAGE, api=True),
    Route("GET", "/challenges/{draft_id}", REVIEWERS | MANAGE),
    Route("POST", "/challenges/{draft_id}/review", REVIEWERS, data={"decision": "publish"}),
    Route("POST", "/challenges/{challenge_id}/nda", SIGNED_IN),
    Route("POST", "/challenges/{challenge_id}/apply", SIGNED_IN),
    Route(
        "POST",
        "/challenges/applications/{application_id}/decide",
        MANAGE,
        data={"decision": "shortlisted"},
    ),
    Route("GET", "/challenges/applications/{application_id}/workspace", NOBODY),
    Route("POST", "/challenges/applications/{application_id}/feedback", MANAGE),
    Route("POST", "/challenges/applications/{application_id}/outcome", CERTIFIERS),
    Route("GET", "/challenges/files/{file_id}", SIDES),
    Route("GET", "/api/v1/challenges", SIGNED_IN, api=True),
    Route("POST", "/api/v1/challenges", POSTERS, api=True),
    Route("GET", "/api/v1/challenges/account-choices", POSTERS, api=True),
    Route("GET", "/api/v1/challenges/{challenge_id}", SIGNED_IN, api=True),
    Route(
        "POST",
        "/api/v1/challenges/{draft_id}/review",
        REVIEWERS,
        api=True,
        data={"decision": "publish"},
    ),
    Route("POST", "/api/v1/challenges/{challenge_id}/applications", SIGNED_IN, api=True),
    Route("GET", "/api/v1/challenges/{challenge_id}/applications", SIDES, api=True),
    Route("GET", "/api/v1/challenge-applications", SIGNED_IN, api=True),
    Route(
        "POST",
        "/api/v1/challenge-applications/{application_id}/decide",
        MANAGE,
        api=True,
        data={"decision": "shortlisted"},
    ),
    Route("GET", "/api/v1/challenge-applications/{application_id}/workspace", NOBODY, api=True),
    Route("POST", "/api/v1/challenge-applications/{application_id}/milestones", SIDES, api=True),
    Route("POST", "/api/v1/challenge-applications/{application_id}/messages", SIDES, api=True),
    Route("POST", "/api/v1/challenge-applications/{application_id}/files", SIDES, api=True),
    Route("GET", "/api/v1/challenge-files/{file_id}", SIDES, api=True),
    Route("POST", "/api/v1/challenge-applications/{application_id}/bookings", SIDES, api=True),
    Route("POST", "/api/v1/challenge-applications/{application_id}/feedback", MANAGE, api=True),
    Route("POST", "/api/v1/challenge-applications/{application_id}/outcome", CERTIFIERS, api=True),
]


@pytest.fixture
def world(make_user, make_org, make_facility, grant, make_competence):
    from datetime import timedelta

    from innocore import clock
    from innocore.extensions import db
    from innocore.facilities.models import Facility
    from instruments.requests.services import Upload
    from tests.support.matrix import build_world
    from training.challenges import services

    people, ids = build_world(make_user, make_org, make_facility, grant, make_competence)
    now = clock.now()
    data = lambda: services.ChallengeInput(  # noqa: E731
        facility_id=ids["facility_id"],
        title="Matrix",
        summary="s",
        nda_text="NDA",
        team_min=1,
        team_max=2,
        applications_close_at=now + timedelta(days=5),
        starts_on=(now + timedelta(days=9)).date(),
        ends_on=(now + timedelta(days=30)).date(),
    )
    ch = services.post_challenge(people["company_admin"], data())
    services.review_challenge(people["admin"], ch, publish=True)
    draft = services.post_challenge(people["company_admin"], data())
    student = make_user()
    services.accept_nda(student, ch)
    pdf = Upload("cv.pdf", "application/pdf", b"%PDF-1.4 x")
    app = services.apply(student, ch, motivation="m", team=[], uploads=[pdf])
    db.session.commit()
    assert db.session.get(Facility, ids["facility_id"]) is not None
    file_id = db.session.scalar(
        __import__("sqlalchemy").text("SELECT id FROM challenge_file ORDER BY id DESC LIMIT 1")
    )
    ids |= {
        "challenge_id": ch.id,
        "draft_id": draft.id,
        "application_id": app.id,
        "file_id": file_id,
    }
    return people, ids


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_route_admits_only_its_roles(client, api_headers, world, route):
    people, ids = world
    check_all(client, api_headers, people, ids, route, roles=ROLES)
