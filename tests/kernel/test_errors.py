"""Errors are pages for people and JSON for programs, never a 500 for bad input."""

import io


def test_unknown_page_is_a_friendly_404(client):
    r = client.get("/no/such/page")
    assert r.status_code == 404
    assert b"<h1>Not found</h1>" in r.data  # the catalog's title, translated for the reader


def test_unknown_api_route_is_json_404(client):
    r = client.get("/api/v1/no-such-thing")
    assert r.status_code == 404
    assert r.json["errors"][0]["code"] == "not_found"


def test_json_clients_get_json_errors_from_pages(client):
    r = client.get("/facilities/no-such-facility", headers={"Accept": "application/json"})
    assert r.status_code == 404
    assert r.json == {
        "errors": [{"code": "not_found", "message": "No such facility.", "field": None}]
    }


def test_wrong_method_is_405(client):
    r = client.get("/logout")
    assert r.status_code == 405


def test_huge_form_field_is_a_form_error(client, make_org):
    r = client.post("/register", data={"name": "x" * (3 * 1024 * 1024), "email": "a@b.example"})
    assert r.status_code == 422
    assert b"Field cannot be longer than 200 characters" in r.data


def test_huge_multipart_upload_is_refused_with_413(client, app):
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    r = client.post(
        "/register", data={"name": (io.BytesIO(big), "f.bin")}, content_type="multipart/form-data"
    )
    assert r.status_code == 413
    assert b"Upload too large" in r.data


def test_huge_api_body_is_refused_with_json_413(client, make_user, api_headers, app):
    body = b'{"name": "' + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 10) + b'"}'
    r = client.patch(
        "/api/v1/me",
        data=body,
        headers={**api_headers(make_user()), "Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert r.json["errors"][0]["code"] == "request_entity_too_large"


def test_security_headers_are_set(client):
    r = client.get("/")
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
