"""Certificate sharing and path-award confirmation through the API (issue 9, point 7)."""

from __future__ import annotations


def test_the_holder_decides_whether_the_verification_page_shows_their_name(
    client, make_user, make_certificate, api_headers
):
    holder = make_user(name="Ada Holder")
    cert = make_certificate(holder=holder)
    url = f"/api/v1/certificates/{cert.public_id}/sharing"
    response = client.post(url, json={"show_name": False}, headers=api_headers(holder))
    assert response.status_code == 200
    assert client.get(f"/api/v1/verify/{cert.public_id}").json["holder_name"] is None
    client.post(url, json={"show_name": True}, headers=api_headers(holder))
    assert client.get(f"/api/v1/verify/{cert.public_id}").json["holder_name"] == "Ada Holder"


def test_confirming_an_unknown_award_is_not_found(client, make_user, api_headers):
    admin = make_user(is_network_admin=True)
    response = client.post("/api/v1/paths/awards/424242/confirm", headers=api_headers(admin))
    assert response.status_code == 404


def test_a_competence_is_retired_and_reinstated(client, make_user, make_competence, api_headers):
    admin = make_user(is_network_admin=True)
    competence = make_competence()
    url = f"/api/v1/competences/{competence.id}/retire"
    assert client.post(url, json={"retired": True}, headers=api_headers(admin)).json["retired"]
    assert competence.retired
    assert not client.post(url, json={"retired": False}, headers=api_headers(admin)).json["retired"]
