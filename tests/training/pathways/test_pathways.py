"""Career pathways: a person's gap with what closes it, anonymous counts for companies, contact
only with opt-in; profiles by network admins only."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from innocore import clock as clock_module
from innocore.errors import DomainError, Forbidden
from innocore.extensions import db
from innocore.notifications.models import Notification
from tests.support.matrix import SIGNED_IN, Route, build_world, check_all
from training.pathways import rules, services
from training.pathways.models import TalentContact


@pytest.fixture
def kw(
    make_user,
    make_org,
    make_facility,
    grant,
    make_competence,
    make_module,
    make_certificate,
    db_session,
):
    from innocore.vocab import OrganisationKind, OrgRole

    host = make_facility()
    admin, manager = make_user(is_network_admin=True), make_user()
    grant(manager, host, "manager")
    c1, c2 = make_competence(facility_id=host.id), make_competence(facility_id=host.id)
    company = make_org(kind=OrganisationKind.COMPANY)
    w = {
        "host": host,
        "admin": admin,
        "manager": manager,
        "c1": c1,
        "c2": c2,
        "scout": make_user(organisation=company, org_role=OrgRole.ADMIN, name="Scout"),
        "people": [make_user(name=f"Holder {i}") for i in range(4)],
        "learner": make_user(),
    }
    for person in w["people"]:
        for c in (c1, c2):
            make_certificate(holder=person, competence=c, level=2, facility=host, issuer=manager)
    make_certificate(holder=w["learner"], competence=c1, level=2, facility=host, issuer=manager)
    w["module"] = make_module(host, competence=c2, level_awarded=2)
    profile = services.save_role_profile(
        admin, services.ProfileInput("ROLE.T", "Technician", targets=[(c1.id, 2), (c2.id, 2)])
    )
    db_session.commit()
    w["profile"] = profile
    return w


def test_gap_lists_the_training_challenges_and_placements_that_close_it(
    kw, db_session, make_module
):
    from training.challenges.models import Challenge, ChallengeStatus
    from training.models import ModuleKind

    cbl = make_module(kw["host"], competence=kw["c2"], level_awarded=2, kind=ModuleKind.CHALLENGE)
    now = clock_module.now()
    ch = Challenge(
        organisation_id=kw["scout"].organisation_id,
        facility_id=kw["host"].id,
        posted_by_id=kw["scout"].id,
        title="Case",
        summary="s",
        team_min=1,
        team_max=2,
        applications_close_at=now + timedelta(days=3),
        starts_on=(now + timedelta(days=5)).date(),
        ends_on=(now + timedelta(days=9)).date(),
        module_id=cbl.id,
        status=ChallengeStatus.PUBLISHED,
        created_at=now,
    )
    db.session.add(ch)
    db_session.commit()
    g = services.gap_for(kw["learner"], kw["profile"])
    assert [(x.competence_id, x.closed) for x in g["lines"]] == [
        (kw["c1"].id, True),
        (kw["c2"].id, False),
    ]
    assert [m.id for m, _ in g["modules"][kw["c2"].id]] == [kw["module"].id]  # not the cbl one
    assert [c.id for c in g["challenges"][kw["c2"].id]] == [ch.id]


def test_companies_see_anonymous_counts_and_reach_only_those_who_opted_in(client, api_headers, kw):
    h = api_headers(kw["scout"])
    code = kw["profile"].code
    assert client.get(f"/api/v1/role-profiles/{code}/talent", headers=h).json == {
        "matching": "4",
        "opted_in": "0",
    }
    assert (
        client.get(
            f"/api/v1/role-profiles/{code}/talent", headers=api_headers(kw["learner"])
        ).status_code
        == 403
    )
    r = client.post(f"/api/v1/role-profiles/{code}/contact", json={"message": "Join us"}, headers=h)
    assert r.status_code == 422 and r.json["errors"][0]["code"] == "nobody"
    for person in kw["people"][:2]:
        assert (
            client.put(
                "/api/v1/me/career-opt-in", json={"opted_in": True}, headers=api_headers(person)
            ).status_code
            == 200
        )
    assert (
        client.get(f"/api/v1/role-profiles/{code}/talent", headers=h).json["opted_in"]
        == "fewer than 3"
    )
    assert client.post(
        f"/api/v1/role-profiles/{code}/contact", json={"message": "Join us"}, headers=h
    ).json == {"contacted": 2}
    mailed = set(
        db.session.scalars(
            sa.select(Notification.user_id).where(Notification.subject.like("%would like%"))
        )
    )
    assert mailed == {kw["people"][0].id, kw["people"][1].id}
    before = db.session.scalar(sa.select(sa.func.count()).select_from(TalentContact))
    r = client.post(f"/api/v1/role-profiles/{code}/contact", json={"message": "Again"}, headers=h)
    assert r.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TalentContact)) == before


def test_only_network_admins_define_profiles_and_esco_is_checked(kw, db_session):
    data = services.ProfileInput("ROLE.X", "X", targets=[(kw["c1"].id, 1)])
    with pytest.raises(Forbidden):
        services.save_role_profile(kw["scout"], data)
    data.esco_uri = "https://example.org/occupation/1"
    with pytest.raises(DomainError) as info:
        services.save_role_profile(kw["admin"], data)
    assert info.value.problems[0].code == "esco_uri"
    data.esco_uri, data.code = "http://data.europa.eu/esco/occupation/abc", "ROLE.T"
    with pytest.raises(DomainError) as info:
        services.save_role_profile(kw["admin"], data)
    assert [p.code for p in info.value.problems] == ["code_taken"]


@pytest.mark.parametrize("n, shown", [(0, "0"), (1, "fewer than 3"), (2, "fewer than 3"), (3, "3")])
def test_shown_count(n, shown):
    assert rules.shown_count(n) == shown


ROUTES = [
    Route("GET", "/careers/", SIGNED_IN),
    Route("GET", "/careers/{code}", SIGNED_IN),
    Route("GET", "/careers/new", frozenset({"admin"})),
    Route("POST", "/careers/new", frozenset({"admin"})),
    Route("POST", "/careers/{code}/edit", frozenset({"admin"})),
    Route("POST", "/careers/opt-in", SIGNED_IN),
    Route("POST", "/careers/{code}/contact", frozenset({"company_admin"})),
    Route("GET", "/api/v1/role-profiles", SIGNED_IN, api=True),
    Route("POST", "/api/v1/role-profiles", frozenset({"admin"}), api=True),
    Route("PUT", "/api/v1/role-profiles/{code}", frozenset({"admin"}), api=True),
    Route("GET", "/api/v1/role-profiles/{code}/gap", SIGNED_IN, api=True),
    Route(
        "GET",
        "/api/v1/role-profiles/{code}/talent",
        frozenset({"company_admin", "admin"}),
        api=True,
    ),
    Route(
        "POST",
        "/api/v1/role-profiles/{code}/contact",
        frozenset({"company_admin", "admin"}),
        api=True,
    ),
]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_route_admits_only_its_roles(
    client, api_headers, make_user, make_org, make_facility, grant, make_competence, route
):
    people, ids = build_world(make_user, make_org, make_facility, grant, make_competence)
    p = services.save_role_profile(
        people["admin"], services.ProfileInput("ROLE.M", "M", targets=[(ids["competence_id"], 1)])
    )
    db.session.commit()
    check_all(client, api_headers, people, ids | {"code": p.code}, route)


def test_profile_lists_are_constant(
    client, api_headers, kw, db_session, count_queries, make_competence
):
    h = api_headers(kw["learner"])

    def add(n):
        for _ in range(n):
            c = make_competence()
            services.save_role_profile(
                kw["admin"],
                services.ProfileInput(
                    f"ROLE.{c.id}", f"Role {c.id}", targets=[(c.id, 1), (kw["c1"].id, 1)]
                ),
            )
        db_session.commit()

    def measure():
        out = []
        with client.session_transaction() as sess:
            sess["_user_id"] = kw["learner"].get_id()
        for url, headers in (("/careers/", {}), ("/api/v1/role-profiles", h)):
            db_session.expire_all()
            with count_queries() as q:
                assert client.get(url, headers=headers).status_code == 200
            out.append(q.count)
        return out

    client.get("/api/v1/role-profiles", headers=h)
    small = measure()
    add(4)
    assert measure() == small


def test_talent_counts_are_matched_in_the_database_and_constant(
    client, api_headers, kw, db_session, count_queries, make_user, make_certificate
):
    h, code = api_headers(kw["scout"]), kw["profile"].code
    url = f"/api/v1/role-profiles/{code}/talent"
    low = make_user()  # level 1 of c2 is below the target
    for c, level in ((kw["c1"], 2), (kw["c2"], 1)):
        make_certificate(
            holder=low, competence=c, level=level, facility=kw["host"], issuer=kw["manager"]
        )
    revoked = make_certificate(
        holder=kw["learner"],
        competence=kw["c2"],
        level=3,
        facility=kw["host"],
        issuer=kw["manager"],
    )
    revoked.status = revoked.status.__class__.REVOKED
    db_session.commit()

    def measure():
        db_session.expire_all()
        with count_queries() as q:
            body = client.get(url, headers=h).json
        return q.count, body["matching"]

    client.get(url, headers=h)
    small, shown = measure()
    assert shown == "4"  # the four holders; not the low one, not the learner (revoked)
    for _ in range(3):
        person = make_user()
        for c in (kw["c1"], kw["c2"]):
            make_certificate(
                holder=person, competence=c, level=3, facility=kw["host"], issuer=kw["manager"]
            )
    db_session.commit()
    assert measure() == (small, "7")


def test_talent_matching_honours_recognition_and_lapses(
    clock, kw, db_session, make_facility, make_competence, make_user, make_certificate, grant
):
    from training.recognition import services as recognition

    other = make_facility()
    theirs = make_competence(facility_id=other.id)
    bridged = make_user()  # c1 here, c2 only through an equivalence with the other facility's
    make_certificate(
        holder=bridged, competence=kw["c1"], level=2, facility=kw["host"], issuer=kw["manager"]
    )
    make_certificate(holder=bridged, competence=theirs, level=2, facility=other)
    db_session.commit()
    count = lambda: services.talent(kw["scout"], kw["profile"])["matching"]  # noqa: E731
    assert count() == "4"
    recognition.declare_equivalence(
        kw["manager"],
        kw["host"],
        source=theirs,
        source_min_level=2,
        target=kw["c2"],
        target_level=2,
        kind="equivalent",
    )
    db_session.commit()
    assert count() == "5"
    kw["c1"].lapse_after_days = 30  # unused for 40 days: every c1 certificate has lapsed
    db_session.commit()
    clock.advance(days=40)
    assert count() == "0"
