"""Placements end to end: offer, apply with documents, select, three signatures (and the PDF),
check-ins, completion with a certificate; each refusal writes nothing."""

from __future__ import annotations

import base64
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from innocore import clock as clock_module
from innocore.audit import AuditEvent
from innocore.errors import DomainError, Forbidden, NotFound
from innocore.extensions import db
from innocore.notifications.models import Notification
from training.models import ModuleKind
from training.placements import services
from training.placements.models import PlacementApplication, PlacementFile

PDF = {
    "filename": "cv.pdf",
    "content_type": "application/pdf",
    "data_base64": base64.b64encode(b"%PDF-1.4 cv").decode(),
}


@pytest.fixture
def pw(make_user, make_org, make_facility, grant, make_competence, make_module):
    from innocore.vocab import OrganisationKind, OrgRole

    host = make_facility(slug="placement-host")
    uni, company, rival = (
        make_org(),
        make_org(kind=OrganisationKind.COMPANY),
        make_org(kind=OrganisationKind.COMPANY),
    )
    w = {
        "host": host,
        "manager": make_user(name="Host Manager"),
        "student": make_user(organisation=uni, name="Stu Dent"),
        "other": make_user(organisation=uni, name="Other Student"),
        "supervisor": make_user(organisation=uni, name="Prof Home"),
        "company": make_user(organisation=company, org_role=OrgRole.ADMIN, name="Co Admin"),
        "rival": make_user(organisation=rival, org_role=OrgRole.ADMIN, name="Rival Admin"),
    }
    grant(w["manager"], host, "manager")
    w["competence"] = make_competence(facility_id=host.id)
    w["module"] = make_module(
        host, competence=w["competence"], ects=Decimal("10.0"), kind=ModuleKind.PLACEMENT
    )
    now = clock_module.now()
    w["offer"] = lambda **kw: services.OfferInput(
        **{
            "kind": "internship",
            "facility_id": host.id,
            "title": "Imaging internship",
            "description": "Three months.",
            "learning_outcomes": ["Run the confocal", "Report"],
            "starts_on": (now + timedelta(days=20)).date(),
            "ends_on": (now + timedelta(days=110)).date(),
            "hours_per_week": 36,
            "stipend_eur_month": Decimal("800"),
            "places": 1,
            "applications_close_at": now + timedelta(days=10),
            "module_id": w["module"].id,
        }
        | kw
    )
    return w


def _rows():
    count = lambda m: db.session.scalar(sa.select(sa.func.count()).select_from(m))  # noqa: E731
    return tuple(map(count, (PlacementApplication, PlacementFile, Notification, AuditEvent)))


def _refused(action, exc=DomainError) -> str:
    before = _rows()
    with pytest.raises(exc) as info:
        action()
    db.session.rollback()
    assert _rows() == before, "a refusal wrote something"
    return info.value.problems[0].code


def test_an_internship_from_offer_to_certificate_through_the_api(client, api_headers, pw):
    w = pw
    h = {k: api_headers(w[k]) for k in ("manager", "student", "supervisor")}
    o = w["offer"]()
    body = {
        "kind": "internship",
        "facility_id": w["host"].id,
        "title": o.title,
        "description": o.description,
        "learning_outcomes": o.learning_outcomes,
        "starts_on": str(o.starts_on),
        "ends_on": str(o.ends_on),
        "hours_per_week": 36,
        "stipend_eur_month": "800.00",
        "places": 1,
        "applications_close_at": o.applications_close_at.isoformat(),
        "min_eqf_level": 6,
        "module_id": w["module"].id,
    }
    r = client.post("/api/v1/placements", json=body, headers=h["manager"])
    assert r.status_code == 201, r.json
    pid = r.json["id"]
    apply = {"motivation": "Keen", "supervisor_email": w["supervisor"].email, "files": [PDF]}
    r = client.post(f"/api/v1/placements/{pid}/applications", json=apply, headers=h["student"])
    assert r.status_code == 422 and r.json["errors"][0]["code"] == "eqf_level"
    r = client.post(
        f"/api/v1/placements/{pid}/applications",
        json=apply | {"eqf_level": 6},
        headers=h["student"],
    )
    assert r.status_code == 201, r.json
    aid = r.json["id"]
    url = f"/api/v1/placement-applications/{aid}"
    assert (
        client.post(url + "/decide", json={"decision": "select"}, headers=h["manager"]).json[
            "status"
        ]
        == "selected"
    )
    r = client.post(url + "/sign", json={"as_party": "host"}, headers=h["student"])
    assert r.status_code == 403  # signing for someone else
    assert (
        client.post(
            url + "/checkins", json={"progress_percent": 10, "note": "x"}, headers=h["student"]
        ).status_code
        == 422
    )
    for party in ("participant", "host", "supervisor"):
        who = {"participant": "student", "host": "manager", "supervisor": "supervisor"}[party]
        assert (
            client.post(url + "/sign", json={"as_party": party}, headers=h[who]).status_code == 200
        )
    pdf = client.get(url + "/agreement.pdf", headers=h["supervisor"])
    assert pdf.data.startswith(b"%PDF")
    subjects = db.session.scalars(
        sa.select(Notification.subject).where(Notification.user_id == w["supervisor"].id)
    ).all()
    assert any("agreement signed" in s for s in subjects) and any(
        "home supervisor" in s for s in subjects
    )
    r = client.post(
        url + "/checkins", json={"progress_percent": 50, "note": "Halfway."}, headers=h["student"]
    )
    assert r.status_code == 201
    r = client.post(
        url + "/complete",
        json={"passed": True, "evaluation": "Reliable and precise."},
        headers=h["manager"],
    )
    assert r.json["status"] == "completed" and r.json["certificate_id"], r.json
    from training.certification.models import Certificate

    cert = db.session.get(Certificate, r.json["certificate_id"])
    assert cert.holder_id == w["student"].id and cert.module_id == w["module"].id
    assert "Reliable and precise." in cert.evidence


def test_bad_applications_are_refused_and_write_nothing(
    pw, db_session, clock, make_certificate, make_module
):
    w = pw
    course = make_module(w["host"], competence=w["competence"])  # kind: course
    db_session.commit()
    offer = w["offer"](module_id=course.id)
    assert _refused(lambda: services.offer_placement(w["manager"], offer)) == "module_kind"
    p = services.offer_placement(
        w["manager"], w["offer"](min_eqf_level=5, user_categories=["external_academic"])
    )
    db_session.commit()

    def go(who, **kw):
        args = {
            "motivation": "m",
            "supervisor_email": w["supervisor"].email,
            "eqf_level": 6,
            "uploads": [],
        }
        return lambda: services.apply(w[who], p.id, **(args | kw))

    assert _refused(go("student", eqf_level=4)) == "eqf_level"
    assert _refused(go("student", supervisor_email="nobody@example.org")) == "supervisor"
    assert _refused(go("student", supervisor_email=w["student"].email)) == "supervisor_self"
    assert _refused(go("company")) == "category"
    assert _refused(go("manager")) == "own_offer"
    services.apply(
        w["student"],
        p.id,
        motivation="m",
        supervisor_email=w["supervisor"].email,
        eqf_level=6,
        uploads=[],
    )
    db_session.commit()
    assert _refused(go("student")) == "already_applied"
    a = db.session.scalar(sa.select(PlacementApplication))
    services.decide(w["manager"], a.id, select=True)
    db_session.commit()
    assert _refused(go("other")) == "no_places"
    clock.set(p.applications_close_at)
    assert _refused(go("other")) == "deadline_passed"


@pytest.mark.parametrize("stipend", ["NaN", "sNaN", "Infinity", "-1", "99999999999999999999999"])
def test_a_stipend_that_is_not_an_amount_is_refused_on_the_page(client, login_as, pw, stipend):
    w = pw
    login_as(w["manager"])
    offer = w["offer"]()
    response = client.post(
        "/placements/new",
        data={
            "kind": "internship",
            "facility_id": str(w["host"].id),
            "title": "Stipend",
            "description": "d",
            "learning_outcomes": "Run the confocal",
            "starts_on": offer.starts_on.isoformat(),
            "ends_on": offer.ends_on.isoformat(),
            "hours_per_week": "36",
            "stipend_eur_month": stipend,
            "places": "1",
            "closes_on": offer.applications_close_at.date().isoformat(),
            "user_categories": "internal",
        },
    )
    assert response.status_code == 422
    # Text that is no number says so; a number out of range gets the range message.
    said = "Not a number" if stipend.isalpha() else "The stipend is 0 to 100000 EUR a month."
    assert said in response.get_data(as_text=True)


def test_needed_competences_are_checked_against_valid_certificates(
    pw, db_session, make_certificate
):
    w = pw
    p = services.offer_placement(w["manager"], w["offer"](needs=[(w["competence"].id, 2)]))
    db_session.commit()

    def go():
        return services.apply(
            w["student"],
            p.id,
            motivation="m",
            supervisor_email=w["supervisor"].email,
            eqf_level=6,
            uploads=[],
        )

    assert _refused(go) == "competences"
    make_certificate(
        holder=w["student"],
        facility=w["host"],
        issuer=w["manager"],
        competence=w["competence"],
        level=2,
    )
    assert go().status.value == "submitted"


def test_parties_only_and_signing_for_someone_else(pw, db_session):
    w = pw
    p = services.offer_placement(w["company"], w["offer"](facility_id=None, module_id=None))
    a = services.apply(
        w["student"],
        p.id,
        motivation="m",
        supervisor_email=w["supervisor"].email,
        eqf_level=6,
        uploads=[],
    )
    db_session.commit()
    assert _refused(lambda: services.decide(w["rival"], a.id, select=True), NotFound)
    assert _refused(lambda: services.decide(w["student"], a.id, select=True), Forbidden)
    services.decide(w["company"], a.id, select=True)
    db_session.commit()
    assert _refused(lambda: services.sign(w["supervisor"], a.id, "participant"), Forbidden)
    assert _refused(lambda: services.sign(w["rival"], a.id, "host"), NotFound)
    services.sign(w["student"], a.id, "participant")
    db_session.commit()
    assert _refused(lambda: services.sign(w["student"], a.id, "participant")) == "already_signed"


def test_pages_and_lists(client, login_as, pw, db_session, count_queries, api_headers):
    w = pw
    login_as(w["manager"])
    assert client.get("/placements/new").status_code == 200
    h = api_headers(w["student"])

    def add(n):
        for _ in range(n):
            p = services.offer_placement(w["manager"], w["offer"](places=3))
            services.apply(
                w["student"],
                p.id,
                motivation="m",
                supervisor_email=w["supervisor"].email,
                eqf_level=6,
                uploads=[],
            )
        db_session.commit()

    def measure():
        out = []
        for url, headers in (
            ("/placements/", {}),
            ("/api/v1/placements", h),
            ("/api/v1/placement-applications", h),
        ):
            db_session.expire_all()
            with count_queries() as q:
                assert client.get(url, headers=headers).status_code == 200
            out.append(q.count)
        return out

    add(1)
    login_as(w["student"])
    client.get("/api/v1/placements", headers=h)
    small = measure()
    add(4)
    assert measure() == small
    a = db.session.scalars(sa.select(PlacementApplication)).first()
    page = client.get(f"/placements/applications/{a.id}").get_data(as_text=True)
    assert "Imaging internship" in page
    login_as(w["manager"])
    assert (
        client.post(
            f"/placements/applications/{a.id}/decide", data={"decision": "select"}
        ).status_code
        == 302
    )
    assert "Sign as host" in client.get(f"/placements/applications/{a.id}").get_data(as_text=True)
