"""The request API: create, transitions, messages, quotes; other tenants' ids are 404."""

import base64
from datetime import timedelta

import sqlalchemy as sa

from instruments.requests.models import Quote, RequestMessage, ServiceRequest
from tests.instruments.requests.conftest import PDF


def _count(db_session, model):
    return db_session.scalar(sa.select(sa.func.count()).select_from(model))


def test_api_request_quote_accept_deliver_close(client, api_headers, world, db_session, clock):
    sci, staff = api_headers(world["a_sci"]), api_headers(world["x_staff"])
    created = client.post(
        "/api/v1/requests",
        headers=sci,
        json={
            "facility_id": world["x"].id,
            "service_id": world["service"].id,
            "title": "Run",
            "description": "12 lysates",
            "samples": 12,
            "attachments": [
                {
                    "filename": "plan.pdf",
                    "content_type": "application/pdf",
                    "data_base64": base64.b64encode(PDF).decode(),
                }
            ],
        },
    )
    assert created.status_code == 201, created.json
    rid = created.json["id"]
    due = (clock.now.date() + timedelta(days=10)).isoformat()
    q = client.post(
        f"/api/v1/requests/{rid}/quotes",
        headers=staff,
        json={
            "lines": [
                {"description": "Run", "unit": "sample", "quantity": "12", "unit_price": "50"}
            ],
            "valid_until_on": due,
        },
    )
    assert q.status_code == 201 and q.json["total"] == "600.00"
    qid = q.json["id"]
    assert (
        client.post(f"/api/v1/requests/{rid}/quotes/{qid}/accept", headers=sci).status_code == 200
    )
    assert (
        client.post(
            f"/api/v1/requests/{rid}/transitions", headers=staff, json={"action": "start"}
        ).status_code
        == 200
    )
    early = client.post(
        f"/api/v1/requests/{rid}/transitions",
        headers=staff,
        json={"action": "deliver", "closing_note": "Done"},
    )
    assert early.status_code == 422
    assert early.json["errors"][0]["code"] == "no_deliverables"
    assert (
        client.post(
            f"/api/v1/requests/{rid}/deliverables",
            headers=staff,
            json={"label": "Data", "url": "https://d.example/x"},
        ).status_code
        == 201
    )
    assert (
        client.post(
            f"/api/v1/requests/{rid}/transitions",
            headers=staff,
            json={"action": "deliver", "closing_note": "Done"},
        ).status_code
        == 200
    )
    msg = client.post(f"/api/v1/requests/{rid}/messages", headers=sci, json={"body": "Thanks!"})
    assert msg.status_code == 201
    closed = client.post(
        f"/api/v1/requests/{rid}/transitions", headers=sci, json={"action": "close", "rating": 4}
    )
    assert closed.json["status"] == "closed"
    detail = client.get(f"/api/v1/requests/{rid}", headers=sci).json
    assert [h["to"] for h in detail["history"]][-1] == "closed" and len(detail["files"]) == 2


def test_api_refuses_bad_input_with_every_problem(client, api_headers, world, db_session):
    sci = api_headers(world["a_sci"])
    bad = client.post(
        "/api/v1/requests",
        headers=sci,
        json={
            "facility_id": world["x"].id,
            "title": "",
            "description": "",
            "samples": -4,
            "attachments": [
                {
                    "filename": "x.exe",
                    "content_type": "application/x-msdownload",
                    "data_base64": base64.b64encode(b"MZ").decode(),
                }
            ],
        },
    )
    assert bad.status_code == 422
    assert {e["code"] for e in bad.json["errors"]} >= {
        "title",
        "description",
        "samples",
        "file_type",
    }
    assert _count(db_session, ServiceRequest) == 0


def test_api_other_tenants_ids_are_404(client, api_headers, world, submit, quote, clock):
    request = submit(world["a_sci"], world["x"], world["service"])
    q = quote(world["x_staff"], request, today=clock.now.date())
    rid = request.id
    urls = [
        ("GET", f"/api/v1/requests/{rid}", None),
        ("GET", f"/api/v1/requests/{rid}/messages", None),
        ("GET", f"/api/v1/requests/{rid}/quotes", None),
        ("POST", f"/api/v1/requests/{rid}/messages", {"body": "hi"}),
        ("POST", f"/api/v1/requests/{rid}/transitions", {"action": "withdraw"}),
        ("POST", f"/api/v1/requests/{rid}/quotes/{q.id}/accept", None),
        ("POST", f"/api/v1/requests/{rid}/quotes", {"lines": [], "valid_until_on": "2030-01-01"}),
        ("POST", f"/api/v1/requests/{rid}/deliverables", {"url": "https://x.example"}),
        ("GET", f"/api/v1/organisations/{request.organisation_id}/statement", None),
    ]
    for who in ("b_admin", "y_staff", "a_sci2", "academic"):
        headers = api_headers(world[who])
        for method, url, body in urls:
            response = client.open(url, method=method, headers=headers, json=body)
            assert response.status_code == 404, (who, method, url, response.status_code)
    assert _count_msgs(client) == 0
    listing = client.get("/api/v1/requests?scope=company", headers=api_headers(world["b_admin"]))
    assert listing.json["total"] == 0
    inbox = client.get("/api/v1/requests?scope=inbox", headers=api_headers(world["y_staff"]))
    assert inbox.json["total"] == 0


def _count_msgs(client):
    from innocore.extensions import db

    return db.session.scalar(sa.select(sa.func.count()).select_from(RequestMessage))


def test_api_services_and_directory(client, api_headers, world, db_session):
    admin = api_headers(world["x_staff"])
    listing = client.get(f"/api/v1/services?facility_id={world['x'].id}", headers=admin)
    assert listing.json["total"] == 1 and listing.json["items"][0]["prices"]["industry"] == "50.00"
    refused = client.post(
        "/api/v1/services",
        headers=admin,
        json={"facility_id": world["x"].id, "name": "X", "unit": "hour"},
    )
    assert refused.status_code == 403  # staff, not a manager
    found = client.get("/api/v1/expertise?q=label-free", headers=admin).json
    assert [f["id"] for f in found["items"]] == [world["x"].id]
    doc = client.get("/api/v1/openapi.json").json
    assert "/api/v1/requests/{request_id}/transitions" in doc["paths"]
    assert "/api/v1/organisations/{organisation_id}/statement" in doc["paths"]


def test_api_quote_count_unchanged_after_refused_quote(
    client, api_headers, world, submit, db_session
):
    request = submit(world["a_sci"], world["x"], world["service"])
    staff = api_headers(world["x_staff"])
    bad = client.post(
        f"/api/v1/requests/{request.id}/quotes",
        headers=staff,
        json={
            "lines": [{"description": "Run", "quantity": "-1", "unit_price": "5"}],
            "valid_until_on": "2020-01-01",
        },
    )
    assert bad.status_code == 422
    assert {e["code"] for e in bad.json["errors"]} == {"quantity", "valid_until"}
    assert _count(db_session, Quote) == 0


def _request_count(db_session):
    return db_session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest))


def test_html_request_form_posted_twice_creates_one_request(client, login_as, world, db_session):
    import re

    login_as(world["a_sci"])
    url = f"/requests/facilities/{world['x'].id}/request"
    page = client.get(url).get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page)
    assert key
    form = {"title": "Run", "description": "12 lysates", "idempotency_key": key.group(1)}
    first, again = client.post(url, data=form), client.post(url, data=form)
    assert first.status_code == 302 and again.status_code in (302, 303)
    assert again.headers["Location"] == first.headers["Location"]
    assert _request_count(db_session) == 1


def test_api_request_create_with_an_idempotency_key_happens_once(
    client, api_headers, world, db_session
):
    headers = api_headers(world["a_sci"]) | {"Idempotency-Key": "req-7f3a"}
    body = {"facility_id": world["x"].id, "title": "Run", "description": "12 lysates"}
    first = client.post("/api/v1/requests", headers=headers, json=body)
    again = client.post("/api/v1/requests", headers=headers, json=body)
    assert first.status_code == again.status_code == 201
    assert again.json["id"] == first.json["id"] and _request_count(db_session) == 1
    other = client.post("/api/v1/requests", headers=headers, json=body | {"title": "Other"})
    assert other.status_code == 422
    assert other.json["errors"][0]["code"] == "idempotency_key_reused"
    plain = client.post("/api/v1/requests", headers=api_headers(world["a_sci"]), json=body)
    assert plain.status_code == 201 and _request_count(db_session) == 2
