"""The competence passport: one page and one API document per person, shared by revocable links
whose tokens are stored only as hashes."""

import hashlib

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.usefixtures("db_session")


@pytest.fixture
def holder(make_user, make_certificate, make_facility, make_competence):
    """A person with a current certificate, a revoked one and one of another facility."""
    from training.certification import services

    person = make_user(name="Paula Passport")
    facility = make_facility(name="Imaging Core")
    make_certificate(
        holder=person,
        facility=facility,
        competence=make_competence(facility_id=facility.id, title="Confocal operation"),
        level=2,
    )
    revoked = make_certificate(holder=person, competence=make_competence(title="Old laser"))
    services.revoke(revoked.issued_by, revoked, "Wrong person")
    make_certificate(holder=person, competence=make_competence(title="Cell sorting"), level=1)
    return person


def test_the_passport_lists_every_competence_held_now(client, api_headers, holder):
    doc = client.get("/api/v1/passport", headers=api_headers(holder)).json
    rows = {(c["competence"], c["level"], c["facility"]) for c in doc["competences"]}
    assert ("Confocal operation", 2, "Imaging Core") in rows
    assert {c["competence"] for c in doc["competences"]} == {"Confocal operation", "Cell sorting"}
    first = doc["competences"][0]
    assert first["verify_url"].endswith(f"/verify/{first['certificate']}")
    assert first["valid_until"] and first["level_name"] and not first["recognised"]


def test_a_share_link_shows_the_passport_until_revoked(client, api_headers, holder):
    from innocore.extensions import db
    from training.passport.models import PassportLink

    headers = api_headers(holder)
    created = client.post("/api/v1/passport/links", json={"label": "Host lab"}, headers=headers)
    assert created.status_code == 201
    url = created.json["url"]
    token = url.rsplit("/", 1)[-1]
    stored = db.session.scalar(sa.select(PassportLink.token_hash))
    assert stored == hashlib.sha256(token.encode()).hexdigest() and token not in stored
    page = client.get(f"/passport/shared/{token}")
    assert (
        page.status_code == 200
        and "Paula Passport" in page.text
        and "Confocal operation" in page.text
    )
    assert page.headers["Cache-Control"] == "no-store"
    shared = client.get(f"/api/v1/passport/shared/{token}").json
    assert shared["holder"]["name"] == "Paula Passport"
    listed = client.get("/api/v1/passport/links", headers=headers).json["items"]
    assert [x["label"] for x in listed] == ["Host lab"] and listed[0]["url"] is None
    revoked = client.post(f"/api/v1/passport/links/{created.json['id']}/revoke", headers=headers)
    assert revoked.status_code == 200
    assert client.get(f"/passport/shared/{token}").status_code == 404
    assert client.get(f"/api/v1/passport/shared/{token}").status_code == 404


def test_only_the_holder_revokes_a_link(client, api_headers, holder, make_user):
    created = client.post("/api/v1/passport/links", json={}, headers=api_headers(holder)).json
    other = client.post(
        f"/api/v1/passport/links/{created['id']}/revoke", headers=api_headers(make_user())
    )
    assert other.status_code == 404


def test_the_passport_page_creates_and_revokes_links(client, login_as, holder):
    login_as(holder)
    page = client.get("/passport/")
    assert page.status_code == 200 and "Confocal operation" in page.text
    made = client.post("/passport/links", data={"label": "For Lisbon"})
    assert made.status_code == 200 and "/passport/shared/" in made.text
    too_long = client.post("/passport/links", data={"label": "x" * 121}, follow_redirects=True)
    assert "under 120 characters" in too_long.text


def test_a_recognised_competence_shows_with_the_recognising_facility(
    client, api_headers, make_user, make_facility, make_competence, make_certificate, grant
):
    from training.recognition import services

    a, b = make_facility(), make_facility(name="Lisbon Imaging")
    source = make_competence(facility_id=a.id, title="Confocal at A")
    target = make_competence(facility_id=b.id, title="Confocal at Lisbon")
    person, manager = make_user(), make_user()
    grant(manager, b, "manager")
    make_certificate(holder=person, competence=source, facility=a, level=2)
    services.declare_equivalence(
        manager,
        b,
        source=source,
        source_min_level=1,
        target=target,
        target_level=1,
        kind="equivalent",
    )
    doc = client.get("/api/v1/passport", headers=api_headers(person)).json
    recognised = [c for c in doc["competences"] if c["recognised"]]
    assert [(c["competence"], c["facility"]) for c in recognised] == [
        ("Confocal at Lisbon", "Lisbon Imaging")
    ]
