"""Challenges end to end: posting, review, NDA, applying, selection, workspace, feedback and the
certificate that counts toward paths; every refusal writes nothing."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
import sqlalchemy as sa

from innocore import clock as clock_module
from innocore.audit import AuditEvent
from innocore.errors import DomainError, Forbidden, NotFound
from innocore.extensions import db
from innocore.notifications.models import Notification
from training.challenges import services
from training.challenges.models import (
    ApplicationStatus,
    ChallengeApplication,
    ChallengeStatus,
    NdaAcceptance,
    TeamMember,
)
from training.models import ModuleKind

PDF = {
    "filename": "cv.pdf",
    "content_type": "application/pdf",
    "data_base64": base64.b64encode(b"%PDF-1.4 curriculum").decode(),
}


def _subjects(user) -> list[str]:
    return list(
        db.session.scalars(sa.select(Notification.subject).where(Notification.user_id == user.id))
    )


def _rows() -> tuple[int, ...]:
    count = lambda model: db.session.scalar(sa.select(sa.func.count()).select_from(model))  # noqa: E731
    return tuple(
        map(count, (ChallengeApplication, TeamMember, NdaAcceptance, Notification, AuditEvent))
    )


def test_a_challenge_from_posting_to_certificates_through_the_api(client, api_headers, cworld):
    w = cworld
    h = {k: api_headers(w[k]) for k in ("poster", "manager", "trainer", "s1", "company_admin")}
    body = {
        "facility_id": w["host"].id,
        "title": "Organoid phenotyping",
        "summary": "Segment.",
        "details": "SECRET",
        "nda_text": "Keep it secret.",
        "team_min": 1,
        "team_max": 3,
        "applications_close_at": (clock_module.now() + timedelta(days=9)).isoformat(),
        "starts_on": str((clock_module.now() + timedelta(days=20)).date()),
        "ends_on": str((clock_module.now() + timedelta(days=80)).date()),
        "module_id": w["module"].id,
        "needs": [{"competence_id": w["competence"].id, "level": 1}],
    }
    r = client.post("/api/v1/challenges", json=body, headers=h["poster"])
    assert r.status_code == 201 and r.json["status"] == "in_review", r.json
    cid = r.json["id"]
    assert any("to review" in s for s in _subjects(w["manager"]))
    assert client.get(f"/api/v1/challenges/{cid}", headers=h["s1"]).status_code == 403  # in review
    r = client.post(
        f"/api/v1/challenges/{cid}/review", json={"decision": "publish"}, headers=h["manager"]
    )
    assert r.json["status"] == "published"
    assert client.get(f"/api/v1/challenges/{cid}", headers=h["s1"]).json["details"] is None
    assert client.post(f"/api/v1/challenges/{cid}/nda", headers=h["s1"]).status_code == 201
    assert client.get(f"/api/v1/challenges/{cid}", headers=h["s1"]).json["details"] == "SECRET"
    r = client.post(
        f"/api/v1/challenges/{cid}/applications",
        headers=h["s1"],
        json={"motivation": "We love organoids", "team": [w["s2"].email], "files": [PDF]},
    )
    assert r.status_code == 201 and len(r.json["members"]) == 2, r.json
    aid = r.json["id"]
    assert any("in a team" in s for s in _subjects(w["s2"]))
    assert any("New application" in s for s in _subjects(w["company_admin"]))
    for decision in ("shortlisted", "selected"):
        r = client.post(
            f"/api/v1/challenge-applications/{aid}/decide",
            json={"decision": decision},
            headers=h["company_admin"],
        )
        assert r.json["status"] == decision
    assert client.get(f"/api/v1/challenges/{cid}", headers=h["s1"]).json["status"] == "underway"
    url = f"/api/v1/challenge-applications/{aid}"
    assert (
        client.post(
            url + "/milestones",
            json={"title": "Pipeline v1", "due_on": "2026-05-01"},
            headers=h["poster"],
        ).status_code
        == 201
    )
    assert (
        client.post(
            url + "/messages", json={"body": "Data is on the share."}, headers=h["poster"]
        ).status_code
        == 201
    )
    assert any("New message" in s for s in _subjects(w["s2"]))
    assert client.post(url + "/files", json={"files": [PDF]}, headers=h["s1"]).status_code == 201
    ws = client.get(url + "/workspace", headers=h["s1"]).json
    assert [m["title"] for m in ws["milestones"]] == ["Pipeline v1"] and len(ws["files"]) == 2
    r = client.post(
        url + "/feedback", json={"rating": 5, "feedback": "Excellent."}, headers=h["poster"]
    )
    assert r.json["rating"] == 5
    r = client.post(url + "/outcome", headers=h["trainer"])
    assert r.status_code == 200 and r.json["status"] == "completed", r.json
    from training.certification.models import Certificate

    certs = db.session.scalars(
        sa.select(Certificate).where(Certificate.module_id == w["module"].id)
    ).all()
    assert sorted(c.holder_id for c in certs) == sorted([w["s1"].id, w["s2"].id])
    assert "Excellent." in certs[0].evidence
    assert client.get(f"/api/v1/challenges/{cid}", headers=h["s1"]).json["status"] == "completed"


def test_the_certificate_counts_toward_a_path_by_module_and_ects(
    cworld, published, db_session, make_certificate, client, login_as, api_headers
):
    from training.certification.queries import facts_for
    from training.paths.rules import evaluate, references
    from training.paths.services import catalog_for

    w = cworld
    held = make_certificate(
        holder=w["s2"],
        facility=w["host"],
        issuer=w["manager"],
        competence=w["competence"],
        level=w["module"].level_awarded,
    )
    app = services.apply(
        w["s1"], _nda(w["s1"], published), motivation="m", team=[w["s2"].email], uploads=[]
    )
    services.decide_application(w["poster"], app.id, "selected")
    services.give_feedback(w["poster"], app.id, rating=4, text="Good.")
    services.record_outcome(w["trainer"], app.id)  # s2's certificate does not block s1's
    db_session.commit()
    by_user = {m.user_id: m for m in app.members}
    assert by_user[w["s1"].id].certificate_id is not None
    assert (by_user[w["s2"].id].certificate_id, by_user[w["s2"].id].held_certificate_id) == (
        None,
        held.id,
    )
    members = client.get(
        f"/api/v1/challenge-applications/{app.id}/workspace", headers=api_headers(w["s2"])
    ).json["application"]["members"]
    assert {m["user_id"]: m["already_held_certificate_id"] for m in members} == {
        w["s1"].id: None,
        w["s2"].id: held.id,
    }
    login_as(w["s2"])
    page = client.get(f"/challenges/applications/{app.id}/workspace").get_data(as_text=True)
    assert "issued to Stu One." in page
    assert "Stu Two already held its competence at this level" in page
    now = clock_module.now()
    m = w["module"].id
    tree = {
        "kind": "all_of",
        "children": [
            {"kind": "min_credits", "credits": 5, "modules": [m]},
            {"kind": "module", "module": m},
        ],
    }
    result = evaluate(
        tree, facts_for([w["s1"].id], now)[w["s1"].id], catalog_for(references(tree)), now
    )
    assert result.met  # the path page says how the module was earned:
    assert f"Module {w['module'].title} (Challenge-based learning)" in result.counted


def _nda(user, ch):
    services.accept_nda(user, ch)
    return ch


def _refused(action, exc=DomainError) -> str:
    before = _rows()
    with pytest.raises(exc) as info:
        action()
    db.session.rollback()
    assert _rows() == before, "a refusal wrote something"
    return info.value.problems[0].code


def test_bad_applications_are_refused_and_write_nothing(cworld, published, db_session, clock):
    w, ch = cworld, published
    for s in ("s1", "s2", "s3"):
        _nda(w[s], ch)
    services.apply(w["s2"], ch, motivation="first", team=[], uploads=[])
    db_session.commit()

    def go(who, **kw):
        return lambda: services.apply(
            w[who], ch, **{"motivation": "m", "team": [], "uploads": []} | kw
        )

    assert _refused(go("s2")) == "already_applied"
    assert _refused(go("s1", team=["nobody@example.org"])) == "not_a_user"
    assert _refused(go("s1", team=[w["s2"].email])) == "in_another_team"
    assert (
        _refused(go("s1", team=[w["s3"].email, w["manager"].email, w["trainer"].email]))
        == "team_size"
    )
    assert _refused(go("company_admin")) == "own_challenge"
    assert _refused(go("rival")) == "nda"
    clock.set(ch.applications_close_at)
    assert _refused(go("s1")) == "deadline_passed"


def test_selection_beyond_the_places_and_by_another_company_is_refused(
    cworld, published, db_session
):
    w, ch = cworld, published
    a = services.apply(w["s1"], _nda(w["s1"], ch), motivation="a", team=[], uploads=[])
    b = services.apply(w["s2"], _nda(w["s2"], ch), motivation="b", team=[], uploads=[])
    db_session.commit()
    assert _refused(lambda: services.decide_application(w["rival"], a.id, "selected"), NotFound)
    services.decide_application(w["poster"], a.id, "selected")
    db_session.commit()
    assert b.status == ApplicationStatus.NOT_SELECTED and ch.status == ChallengeStatus.UNDERWAY
    assert (
        _refused(lambda: services.decide_application(w["poster"], b.id, "selected")) == "not_open"
    )


def test_another_company_reads_neither_details_nor_applicants(
    client, api_headers, cworld, published
):
    w = cworld
    services.apply(w["s1"], _nda(w["s1"], published), motivation="m", team=[], uploads=[])
    db.session.commit()
    h = api_headers(w["rival"])
    assert client.get(f"/api/v1/challenges/{published.id}", headers=h).json["details"] is None
    assert (
        client.get(f"/api/v1/challenges/{published.id}/applications", headers=h).status_code == 403
    )
    page = client.get(f"/challenges/{published.id}")  # anonymous: sign in first
    assert page.status_code == 302
    with client.session_transaction() as sess:
        sess["_user_id"] = w["rival"].get_id()
    body = client.get(f"/challenges/{published.id}").get_data(as_text=True)
    assert "SECRET" not in body and "Stu One" not in body and "Accept the NDA" in body


def test_workspace_is_closed_to_outsiders_and_booking_links_are_checked(
    cworld, published, db_session
):
    w = cworld
    app = services.apply(w["s1"], _nda(w["s1"], published), motivation="m", team=[], uploads=[])
    services.decide_application(w["poster"], app.id, "selected")
    db_session.commit()
    assert _refused(lambda: services.post_message(w["rival"], app.id, "hi"), NotFound)
    assert _refused(lambda: services.link_booking(w["s1"], app.id, 999999), NotFound)
    assert _refused(lambda: services.record_outcome(w["trainer"], app.id)) == "no_feedback"
    assert _refused(lambda: services.give_feedback(w["s1"], app.id, rating=5, text="me"), Forbidden)


def test_review_and_posting_refusals(cworld, db_session, make_module):
    w = cworld
    assert _refused(lambda: services.post_challenge(w["s1"], w["input"]()), Forbidden)
    past = clock_module.now() - timedelta(days=1)
    assert (
        _refused(
            lambda: services.post_challenge(w["poster"], w["input"](applications_close_at=past))
        )
        == "deadline"
    )
    ch = services.post_challenge(w["poster"], w["input"]())
    db_session.commit()
    assert _refused(lambda: services.review_challenge(w["rival"], ch, publish=True), Forbidden)
    assert _refused(lambda: services.review_challenge(w["manager"], ch, publish=False)) == "missing"
    services.review_challenge(w["manager"], ch, publish=False, note="Add the data format.")
    assert ch.status == ChallengeStatus.RETURNED
    db_session.commit()
    other_host = w["input"](facility_id=w["module"].facility_id + 10_000)
    wrong = [
        make_module(w["host"], competence=w["competence"], kind=k)
        for k in (ModuleKind.COURSE, ModuleKind.PLACEMENT)
    ]
    db_session.commit()
    for m in wrong:  # a challenge names a module of kind challenge-based learning
        refused = w["input"](module_id=m.id)
        assert _refused(lambda r=refused: services.revise_challenge(w["poster"], ch.id, r)) == (
            "module_kind"
        )
    assert _refused(lambda: services.revise_challenge(w["poster"], ch.id, other_host)) == "host"
    assert _refused(lambda: services.revise_challenge(w["rival"], ch.id, w["input"]()), NotFound)
    revised = w["input"](data_provided="Images in OME-TIFF.", needs=[(w["competence"].id, 2)])
    services.revise_challenge(w["poster"], ch.id, revised)
    assert ch.status == ChallengeStatus.IN_REVIEW and ch.needs[0].level == 2
    services.review_challenge(w["manager"], ch, publish=True)
    db_session.commit()
    assert (
        _refused(lambda: services.revise_challenge(w["poster"], ch.id, revised)) == "not_editable"
    )


def test_pages_walk_the_student_and_company_sides(client, login_as, cworld, published, smtp_server):
    w = cworld
    login_as(w["s1"])
    assert client.post(f"/challenges/{published.id}/nda").status_code == 302
    r = client.post(
        f"/challenges/{published.id}/apply", data={"motivation": "Keen", "team": w["s2"].email}
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    assert (
        client.post(f"/challenges/{published.id}/apply", data={"motivation": "Again"}).status_code
        == 422
    )
    app = db.session.scalar(
        sa.select(ChallengeApplication).where(ChallengeApplication.lead_id == w["s1"].id)
    )
    login_as(w["company_admin"])
    page = client.get(f"/challenges/{published.id}").get_data(as_text=True)
    assert "Stu One" in page and "Select team" in page
    assert (
        client.post(
            f"/challenges/applications/{app.id}/decide", data={"decision": "selected"}
        ).status_code
        == 302
    )
    assert client.get(f"/challenges/applications/{app.id}/workspace").status_code == 200
    assert (
        client.get("/challenges/").status_code == 200
        and client.get("/challenges/new").status_code == 200
    )


def test_board_and_api_lists_run_a_constant_number_of_queries(
    client, api_headers, cworld, db_session, count_queries
):
    w = cworld
    h = api_headers(w["s1"])
    with client.session_transaction() as sess:
        sess["_user_id"] = w["s1"].get_id()

    def add(n):
        for _ in range(n):
            ch = services.post_challenge(w["poster"], w["input"]())
            services.review_challenge(w["manager"], ch, publish=True)
            services.apply(w["s1"], _nda(w["s1"], ch), motivation="m", team=[], uploads=[])
        db_session.commit()

    def measure():
        out = []
        for url, headers in (
            ("/challenges/", {}),
            ("/api/v1/challenges", h),
            ("/api/v1/challenge-applications", h),
        ):
            db_session.expire_all()
            with count_queries() as q:
                assert client.get(url, headers=headers).status_code == 200
            out.append(q.count)
        return out

    add(1)
    client.get("/api/v1/challenges", headers=h)  # the token's first use
    small = measure()
    add(5)
    assert measure() == small


@pytest.mark.parametrize("closes_on", ["99999-01-01", "0001-01-01", "garbage"])
def test_a_closing_date_that_is_no_date_we_take_says_so(client, login_as, cworld, closes_on):
    login_as(cworld["company_admin"])
    data = {
        "title": "Faster assays",
        "summary": "S",
        "facility_id": str(cworld["host"].id),
        "closes_on": closes_on,
        "starts_on": "2031-01-01",
        "ends_on": "2031-02-01",
    }
    page = client.post("/challenges/new", data=data)
    assert page.status_code == 422
    assert b"Give a date between 2000 and 2200 (year-month-day)." in page.data
