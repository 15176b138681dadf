"""The JSON API and constant-query pages."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from innocore import clock
from training.models import Enrolment, EnrolmentStatus


def test_api_enrol_participants_attendance_and_assessment(
    clock, client, api_headers, make_session, make_user, db_session
):
    session = make_session(capacity=1)
    paula = make_user(organisation=session.facility.institution)
    piet = make_user()
    r = client.post(
        f"/api/v1/training/sessions/{session.id}/enrolments", json={}, headers=api_headers(paula)
    )
    assert r.status_code == 201 and r.json["status"] == "enrolled"
    assert r.json["fee"] == "50.00" and r.json["fee_category"] == "internal"
    r = client.post(
        f"/api/v1/training/sessions/{session.id}/enrolments", json={}, headers=api_headers(piet)
    )
    assert r.json["status"] == "waitlisted"
    twice = client.post(
        f"/api/v1/training/sessions/{session.id}/enrolments", json={}, headers=api_headers(piet)
    )
    assert twice.status_code == 422
    assert twice.json["errors"][0]["code"] == "already_enrolled"

    trainer = api_headers(session.trainers[0])
    people = client.get(f"/api/v1/training/sessions/{session.id}/participants", headers=trainer)
    assert [p["status"] for p in people.json["items"]] == ["enrolled", "waitlisted"]
    assert (
        client.get(
            f"/api/v1/training/sessions/{session.id}/participants", headers=api_headers(piet)
        ).status_code
        == 403
    )

    enrolment_id = people.json["items"][0]["id"]
    part_id = session.parts[0].id
    marks = {"marks": [{"enrolment_id": enrolment_id, "part_id": part_id, "status": "present"}]}
    early = client.put(
        f"/api/v1/training/sessions/{session.id}/attendance", headers=trainer, json=marks
    )
    assert early.status_code == 422 and early.json["errors"][0]["code"] == "part_not_started"
    early = client.post(
        f"/api/v1/training/enrolments/{enrolment_id}/assessments",
        headers=trainer,
        json={"outcome": "passed", "level_reached": 2, "evidence_text": "Good."},
    )
    assert early.status_code == 422
    assert early.json["errors"][0]["code"] == "session_not_started"
    clock.set(session.parts[0].starts_at)  # attendance opens when the part starts
    r = client.put(
        f"/api/v1/training/sessions/{session.id}/attendance", headers=trainer, json=marks
    )
    assert r.status_code == 200 and r.json == {"changed": 1}
    r = client.post(
        f"/api/v1/training/enrolments/{enrolment_id}/assessments",
        headers=trainer,
        json={"outcome": "passed", "level_reached": 2, "evidence_text": "Good."},
    )
    assert r.status_code == 201 and r.json["level_reached"] == 2
    waiting_id = people.json["items"][1]["id"]
    r = client.post(
        f"/api/v1/training/enrolments/{waiting_id}/assessments",
        headers=trainer,
        json={"outcome": "passed", "level_reached": 2, "evidence_text": "x"},
    )
    assert r.status_code == 422
    assert r.json["errors"][0]["code"] == "not_participant"


def test_api_withdraw_offer_and_accept(client, api_headers, make_session, make_user, db_session):
    session = make_session(capacity=1)
    a, b = make_user(), make_user()
    ha, hb = api_headers(a), api_headers(b)
    first = client.post(f"/api/v1/training/sessions/{session.id}/enrolments", json={}, headers=ha)
    second = client.post(f"/api/v1/training/sessions/{session.id}/enrolments", json={}, headers=hb)
    r = client.post(f"/api/v1/training/enrolments/{first.json['id']}/withdraw", headers=ha)
    assert r.json["status"] == "withdrawn"
    mine = client.get("/api/v1/training/me/enrolments", headers=hb).json["items"][0]
    assert mine["status"] == "offered" and mine["offer_expires_at"]
    r = client.post(f"/api/v1/training/enrolments/{second.json['id']}/accept", headers=hb)
    assert r.json["status"] == "enrolled"
    other = client.post(f"/api/v1/training/enrolments/{second.json['id']}/withdraw", headers=ha)
    assert other.status_code == 404


def test_api_creates_modules_and_sessions_for_managers(
    client, api_headers, make_facility, make_user, make_competence, grant
):
    facility = make_facility()
    manager = make_user()
    grant(manager, facility, "manager")
    competence = make_competence()
    body = {
        "title": "Live-cell imaging",
        "facility_id": facility.id,
        "technology": "light_microscopy",
        "learning_outcomes": ["Keep cells alive"],
        "competence_id": competence.id,
        "level_awarded": 2,
        "ects": "1.5",
        "notional_hours": 30,
        "eqf_level": 7,
        "assessment_type": "practical_test",
        "participation_form": "blended",
        "quality_assurance": "Peer-reviewed syllabus",
        "fee_industry": "900",
    }
    r = client.post("/api/v1/training/modules", json=body, headers=api_headers(manager))
    assert r.status_code == 201, r.json
    assert r.json["fees"]["industry"] == "900.00" and r.json["ects"] == "1.5"
    outsider = client.post("/api/v1/training/modules", json=body, headers=api_headers(make_user()))
    assert outsider.status_code == 403
    start = clock.now() + timedelta(days=20)
    session = {
        "facility_id": facility.id,
        "capacity": 8,
        "audience": "academic",
        "parts": [
            {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=4)).isoformat()}
        ],
        "enrol_opens_at": clock.now().isoformat(),
        "enrol_closes_at": (start - timedelta(days=2)).isoformat(),
        "trainer_ids": [manager.id],
        "location": "Room 3",
    }
    s = client.post(
        f"/api/v1/training/modules/{r.json['id']}/sessions",
        json=session,
        headers=api_headers(manager),
    )
    assert s.status_code == 201, s.json
    listed = client.get("/api/v1/training/sessions", headers=api_headers(manager))
    assert [x["id"] for x in listed.json["items"]] == [s.json["id"]]
    doc = client.get("/api/v1/openapi.json").json
    assert "/api/v1/training/sessions/{session_id}/enrolments" in doc["paths"]


def test_module_page_states_the_micro_credential_elements(client, make_session):
    session = make_session()
    page = client.get(f"/training/modules/{session.module_id}").data.decode()
    for text in (
        "Learning outcomes",
        "Operate the microscope",
        "1.0 ECTS",
        "EQF level 6",
        "Application of a skill",
        "On site",
        "Reviewed yearly by the board.",
        "Awarding body",
        "<dd>Course</dd>",  # the kind every module had before kinds existed
    ):
        assert text in page


def test_manager_creates_a_module_through_the_form(
    client, login_as, make_facility, make_user, make_competence, grant, db_session
):
    facility = make_facility()
    manager = make_user()
    grant(manager, facility, "manager")
    competence = make_competence(code="IMG.X")
    prereq = make_competence(code="IMG.LASER")
    form = {
        "title": "Confocal basics",
        "facility_id": str(facility.id),
        "technology": "light_microscopy",
        "learning_outcomes": "Acquire\nProcess",
        "competence_id": str(competence.id),
        "level_awarded": "1",
        "ects": "1.0",
        "notional_hours": "10",
        "assessment_type": "observation",
        "participation_form": "on_site",
        "language": "en",
        "quality_assurance": "Board",
        "fee_internal": "0",
        "fee_academic": "10",
        "fee_industry": "100",
        "prerequisite_competences": "IMG.LASER 1",
        "status": "published",
        "kind": "challenge_based_learning",
    }
    r = login_as(manager).post("/training/modules/new", data=form)
    assert r.status_code == 302, r.data.decode()[-2000:]
    page = client.get(r.headers["Location"]).data.decode()
    assert "Confocal basics" in page and f"{prereq.title} at level 1" in page
    assert "<dt>Kind of learning</dt><dd>Challenge-based learning</dd>" in page
    bad = client.post("/training/modules/new", data=form | {"prerequisite_competences": "NOPE 1"})
    assert bad.status_code == 422 and "Unknown competence code NOPE" in bad.data.decode()


def test_catalog_runs_a_constant_number_of_queries(
    client, make_session, make_module, make_facility, count_queries
):
    make_session()
    with count_queries() as few:
        assert client.get("/training/").status_code == 200
    for _ in range(6):
        make_session(module=make_module(make_facility()))
    with count_queries() as many:
        assert client.get("/training/").status_code == 200
    assert many.count == few.count


def _fill(db_session, session, users):
    from innocore.accounts.rules import category_for

    for n, user in enumerate(users, 1):
        db_session.add(
            Enrolment(
                session_id=session.id,
                user_id=user.id,
                status=EnrolmentStatus.ENROLLED,
                enrolled_by_id=user.id,
                created_at=clock.now(),
                queue_number=n,
                fee_category=category_for(user, session.facility),
                fee_amount=Decimal("0"),
            )
        )
    db_session.flush()


def test_session_page_with_200_participants_runs_a_constant_number_of_queries(
    client, login_as, make_session, make_user, db_session, count_queries
):
    small, big = make_session(capacity=300), make_session(capacity=300)
    _fill(db_session, small, [make_user() for _ in range(2)])
    _fill(db_session, big, [make_user() for _ in range(200)])
    trainer = big.trainers[0]
    login_as(small.trainers[0])
    client.get(f"/training/sessions/{small.id}")
    with count_queries() as few:
        assert client.get(f"/training/sessions/{small.id}").status_code == 200
    login_as(trainer)
    client.get(f"/training/sessions/{big.id}")
    with count_queries() as many:
        page = client.get(f"/training/sessions/{big.id}")
    assert page.status_code == 200
    assert page.data.decode().count("<tr><td>") == 200
    assert many.count == few.count
    for url in (
        f"/training/sessions/{big.id}/participants",
        f"/training/sessions/{big.id}/attendance",
    ):
        with count_queries() as q:
            assert client.get(url).status_code == 200
        login_as(small.trainers[0])
        with count_queries() as q_small:
            client.get(url.replace(str(big.id), str(small.id)))
        login_as(trainer)
        assert q.count == q_small.count, url


def test_trainer_views_run_a_constant_number_of_queries(
    client, login_as, make_session, make_user, make_facility, grant, db_session, count_queries
):
    facility = make_facility()
    trainer = make_user()
    grant(trainer, facility, "trainer")
    make_session(facility=facility, trainers=[trainer])
    login_as(trainer)
    client.get("/training/teaching")
    with count_queries() as few:
        assert client.get("/training/teaching").status_code == 200
    for _ in range(5):
        s = make_session(facility=facility, trainers=[trainer])
        _fill(db_session, s, [make_user() for _ in range(3)])
    with count_queries() as many:
        assert client.get("/training/teaching").status_code == 200
    assert many.count == few.count
