"""What the boundary refuses, once for every route: each kind the API fuzzer found, as a value.

Integers beyond the databases' range, unknown filter values, years at the calendar's edges, zone
names that are folders, naive instants, unknown foreign keys, deep JSON, NUL characters: a clear
4xx naming the field, never a 500 — in pages and in the API alike.
"""

from __future__ import annotations

import pytest

from innocore.api.core import OPERATIONS, Operation, Page, _shaped


@pytest.fixture
def headers(make_user, api_headers):
    return api_headers(make_user())


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/bookings/2147483648",  # past PostgreSQL's integer
        "/api/v1/bookings/9223372036854775808",  # past SQLite's
        "/api/v1/facilities/99999999999999999999999",
    ],
)
def test_ids_beyond_the_database_range_are_not_found(client, headers, url):
    response = client.get(url, headers=headers)
    assert response.status_code == 404
    assert response.json["errors"][0]["code"] == "not_found"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("/api/v1/organisations?kind=booking", "kind"),
        ("/api/v1/organisations?page=2147483648", "page"),
        ("/api/v1/organisations?per_page=0", "per_page"),
        ("/api/v1/instruments?facility=9223372036854775808", "facility"),
        ("/api/v1/instruments?technology=", "technology"),
        ("/api/v1/charges?from=9999-12", "from"),
        ("/api/v1/charges?from=0001-01", "from"),
        ("/api/v1/bookings/mine?upcoming=yes", "upcoming"),
        ("/api/v1/requests?status=lost", "status"),
        ("/api/v1/instruments/1/availability?from=9999-12-31T23:00:00Z", "from"),
        ("/api/v1/availability/earliest?hours=1e400", "hours"),
    ],
)
def test_bad_query_values_are_400_naming_the_parameter(client, headers, query, field):
    response = client.get(query, headers=headers)
    assert response.status_code == 400, response.json
    assert response.json["errors"][0]["field"] == field


def test_the_document_declares_what_the_query_accepts(client, headers):
    document = client.get("/api/v1/openapi.json").json
    params = {
        p["name"]: p["schema"]
        for p in document["paths"]["/api/v1/organisations"]["get"]["parameters"]
    }
    assert "booking" not in params["kind"]["enum"] and "company" in params["kind"]["enum"]
    assert params["page"]["maximum"] < 2**31 and params["per_page"]["maximum"] == 100
    period = {
        p["name"]: p["schema"] for p in document["paths"]["/api/v1/charges"]["get"]["parameters"]
    }
    assert period["from"]["pattern"]


@pytest.mark.parametrize(
    "url",
    [
        "/charges/mine?from=9999-12",
        "/charges/mine?from=0001-01",
        "/instruments/bookings/mine?date=9999-12-31",
        "/instruments/finder?hours=1&from=9999-12-31",
    ],
)
def test_pages_refuse_years_at_the_calendars_edges(login_as, make_user, url):
    response = login_as(make_user()).get(url)
    assert response.status_code == 400
    assert b"1900" in response.data and b"2999" in response.data


def test_a_calendar_page_at_the_last_year_we_serve_renders(login_as, make_user, make_facility):
    facility = make_facility()
    response = login_as(make_user()).get(f"/instruments/facility/{facility.slug}?date=2999-12-31")
    assert response.status_code == 200


@pytest.mark.parametrize("zone", ["Europe", "America", "a" * 300, "../etc/passwd", "posix"])
def test_time_zones_are_zone_names_not_folders(client, headers, zone):
    response = client.patch("/api/v1/me", json={"timezone": zone}, headers=headers)
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "timezone"


def test_a_naive_valid_until_is_refused(
    client, make_user, make_facility, make_competence, grant, api_headers
):
    facility = make_facility()
    manager = make_user()
    grant(manager, facility, "manager")
    body = {
        "facility_id": facility.id,
        "holder_id": make_user().id,
        "competence_id": make_competence(facility_id=facility.id).id,
        "level": 1,
        "evidence": "Observed",
        "valid_until": "2027-01-01T00:00:00",
    }
    response = client.post("/api/v1/certificates", json=body, headers=api_headers(manager))
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "valid_until"


def test_integers_beyond_the_range_in_a_body_name_their_field(client, headers):
    body = {
        "instrument_id": 2**31,
        "starts_at": "2031-03-03T10:00:00Z",
        "ends_at": "2031-03-03T11:00:00Z",
    }
    response = client.post("/api/v1/bookings", json=body, headers=headers)
    assert response.status_code == 422
    [error] = response.json["errors"]
    assert (error["code"], error["field"]) == ("out_of_range", "instrument_id")
    assert "2147483647" in error["message"]


def test_dates_beyond_the_years_we_serve_in_a_body_are_refused(client, headers):
    body = {
        "instrument_id": 1,
        "starts_at": "9999-12-31T22:00:00Z",
        "ends_at": "9999-12-31T23:00:00Z",
    }
    response = client.post("/api/v1/bookings", json=body, headers=headers)
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == {"starts_at", "ends_at"}


def test_json_nested_a_thousand_deep_is_a_400(client, headers):
    body = "[" * 1000 + "]" * 1000
    response = client.post(
        "/api/v1/me/tokens", data=body, headers=headers, content_type="application/json"
    )
    assert response.status_code == 400
    deep = '{"name": ' + "[" * 40 + '"x"' + "]" * 40 + "}"
    response = client.post(
        "/api/v1/me/tokens", data=deep, headers=headers, content_type="application/json"
    )
    assert response.status_code == 422 and response.json["errors"][0]["code"] == "too_deep"


def test_nul_characters_are_refused_in_queries_forms_and_bodies(
    client, headers, login_as, make_user
):
    assert client.get("/api/v1/organisations?q=a%00b", headers=headers).status_code == 400
    response = client.post("/api/v1/me/tokens", json={"name": "a\x00b"}, headers=headers)
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "name"
    page = login_as(make_user()).post("/profile", data={"name": "a\x00b"})
    assert page.status_code == 400


def test_405_names_the_allowed_methods(client, headers):
    response = client.delete("/api/v1/me", headers=headers)
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "PATCH"}


def test_someone_elses_notification_is_not_found(
    client, make_user, api_headers, make_facility, db_session
):
    from innocore.vocab import FacilityRoleKind
    from tests.kernel.test_notifications import queue

    other = make_user()
    theirs = queue(other, facility=make_facility(), role=FacilityRoleKind.STAFF)
    db_session.commit()
    response = client.post(
        f"/api/v1/me/notifications/{theirs.id}/read", headers=api_headers(make_user())
    )
    assert response.status_code == 404
    assert theirs.read_at is None


def test_every_write_with_a_body_checks_permission_before_reading_it(app):
    unguarded = [
        ep
        for ep, op in OPERATIONS.items()
        if op.body is not None and not op.public and op.permission is None
    ]
    assert unguarded == []


def test_list_operations_declare_their_envelope(client, headers):
    document = client.get("/api/v1/openapi.json").json
    for path, methods in document["paths"].items():
        for method, doc in methods.items():
            op = next(o for o in OPERATIONS.values() if o.summary == doc["summary"])
            ok = doc["responses"][str(op.status)].get("content", {}).get("application/json", {})
            items = ok.get("schema", {}).get("properties", {}).get("items")
            assert (items is not None) == (op.listed or op.paginated), f"{method} {path}"


def test_a_list_returned_by_an_undeclared_operation_is_a_programming_error():
    plain = Operation(summary="x", tags=[])
    with pytest.raises(TypeError):
        _shaped(plain, "x.plain", [1, 2])
    with pytest.raises(TypeError):
        _shaped(plain, "x.plain", {"items": [1]})
    with pytest.raises(TypeError):
        _shaped(Operation(summary="x", tags=[], listed=True), "x.listed", {"a": 1})
    with pytest.raises(TypeError):
        _shaped(Operation(summary="x", tags=[], paginated=True), "x.paged", {"items": []})
    assert _shaped(Operation(summary="x", tags=[], listed=True), "x.l", ([1], 201)) == (
        {"items": [1]},
        201,
    )
    assert _shaped(Operation(summary="x", tags=[], paginated=True), "x.p", Page(items=[])) == {
        "items": []
    }


def test_writes_declare_conflicts_and_refusals(client):
    document = client.get("/api/v1/openapi.json").json
    move = document["paths"]["/api/v1/bookings/{booking_id}"]["put"]["responses"]
    assert {"409", "422"} <= set(move)
