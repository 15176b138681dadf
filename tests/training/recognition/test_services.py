"""Recognition between facilities through pages and the API: the booking gate and path progress
honour declarations and granted requests; requests are decided with a reason, audited, e-mailed."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from innocore import clock as clock_module
from innocore.audit import AuditEvent

pytestmark = pytest.mark.usefixtures("db_session")


@pytest.fixture
def world(make_facility, make_competence, make_user, grant, make_certificate, make_instrument):
    """Facility A certifies its own confocal competence; facility B has its own one and an
    instrument requiring it at level 1; a person holds A's at level 2."""
    a, b = make_facility(), make_facility()
    own_a = make_competence(facility_id=a.id, title="Confocal at A")
    own_b = make_competence(facility_id=b.id, title="Confocal at B")
    manager_b, trainer_b = make_user(), make_user()
    grant(manager_b, b, "manager")
    grant(trainer_b, b, "trainer")
    person = make_user(organisation=b.institution)
    cert = make_certificate(holder=person, competence=own_a, facility=a, level=2)
    instrument = make_instrument(b, required_competence_id=own_b.id, required_level=1)
    return {
        "a": a,
        "b": b,
        "own_a": own_a,
        "own_b": own_b,
        "manager": manager_b,
        "trainer": trainer_b,
        "person": person,
        "cert": cert,
        "instrument": instrument,
    }


def _book(client, headers, instrument, days=2):
    start = (clock_module.now() + timedelta(days=days)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    return client.post(
        "/api/v1/bookings",
        json={
            "instrument_id": instrument.id,
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
        },
        headers=headers,
    )


def _declare(client, headers, w, kind="equivalent", min_level=2):
    return client.post(
        "/api/v1/recognition/declarations",
        json={
            "facility_id": w["b"].id,
            "source_competence_id": w["own_a"].id,
            "source_min_level": min_level,
            "target_competence_id": w["own_b"].id,
            "target_level": 1,
            "kind": kind,
            "note": "Same microscope model",
        },
        headers=headers,
    )


def test_an_equivalence_opens_the_booking_gate_until_withdrawn(client, api_headers, world):
    person = api_headers(world["person"])
    refused = _book(client, person, world["instrument"])
    assert refused.status_code == 422
    declared = _declare(client, api_headers(world["manager"]), world)
    assert declared.status_code == 201, declared.json
    assert _book(client, person, world["instrument"]).status_code == 201
    withdrawn = client.post(
        f"/api/v1/recognition/declarations/{declared.json['id']}/withdraw",
        headers=api_headers(world["manager"]),
    )
    assert withdrawn.status_code == 200 and withdrawn.json["withdrawn_at"]
    assert _book(client, person, world["instrument"], days=3).status_code == 422
    actions = set(db_actions())
    assert {"equivalence.declared", "equivalence.withdrawn"} <= actions


def db_actions():
    from innocore.extensions import db

    return db.session.scalars(sa.select(AuditEvent.action)).all()


def test_an_equivalence_below_the_declared_level_does_not_count(client, api_headers, world):
    _declare(client, api_headers(world["manager"]), world, min_level=3)
    assert _book(client, api_headers(world["person"]), world["instrument"]).status_code == 422


def test_a_revoked_source_certificate_ends_the_recognition(client, api_headers, world):
    from training.certification import services

    _declare(client, api_headers(world["manager"]), world)
    services.revoke(world["cert"].issued_by, world["cert"], "Issued by mistake")
    assert _book(client, api_headers(world["person"]), world["instrument"]).status_code == 422


def test_bridging_counts_only_after_staff_grant_the_request(client, api_headers, world, deliver):
    _declare(client, api_headers(world["manager"]), world, kind="bridging")
    person = api_headers(world["person"])
    assert _book(client, person, world["instrument"]).status_code == 422
    asked = client.post(
        "/api/v1/recognition/requests",
        json={
            "facility_id": world["b"].id,
            "certificate": world["cert"].public_id,
            "target_competence_id": world["own_b"].id,
            "target_level": 1,
            "message": "Ready for the bridging session",
        },
        headers=person,
    )
    assert asked.status_code == 201, asked.json
    mails = [m for m in deliver() if m["Subject"].startswith("Recognition asked")]
    assert {m["To"] for m in mails} == {world["manager"].email, world["trainer"].email}
    again = client.post("/api/v1/recognition/requests", json=asked_body(world), headers=person)
    assert again.status_code == 422 and again.json["errors"][0]["code"] == "already_pending"
    no_reason = client.post(
        f"/api/v1/recognition/requests/{asked.json['id']}/decide",
        json={"decision": "grant", "reason": ""},
        headers=api_headers(world["trainer"]),
    )
    assert no_reason.status_code == 422
    granted = client.post(
        f"/api/v1/recognition/requests/{asked.json['id']}/decide",
        json={"decision": "grant", "reason": "Bridging session passed on 3 March"},
        headers=api_headers(world["trainer"]),
    )
    assert granted.status_code == 200 and granted.json["status"] == "granted"
    (mail,) = deliver()
    assert mail["To"] == world["person"].email and "granted" in mail["Subject"]
    assert "Bridging session passed on 3 March" in mail.get_body().get_content()
    assert _book(client, person, world["instrument"]).status_code == 201
    assert "recognition.granted" in db_actions()


def asked_body(w):
    return {
        "facility_id": w["b"].id,
        "certificate": w["cert"].public_id,
        "target_competence_id": w["own_b"].id,
        "target_level": 1,
    }


def test_a_refusal_carries_its_reason_and_grants_nothing(client, api_headers, world, deliver):
    person = api_headers(world["person"])
    asked = client.post("/api/v1/recognition/requests", json=asked_body(world), headers=person)
    refused = client.post(
        f"/api/v1/recognition/requests/{asked.json['id']}/decide",
        json={"decision": "refuse", "reason": "Our confocal is a different model"},
        headers=api_headers(world["manager"]),
    )
    assert refused.json["status"] == "refused"
    assert _book(client, person, world["instrument"]).status_code == 422
    mine = client.get("/api/v1/recognition/requests", headers=person).json["items"]
    assert mine[0]["reason"] == "Our confocal is a different model"
    twice = client.post(
        f"/api/v1/recognition/requests/{asked.json['id']}/decide",
        json={"decision": "grant", "reason": "changed my mind"},
        headers=api_headers(world["manager"]),
    )
    assert twice.status_code == 422 and twice.json["errors"][0]["code"] == "already_decided"


def test_someone_elses_certificate_cannot_be_put_forward(client, api_headers, world, make_user):
    stranger = api_headers(make_user())
    response = client.post("/api/v1/recognition/requests", json=asked_body(world), headers=stranger)
    assert response.status_code == 404


def test_a_facility_declares_only_foreign_competences_as_its_own(client, api_headers, world):
    response = client.post(
        "/api/v1/recognition/declarations",
        json={
            "facility_id": world["b"].id,
            "source_competence_id": world["own_b"].id,
            "source_min_level": 1,
            "target_competence_id": world["own_a"].id,
            "target_level": 1,
            "kind": "equivalent",
        },
        headers=api_headers(world["manager"]),
    )
    codes = {e["code"] for e in response.json["errors"]}
    assert response.status_code == 422 and codes == {"source_not_foreign", "target_not_own"}


def test_path_progress_honours_an_equivalence(db_session, world, make_user):
    from training.paths import services as path_services
    from training.paths.models import AwardMode, QualificationPath
    from training.recognition import services

    now = clock_module.now()
    path = QualificationPath(
        code="B-CONF",
        title="Confocal at B",
        requirements={"kind": "competence", "competence": world["own_b"].id, "min_level": 1},
        award_mode=AwardMode.CONFIRMED,
        created_at=now,
        updated_at=now,
    )
    db_session.add(path)
    db_session.flush()
    assert not path_services.progress_for(world["person"].id, path).result.met
    services.declare_equivalence(
        world["manager"],
        world["b"],
        source=world["own_a"],
        source_min_level=2,
        target=world["own_b"],
        target_level=1,
        kind="equivalent",
    )
    assert path_services.progress_for(world["person"].id, path).result.met


def test_facility_page_declares_and_decides(client, login_as, world, db_session):
    login_as(world["manager"])
    page = client.get(f"/recognition/facility/{world['b'].slug}")
    assert page.status_code == 200 and "Confocal at A" in page.text
    declared = client.post(
        f"/recognition/facility/{world['b'].slug}/declare",
        data={
            "source_competence_id": world["own_a"].id,
            "source_min_level": "2",
            "target_competence_id": world["own_b"].id,
            "target_level": "1",
            "kind": "bridging",
        },
    )
    assert declared.status_code == 302
    bad = client.post(
        f"/recognition/facility/{world['b'].slug}/declare",
        data={
            "source_competence_id": "x",
            "target_competence_id": world["own_b"].id,
            "kind": "sideways",
        },
    )
    assert bad.status_code == 422 and "equivalent or bridging" in bad.text
    login_as(world["person"])
    mine = client.get("/recognition/")
    assert mine.status_code == 200 and world["cert"].public_id in mine.text
    asked = client.post(
        "/recognition/ask",
        data={
            "source": f"certificate:{world['cert'].public_id}",
            "facility_id": world["b"].id,
            "target_competence_id": world["own_b"].id,
            "target_level": "1",
        },
    )
    assert asked.status_code == 302
    login_as(world["trainer"])
    page = client.get(f"/recognition/facility/{world['b'].slug}")
    assert "Needs a supervised bridging session" in page.text and "Grant" in page.text


def test_out_of_range_numbers_are_clear_errors_not_crashes(client, api_headers, make_user):
    headers = api_headers(make_user())
    huge = 10**20
    page = client.get(f"/api/v1/recognition/requests?page={huge}", headers=headers)
    assert page.status_code == 400 and page.json["errors"][0]["field"] == "page"
    for url in (
        f"/api/v1/passport/links/{huge}/revoke",
        f"/api/v1/recognition/declarations/{huge}/withdraw",
    ):
        assert client.post(url, headers=headers).status_code == 404
    # the same kind everywhere: every <int:...> route is bounded at routing (innocore.inputs)
    for url in (f"/api/v1/bookings/{huge}", f"/api/v1/instruments/{huge}", f"/instruments/{huge}"):
        assert client.get(url, headers=headers).status_code == 404
