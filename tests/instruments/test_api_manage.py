"""The catalog's page forms through the API: same services, same effects (issue 9, point 7)."""

from __future__ import annotations

import sqlalchemy as sa

from instruments.models import CalendarFeed, Instrument, InstrumentStatus, ProblemReport


def test_a_manager_adds_and_edits_an_instrument(
    client, make_user, make_facility, grant, api_headers, db_session
):
    facility = make_facility()
    manager = make_user()
    grant(manager, facility, "manager")
    headers = api_headers(manager)
    body = {
        "facility_id": facility.id,
        "name": "Widefield",
        "technology": "light_microscopy",
        "opening": [{"weekday": 0, "opens": "08:00", "closes": "18:00"}],
        "rates": {"internal": "25.00"},
        "max_minutes": 240,
    }
    created = client.post("/api/v1/instruments", json=body, headers=headers)
    assert created.status_code == 201, created.json
    instrument = db_session.get(Instrument, created.json["id"])
    assert (instrument.facility_id, instrument.max_minutes) == (facility.id, 240)
    assert "Open Monday 08:00–18:00" in created.json["rules"][0]
    edit = {k: v for k, v in body.items() if k != "facility_id"} | {
        "name": "Widefield 2",
        "status": "limited",
    }
    edited = client.put(f"/api/v1/instruments/{instrument.id}", json=edit, headers=headers)
    assert edited.status_code == 200 and edited.json["name"] == "Widefield 2"
    assert instrument.status == InstrumentStatus.LIMITED
    refused = client.post("/api/v1/instruments", json=body | {"name": ""}, headers=headers)
    assert refused.status_code == 422


def test_a_user_reports_a_problem_and_staff_resolve_it(
    client, make_user, make_instrument, grant, api_headers, db_session
):
    instrument = make_instrument()
    staff = make_user()
    grant(staff, instrument.facility, "staff")
    report = client.post(
        f"/api/v1/instruments/{instrument.id}/problems",
        json={"severity": "high", "description": "Laser off"},
        headers=api_headers(make_user()),
    )
    assert report.status_code == 201
    assert instrument.status == InstrumentStatus.DOWN  # a high-severity report takes it down
    resolved = client.post(
        f"/api/v1/problems/{report.json['id']}/resolve",
        json={"resolution": "Replaced"},
        headers=api_headers(staff),
    )
    assert resolved.status_code == 200 and resolved.json["resolved_at"]
    assert db_session.get(ProblemReport, report.json["id"]).resolution == "Replaced"


def test_calendar_feeds_are_created_listed_and_revoked(
    client, make_user, make_instrument, api_headers, db_session
):
    instrument = make_instrument()
    user = make_user()
    headers = api_headers(user)
    made = client.post(
        "/api/v1/me/feeds", json={"kind": "instrument", "target_id": instrument.id}, headers=headers
    )
    assert made.status_code == 201 and "/instruments/feeds/" in made.json["url"]
    assert client.get(made.json["url"].replace("http://localhost", "")).status_code == 200
    assert [f["id"] for f in client.get("/api/v1/me/feeds", headers=headers).json["items"]] == [
        made.json["id"]
    ]
    assert client.delete(f"/api/v1/me/feeds/{made.json['id']}", headers=headers).status_code == 200
    assert db_session.scalar(sa.select(CalendarFeed.revoked_at)) is not None
    other = client.delete(f"/api/v1/me/feeds/{made.json['id']}", headers=api_headers(make_user()))
    assert other.status_code == 404


def test_a_manager_sets_the_reminder_time(client, make_user, make_facility, grant, api_headers):
    from instruments.services.booking_settings import reminder_hours

    facility = make_facility()
    manager = make_user()
    grant(manager, facility, "manager")
    response = client.put(
        f"/api/v1/facilities/{facility.id}/reminders",
        json={"reminder_hours": 6},
        headers=api_headers(manager),
    )
    assert response.status_code == 200 and reminder_hours(facility.id) == 6
