"""Mentoring: a learner asks, the mentor answers within capacity, the pair records meetings and
goals, the mentor sees path progress only with consent; refusals write nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from innocore import clock as clock_module
from innocore.errors import DomainError, Forbidden, NotFound
from innocore.extensions import db
from innocore.notifications.models import Notification
from tests.support.matrix import SIGNED_IN, Route, build_world, check_all
from training.mentoring import services
from training.mentoring.models import Mentorship


def _count():
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(Mentorship)),
        db.session.scalar(sa.select(sa.func.count()).select_from(Notification)),
    )


def _refused(action, exc=DomainError) -> str:
    before = _count()
    with pytest.raises(exc) as info:
        action()
    db.session.rollback()
    assert _count() == before
    return info.value.problems[0].code


def test_a_mentorship_through_the_api(client, api_headers, make_user, make_competence, db_session):
    from training.paths.models import AwardMode, QualificationPath

    mentor, mentee, other = make_user(name="Mia Mentor"), make_user(name="Lea Learner"), make_user()
    now = clock_module.now()
    tree = {"kind": "competence", "competence": make_competence().id, "min_level": 1}
    db.session.add(
        QualificationPath(
            code="P1",
            title="Imaging path",
            requirements=tree,
            award_mode=AwardMode.AUTOMATIC,
            created_at=now,
            updated_at=now,
        )
    )
    db_session.commit()
    h = {u: api_headers(u) for u in (mentor, mentee, other)}
    r = client.put(
        "/api/v1/me/mentor-profile",
        json={"expertise": "Confocal", "capacity": 1},
        headers=h[mentor],
    )
    assert r.status_code == 200 and r.json["capacity"] == 1
    r = client.post(
        f"/api/v1/mentors/{mentor.id}/requests", json={"message": "Help"}, headers=h[mentee]
    )
    assert r.status_code == 201
    mid = r.json["id"]
    assert db.session.scalar(
        sa.select(Notification.subject).where(Notification.user_id == mentor.id)
    )
    assert client.get(f"/api/v1/mentorships/{mid}", headers=h[other]).status_code == 403
    r = client.post(
        f"/api/v1/mentorships/{mid}/answer", json={"decision": "accept"}, headers=h[mentee]
    )
    assert r.status_code == 403  # answering for the mentor
    assert (
        client.post(
            f"/api/v1/mentorships/{mid}/answer", json={"decision": "accept"}, headers=h[mentor]
        ).json["status"]
        == "active"
    )
    assert client.get(f"/api/v1/mentorships/{mid}", headers=h[mentor]).json["progress"] is None
    assert (
        client.post(
            f"/api/v1/mentorships/{mid}/consent", json={"progress_consent": True}, headers=h[mentee]
        ).status_code
        == 200
    )
    detail = client.get(f"/api/v1/mentorships/{mid}", headers=h[mentor]).json
    assert [p["path"] for p in detail["progress"]] == ["Imaging path"]
    day = str((now - timedelta(days=1)).date())
    assert (
        client.post(
            f"/api/v1/mentorships/{mid}/meetings",
            json={"held_on": day, "minutes": 30, "notes": "Plan"},
            headers=h[mentee],
        ).status_code
        == 201
    )
    g = client.post(
        f"/api/v1/mentorships/{mid}/goals", json={"title": "Pass level 2"}, headers=h[mentor]
    ).json
    assert client.post(f"/api/v1/mentoring-goals/{g['id']}/done", headers=h[mentee]).json["done_at"]
    assert (
        client.post(f"/api/v1/mentorships/{mid}/end", headers=h[mentor]).json["status"] == "ended"
    )


def test_bad_requests_are_refused(make_user, db_session):
    mentor, a, b = make_user(), make_user(), make_user()
    services.save_profile(mentor, expertise="x", capacity=1)
    db_session.commit()

    def ask(who):
        return lambda: services.request_mentor(who, mentor.id, message="m", progress_consent=False)

    assert _refused(ask(mentor)) == "self"
    assert _refused(
        lambda: services.request_mentor(a, 999999, message="m", progress_consent=False), NotFound
    )
    m = ask(a)()
    db_session.commit()
    assert _refused(ask(a)) == "already_requested"
    services.answer(mentor, m.id, accept=True)
    db_session.commit()
    assert _refused(ask(b)) == "full"
    assert _refused(lambda: services.set_consent(mentor, m.id, True), Forbidden)
    future = (clock_module.now() + timedelta(days=2)).date()
    assert (
        _refused(lambda: services.record_meeting(a, m.id, held_on=future, minutes=30, notes="n"))
        == "held_on"
    )
    assert _refused(
        lambda: services.record_meeting(b, m.id, held_on=future, minutes=30, notes="n"), NotFound
    )


ROUTES = [
    Route("GET", "/mentoring/", SIGNED_IN),
    Route("POST", "/mentoring/profile", SIGNED_IN),
    Route("POST", "/mentoring/mentors/{mentor_id}/request", SIGNED_IN),
    Route("GET", "/mentoring/{mentorship_id}", frozenset()),
    Route("POST", "/mentoring/{mentorship_id}/answer", frozenset()),
    Route("GET", "/api/v1/mentors", SIGNED_IN, api=True),
    Route("PUT", "/api/v1/me/mentor-profile", SIGNED_IN, api=True),
    Route("POST", "/api/v1/mentors/{mentor_id}/requests", SIGNED_IN, api=True),
    Route("GET", "/api/v1/mentorships", SIGNED_IN, api=True),
    Route("GET", "/api/v1/mentorships/{mentorship_id}", frozenset(), api=True),
    Route("POST", "/api/v1/mentorships/{mentorship_id}/meetings", frozenset(), api=True),
    Route("POST", "/api/v1/mentorships/{mentorship_id}/end", frozenset(), api=True),
]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_route_admits_only_its_roles(
    client, api_headers, make_user, make_org, make_facility, grant, make_competence, route
):
    people, ids = build_world(make_user, make_org, make_facility, grant, make_competence)
    mentor, mentee = make_user(), make_user()
    services.save_profile(mentor, expertise="x", capacity=3)
    m = services.request_mentor(mentee, mentor.id, message="m", progress_consent=False)
    db.session.commit()
    ids |= {"mentor_id": mentor.id, "mentorship_id": m.id}
    check_all(client, api_headers, people, ids, route)


def test_mentor_list_and_pair_lists_are_constant(
    client, api_headers, make_user, db_session, count_queries
):
    me = make_user()
    h = api_headers(me)

    def add(n):
        for _ in range(n):
            mentor = make_user()
            services.save_profile(mentor, expertise="x", capacity=2)
            services.request_mentor(me, mentor.id, message="m", progress_consent=False)
        db_session.commit()

    def measure():
        out = []
        with client.session_transaction() as sess:
            sess["_user_id"] = me.get_id()
        for url, headers in (
            ("/mentoring/", {}),
            ("/api/v1/mentors", h),
            ("/api/v1/mentorships", h),
        ):
            db_session.expire_all()
            with count_queries() as q:
                assert client.get(url, headers=headers).status_code == 200
            out.append(q.count)
        return out

    add(1)
    client.get("/api/v1/mentors", headers=h)
    small = measure()
    add(4)
    assert measure() == small


def test_the_mentor_progress_view_is_constant_in_the_number_of_paths(
    client, api_headers, make_user, make_competence, db_session, count_queries
):
    from training.paths.models import AwardMode, QualificationPath

    mentor, mentee = make_user(), make_user()
    services.save_profile(mentor, expertise="x", capacity=2)
    m = services.request_mentor(mentee, mentor.id, message="m", progress_consent=True)
    services.answer(mentor, m.id, accept=True)
    h = api_headers(mentor)

    def add(n):
        now = clock_module.now()
        for _ in range(n):
            c = make_competence()
            tree = {"kind": "competence", "competence": c.id, "min_level": 1}
            db.session.add(
                QualificationPath(
                    code=f"P{c.id}",
                    title=f"Path {c.id}",
                    requirements=tree,
                    award_mode=AwardMode.AUTOMATIC,
                    created_at=now,
                    updated_at=now,
                )
            )
        db_session.commit()

    def measure():
        out = []
        with client.session_transaction() as sess:
            sess["_user_id"] = mentor.get_id()
        for url, headers in ((f"/mentoring/{m.id}", {}), (f"/api/v1/mentorships/{m.id}", h)):
            db_session.expire_all()
            with count_queries() as q:
                r = client.get(url, headers=headers)
                assert r.status_code == 200
            out.append(q.count)
        return out, len(r.json["progress"])

    add(1)
    client.get(f"/api/v1/mentorships/{m.id}", headers=h)
    small, shown = measure()
    add(4)
    assert measure() == (small, shown + 4)
