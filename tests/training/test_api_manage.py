"""Training's page forms through the API: same services, same effects (issue 9, point 7)."""

from __future__ import annotations

from datetime import timedelta

from innocore import clock as clock_module
from tests.support.appconfig import path_of
from training.models import SessionStatus


def _manager(make_user, make_facility, grant):
    facility = make_facility()
    manager = make_user()
    grant(manager, facility, "manager")
    return facility, manager


def test_a_manager_edits_a_module_and_adds_material(
    client, make_user, make_facility, grant, make_module, api_headers, db_session
):
    facility, manager = _manager(make_user, make_facility, grant)
    module = make_module(facility)
    headers = api_headers(manager)
    body = client.get(f"/api/v1/training/modules/{module.id}", headers=headers).json
    assert body["kind"] == "course"
    edit = {
        k: body[k]
        for k in (
            "title",
            "technology",
            "description",
            "learning_outcomes",
            "level_awarded",
            "ects",
            "notional_hours",
            "assessment_type",
            "participation_form",
            "language",
            "quality_assurance",
        )
    }
    edit |= {
        "competence_id": module.competence_id,
        "title": "Confocal, advanced",
        "fee_internal": "10",
        "fee_academic": "20",
        "fee_industry": "30",
    }
    response = client.put(f"/api/v1/training/modules/{module.id}", json=edit, headers=headers)
    assert response.status_code == 200, response.json
    assert module.title == "Confocal, advanced" and response.json["kind"] == "course"
    placement = client.put(
        f"/api/v1/training/modules/{module.id}", json=edit | {"kind": "placement"}, headers=headers
    )
    assert placement.json["kind"] == "placement" and module.kind.value == "placement"
    wrong = client.put(
        f"/api/v1/training/modules/{module.id}", json=edit | {"kind": "lecture"}, headers=headers
    )
    assert wrong.status_code == 422 and module.kind.value == "placement"
    bad = client.put(
        f"/api/v1/training/modules/{module.id}",
        json=edit | {"prerequisite_competences": [[999999, 1]]},
        headers=headers,
    )
    assert bad.status_code == 422 and bad.json["errors"][0]["code"] == "prerequisite_unknown"
    manual = {"title": "Manual", "url": "https://example.org/m.pdf"}
    link = client.post(
        f"/api/v1/training/modules/{module.id}/materials", json=manual, headers=headers
    )
    assert link.status_code == 201 and link.json["kind"] == "link"
    from training.models import ModuleMaterial

    assert db_session.get(ModuleMaterial, link.json["id"]).module_id == module.id


def test_staff_edit_and_cancel_a_session(
    client, make_user, make_facility, grant, make_session, api_headers
):
    facility, manager = _manager(make_user, make_facility, grant)
    session = make_session(facility=facility)
    headers = api_headers(manager)
    start = clock_module.now() + timedelta(days=20)
    body = {
        "capacity": 4,
        "audience": "everyone",
        "parts": [
            {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat()}
        ],
        "enrol_opens_at": clock_module.now().isoformat(),
        "enrol_closes_at": (start - timedelta(days=1)).isoformat(),
        "trainer_ids": [t.id for t in session.trainers],
        "location": "Room 2",
    }
    edited = client.put(f"/api/v1/training/sessions/{session.id}", json=body, headers=headers)
    assert edited.status_code == 200, edited.json
    assert session.capacity == 4
    cancelled = client.post(
        f"/api/v1/training/sessions/{session.id}/cancel",
        json={"reason": "Trainer ill"},
        headers=headers,
    )
    assert cancelled.status_code == 200 and session.status == SessionStatus.CANCELLED


def test_training_settings_and_my_training_feed(
    client, make_user, make_facility, grant, api_headers
):
    from training.queries import settings_for

    facility, manager = _manager(make_user, make_facility, grant)
    headers = api_headers(manager)
    saved = client.put(
        f"/api/v1/training/facilities/{facility.id}/settings",
        json={"offer_hours": 12, "reminder_hours": 48},
        headers=headers,
    )
    assert saved.status_code == 200 and settings_for(facility.id).offer_hours == 12
    feed = client.post("/api/v1/training/me/feed", headers=headers)
    assert feed.status_code == 201
    path = path_of(feed.json["url"])
    assert client.get(path).status_code == 200
    assert client.delete("/api/v1/training/me/feed", headers=headers).json == {"revoked": 1}
    assert client.get(path).status_code == 404
