"""The JSON API: tokens, error shape, pagination, tenants' ids, OpenAPI document."""

import pytest
import sqlalchemy as sa

from innocore.accounts.tokens import ApiToken
from innocore.api.core import _path_params
from innocore.extensions import db
from innocore.facilities.models import Facility


def test_api_requires_a_token(client):
    r = client.get("/api/v1/me")
    assert r.status_code == 401
    assert r.json["errors"][0]["code"] == "unauthorised"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_authenticates_and_revoked_token_stops_working(client, make_user, api_headers):
    user = make_user(name="Api User")
    headers = api_headers(user)
    r = client.get("/api/v1/me", headers=headers)
    assert r.status_code == 200
    assert r.json["name"] == "Api User"
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))
    assert client.delete(f"/api/v1/me/tokens/{token.id}", headers=headers).status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_garbage_token_is_401_not_500(client):
    for value in ("Bearer ", "Bearer icp_" + "x" * 500, "Bearer \u00e9\u00e9", "Basic abc"):
        assert client.get("/api/v1/me", headers={"Authorization": value}).status_code == 401


def test_created_token_is_shown_once_and_stored_hashed(client, make_user, api_headers):
    user = make_user()
    r = client.post("/api/v1/me/tokens", json={"name": "laptop script"}, headers=api_headers(user))
    assert r.status_code == 201
    raw = r.json["token"]
    assert raw.startswith("icp_")
    listing = client.get("/api/v1/me/tokens", headers={"Authorization": f"Bearer {raw}"}).json
    assert all(item["token"] is None for item in listing["items"])
    stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
    assert raw not in stored and all(len(h) == 64 for h in stored)


def test_someone_elses_token_id_is_not_found(client, make_user, api_headers):
    alice, bob = make_user(), make_user()
    api_headers(bob)
    bobs = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == bob.id))
    r = client.delete(f"/api/v1/me/tokens/{bobs.id}", headers=api_headers(alice))
    assert r.status_code == 404
    assert bobs.revoked_at is None


def test_browser_session_may_read_but_not_write_the_api(login_as, make_user):
    client = login_as(make_user())
    assert client.get("/api/v1/me").status_code == 200
    r = client.post("/api/v1/me/tokens", json={"name": "x"})
    assert r.status_code == 401
    assert "token" in r.json["errors"][0]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"name": ""}, "name"),
        ({"name": "x" * 300}, "name"),
        ({"locale": "klingon"}, "locale"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_profile_update_is_422_naming_the_field(client, make_user, api_headers, body, field):
    user = make_user()
    r = client.patch("/api/v1/me", json=body, headers=api_headers(user))
    assert r.status_code == 422
    assert r.json["errors"][0]["field"] == field
    assert user.timezone == "UTC"


def test_malformed_json_is_400(client, make_user, api_headers):
    r = client.patch(
        "/api/v1/me",
        data="{not json",
        headers={**api_headers(make_user()), "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json["errors"][0]["code"] == "invalid_json"


def test_facility_crud_via_api_with_permissions(client, make_user, make_org, api_headers):
    admin, member = make_user(is_network_admin=True), make_user()
    uni = make_org()
    body = {
        "slug": "cryo",
        "name": "Cryo-EM",
        "institution_id": uni.id,
        "timezone": "Europe/Lisbon",
        "contact_email": "cryo@uni.example",
        "technologies": ["cryo_em"],
    }
    assert (
        client.post("/api/v1/facilities", json=body, headers=api_headers(member)).status_code == 403
    )
    r = client.post("/api/v1/facilities", json=body, headers=api_headers(admin))
    assert r.status_code == 201
    assert r.json["technologies"] == ["cryo_em"]
    bad = client.post(
        "/api/v1/facilities",
        json={**body, "slug": "cryo", "timezone": "Nowhere/X"},
        headers=api_headers(admin),
    )
    assert bad.status_code == 422
    codes = {e["code"] for e in bad.json["errors"]}
    assert codes == {"invalid_timezone", "slug_taken"}


def test_list_endpoints_paginate(client, make_user, make_facility, api_headers):
    for _ in range(7):
        make_facility()
    headers = api_headers(make_user())
    page1 = client.get("/api/v1/facilities?per_page=5", headers=headers).json
    assert (len(page1["items"]), page1["total"], page1["page"]) == (5, 7, 1)
    page2 = client.get(page1["next"], headers=headers).json
    assert len(page2["items"]) == 2 and page2["next"] is None
    bad = client.get("/api/v1/facilities?per_page=1000", headers=headers)
    assert bad.status_code == 400


def test_list_pages_run_a_constant_number_of_queries(
    client, make_user, make_facility, api_headers, count_queries, make_org
):
    headers = api_headers(make_user())
    client.get("/api/v1/me", headers=headers)  # first use records last_used_at once

    def measure():
        with count_queries() as api_q:
            assert client.get("/api/v1/facilities?per_page=100", headers=headers).status_code == 200
        with count_queries() as html_q:
            assert client.get("/facilities/").status_code == 200
        with count_queries() as org_q:
            assert (
                client.get("/api/v1/organisations?per_page=100", headers=headers).status_code == 200
            )
        return api_q.count, html_q.count, org_q.count

    make_facility()
    small = measure()
    for _ in range(20):
        make_facility(institution=make_org())
    assert measure() == small


def test_openapi_document_describes_every_api_route(client, app):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.1")
    declared = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert ("/api/v1/facilities/{facility_id}", "put") in declared
    assert ("/api/v1/me/tokens", "post") in declared
    # every /api/v1 route except the HTML docs is described
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1") and "docs" not in rule.rule:
            path, _ = _path_params(rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method.lower()) in declared, (path, method)
    facility_in = doc["components"]["schemas"]["FacilityIn"]
    assert "timezone" in facility_in["required"]


def test_api_docs_page_is_served_without_cdn(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert b"http" not in page.data.split(b"<body>")[1].replace(b'href="http', b"")
    assert client.get("/api/v1/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/api/v1/docs/assets/../../secret").status_code == 404


def test_audit_api_is_scoped_to_managed_facilities(
    client, make_user, make_facility, grant, api_headers
):
    from innocore import audit

    mine, other = make_facility(), make_facility()
    manager = make_user()
    grant(manager, mine, "manager")
    audit.record(manager, "facility.updated", mine, {"name": ["a", "b"]}, facility_id=mine.id)
    audit.record(manager, "facility.updated", other, {"name": ["c", "d"]}, facility_id=other.id)
    db.session.commit()
    headers = api_headers(manager)
    items = client.get("/api/v1/audit", headers=headers).json["items"]
    assert {i["facility_id"] for i in items} == {mine.id}
    assert client.get(f"/api/v1/audit?facility={other.id}", headers=headers).status_code == 403
    assert client.get("/api/v1/audit", headers=api_headers(make_user())).status_code == 403
    assert db.session.get(Facility, other.id) is not None
