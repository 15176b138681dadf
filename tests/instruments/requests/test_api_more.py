"""The requests desk's and company pages' forms through the API: same services, same effects."""

from __future__ import annotations

import base64

import sqlalchemy as sa

from instruments.requests.models import Expertise
from tests.instruments.requests.conftest import PDF


def test_the_requester_adds_attachments_through_the_api(client, world, submit, api_headers):
    row = submit(world["a_sci"], world["x"], world["service"])
    upload = {
        "filename": "plan.pdf",
        "content_type": "application/pdf",
        "data_base64": base64.b64encode(PDF).decode(),
    }
    response = client.post(
        f"/api/v1/requests/{row.id}/attachments",
        json={"attachments": [upload]},
        headers=api_headers(world["a_sci"]),
    )
    assert response.status_code == 201
    assert [f["filename"] for f in response.json["items"]] == ["plan.pdf"]
    staff = client.post(
        f"/api/v1/requests/{row.id}/attachments",
        json={"attachments": [upload]},
        headers=api_headers(world["x_staff"]),
    )
    assert staff.status_code == 403


def test_managers_edit_the_expertise_profile(
    client, make_user, make_facility, grant, api_headers, db_session
):
    facility = make_facility()
    manager = make_user()
    grant(manager, facility, "manager")
    headers = api_headers(manager)
    added = client.post(
        f"/api/v1/facilities/{facility.id}/expertise",
        json={"topic": "Cryo-ET", "description": "Tilt series"},
        headers=headers,
    )
    assert added.status_code == 201
    assert db_session.scalar(sa.select(Expertise.topic)) == "Cryo-ET"
    removed = client.delete(f"/api/v1/expertise/{added.json['id']}", headers=headers)
    assert removed.status_code == 200
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Expertise)) == 0


def test_a_manager_sets_the_charge_policy(client, make_user, make_facility, grant, api_headers):
    from innocore.ledger.services import policy_for

    facility = make_facility()
    manager = make_user()
    grant(manager, facility, "manager")
    response = client.put(
        f"/api/v1/facilities/{facility.id}/charge-policy",
        json={"currency": "CHF", "late_cancel_share": "0.5", "no_show_share": "1"},
        headers=api_headers(manager),
    )
    assert response.status_code == 200
    assert policy_for(facility.id).currency == "CHF"
    bad = client.put(
        f"/api/v1/facilities/{facility.id}/charge-policy",
        json={"currency": "EUR", "late_cancel_share": "1.5", "no_show_share": "1"},
        headers=api_headers(manager),
    )
    assert bad.status_code == 422


def test_a_company_admin_invites_revokes_and_appoints(
    client, world, api_headers, smtp_server, deliver
):
    headers = api_headers(world["a_admin"])
    invited = client.post(
        "/api/v1/company/invitations", json={"email": "new@example.org"}, headers=headers
    )
    assert invited.status_code == 201
    assert [
        i["email"] for i in client.get("/api/v1/company/invitations", headers=headers).json["items"]
    ] == ["new@example.org"]
    assert any("new@example.org" in m["To"] for m in deliver())
    revoked = client.post(
        f"/api/v1/company/invitations/{invited.json['id']}/revoke", headers=headers
    )
    assert revoked.json["revoked_at"] is not None
    appointed = client.put(
        f"/api/v1/company/people/{world['a_sci'].id}/role", json={"admin": True}, headers=headers
    )
    assert appointed.status_code == 200 and appointed.json["role"] == "admin"
    other = client.put(
        f"/api/v1/company/people/{world['a_sci2'].id}/role",
        json={"admin": True},
        headers=api_headers(world["b_admin"]),
    )
    assert other.status_code == 404
