"""HTTP wiring: the public verification page, holder and manager pages, the API."""

import pytest

from innocore.extensions import db


def test_verify_page_shows_status_and_hides_the_name_unless_allowed(
    db_session, make_certificate, client, login_as
):
    cert = make_certificate()
    page = client.get(f"/verify/{cert.public_id}")
    assert page.status_code == 200 and b"Valid" in page.data
    assert cert.holder.name.encode() not in page.data
    login_as(cert.holder).post(f"/certificates/{cert.public_id}/sharing", data={"show_name": "1"})
    assert cert.holder.name.encode() in client.get(f"/verify/{cert.public_id}").data


def test_a_renewed_certificate_says_it_was_superseded_and_links_the_newer_one(
    db_session, make_certificate, client, login_as, clock
):
    from training.certification import services

    cert = make_certificate(valid_days=20)
    clock.advance(days=5)
    new = services.renew(cert.issued_by, cert)
    db_session.commit()
    page = client.get(f"/verify/{cert.public_id}").get_data(as_text=True)
    assert 'status-tone-neutral status-large">Superseded</span>' in page
    assert "superseded by a newer certificate" in page
    assert f'href="/verify/{new.public_id}"' in page
    assert 'status-tone-ok status-large">Valid</span>' in client.get(
        f"/verify/{new.public_id}"
    ).get_data(as_text=True)
    api = client.get(f"/api/v1/verify/{cert.public_id}").get_json()
    assert api["status"] == "superseded"
    assert api["superseded_by"].endswith(f"/verify/{new.public_id}")
    assert client.get(f"/api/v1/verify/{new.public_id}").get_json()["superseded_by"] is None
    mine = login_as(cert.holder).get("/certificates/").get_data(as_text=True)
    assert "Superseded" in mine and "Valid" in mine


def test_an_unknown_certificate_id_is_a_plain_404(db_session, client):
    response = client.get("/verify/" + "a" * 26)
    assert response.status_code == 404
    assert client.get("/api/v1/verify/" + "a" * 26).status_code == 404


def test_email_verification_links_still_reach_accounts(db_session, client):
    response = client.get("/verify/" + "x" * 43)
    assert response.status_code in (200, 302, 400, 422)


def test_the_holder_downloads_pdf_and_credential(db_session, make_certificate, login_as):
    cert = make_certificate()
    client = login_as(cert.holder)
    pdf = client.get(f"/certificates/{cert.public_id}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    cred = client.get(f"/certificates/{cert.public_id}/credential.json")
    assert cred.status_code == 200 and b"OpenBadgeCredential" in cred.data
    assert client.get("/certificates/").status_code == 200


def test_someone_else_cannot_see_a_certificate(db_session, make_certificate, make_user, login_as):
    cert = make_certificate()
    client = login_as(make_user())
    assert client.get(f"/certificates/{cert.public_id}").status_code == 404
    assert client.get(f"/certificates/{cert.public_id}/certificate.pdf").status_code == 404


def test_manager_revokes_through_the_page_and_twice_is_refused(
    db_session, make_certificate, login_as
):
    cert = make_certificate()
    client = login_as(cert.issued_by)
    ok = client.post(
        f"/certificates/{cert.public_id}/revoke", data={"reason": "Error", "confirmed": "1"}
    )
    assert ok.status_code == 302
    again = client.post(
        f"/certificates/{cert.public_id}/revoke", data={"reason": "Again", "confirmed": "1"}
    )
    assert again.status_code == 422
    db.session.refresh(cert)
    assert cert.status_reason == "Error"


def test_issue_form_refuses_missing_evidence(
    db_session, make_facility, make_user, make_competence, grant, login_as
):
    facility = make_facility()
    manager, holder = make_user(), make_user()
    grant(manager, facility, "manager")
    competence = make_competence()
    client = login_as(manager)
    data = {
        "email": holder.email,
        "competence_id": str(competence.id),
        "level": "2",
        "evidence": "",
    }
    assert (
        client.post(f"/certificates/facility/{facility.slug}/issue", data=data).status_code == 422
    )
    data["evidence"] = "Five years running the instrument at another core."
    assert (
        client.post(f"/certificates/facility/{facility.slug}/issue", data=data).status_code == 302
    )


def test_issue_form_refuses_a_level_beyond_any_number_the_database_holds(
    db_session, make_facility, make_user, make_competence, grant, login_as
):
    facility = make_facility()
    manager, holder = make_user(), make_user()
    grant(manager, facility, "manager")
    competence = make_competence()
    data = {
        "email": holder.email,
        "competence_id": str(competence.id),
        "level": "99999999999999999999",
        "evidence": "Five years at another core.",
    }
    page = login_as(manager).post(f"/certificates/facility/{facility.slug}/issue", data=data)
    assert page.status_code == 422
    assert "Choose one of the competence" in page.get_data(as_text=True)


def test_api_issue_revoke_and_list(
    db_session, make_facility, make_user, make_competence, grant, client, api_headers
):
    facility = make_facility()
    manager, holder = make_user(), make_user()
    grant(manager, facility, "manager")
    competence = make_competence(facility_id=facility.id)
    headers = api_headers(manager)
    body = {
        "facility_id": facility.id,
        "holder_id": holder.id,
        "competence_id": competence.id,
        "level": 1,
        "evidence": "Observed.",
    }
    created = client.post("/api/v1/certificates", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    public_id = created.get_json()["public_id"]
    foreign = make_competence(facility_id=make_facility().id)
    refused = client.post(
        "/api/v1/certificates", json=body | {"competence_id": foreign.id}, headers=headers
    )
    assert refused.status_code == 403
    revoked = client.post(
        f"/api/v1/certificates/{public_id}/revoke", json={"reason": "x"}, headers=headers
    )
    assert revoked.get_json()["status"] == "revoked"
    twice = client.post(
        f"/api/v1/certificates/{public_id}/revoke", json={"reason": "x"}, headers=headers
    )
    assert twice.status_code == 422 and twice.get_json()["errors"][0]["code"] == "cannot_revoke"
    listed = client.get(
        f"/api/v1/certificates?facility_id={facility.id}", headers=headers
    ).get_json()
    assert listed["total"] == 1
    mine = client.get("/api/v1/certificates", headers=api_headers(holder)).get_json()
    assert [c["public_id"] for c in mine["items"]] == [public_id]


def test_a_certificate_past_its_end_reads_expired_before_the_job_marks_it(
    db_session, make_certificate, client, login_as, clock
):
    """Status comes from the dates at read time on every page and the API, not the stored flag."""
    cert = make_certificate(valid_days=10)
    clock.advance(days=11)  # the expiry job has not run: stored status is still "active"
    assert cert.status.value == "active"
    manager = login_as(cert.issued_by)
    listing = manager.get(f"/certificates/facility/{cert.facility.slug}").get_data(as_text=True)
    assert 'status-tone-bad">Expired</span>' in listing and ">Valid</span>" not in listing
    assert ">Expired</span>" in manager.get(f"/certificates/{cert.public_id}").get_data(
        as_text=True
    )
    assert "Expired</span>" in client.get(f"/verify/{cert.public_id}").get_data(as_text=True)
    assert client.get(f"/api/v1/verify/{cert.public_id}").get_json()["status"] == "expired"
    api = manager.get(f"/api/v1/certificates/{cert.public_id}").get_json()
    assert api["public_status"] == "expired"
    holder = login_as(cert.holder).get("/certificates/").get_data(as_text=True)
    assert ">Expired</span>" in holder and ">Valid</span>" not in holder


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("level", "abc", "Not a valid integer value"),
        ("valid_until", "99999-01-01", "Dates lie in the years 1900 to 2999."),
        ("valid_until", "0001-01-01", "Dates lie in the years 1900 to 2999."),
    ],
)
def test_issue_form_says_what_is_wrong_beside_the_field(
    db_session, make_facility, make_user, make_competence, grant, login_as, field, value, message
):
    facility = make_facility()
    manager, holder = make_user(), make_user()
    grant(manager, facility, "manager")
    data = {
        "email": holder.email,
        "competence_id": str(make_competence().id),
        "level": "2",
        "evidence": "Five years at another core.",
        field: value,
    }
    page = login_as(manager).post(f"/certificates/facility/{facility.slug}/issue", data=data)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert message in html and "This field is required" not in html
    assert "Five years at another core." in html
