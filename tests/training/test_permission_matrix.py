"""Every training route x every role (see tests/support/matrix.py).

The world's facility "own" offers a published module and a session taught by the world's trainer;
the member is enrolled in it. Roles not listed must be sent to sign in (anonymous HTML), get 401
(anonymous API), 403 or 404; nobody ever gets a 500.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from innocore import clock as clock_module
from innocore.vocab import UserCategory
from tests.support.matrix import SIGNED_IN, Route, build_world, check_all

ADMIN = frozenset({"admin"})
MANAGERS = frozenset({"manager", "admin"})
ANY_MANAGER = frozenset({"manager", "other_manager", "admin"})
STAFF = frozenset({"staff", "manager", "admin"})
ANY_STAFF = frozenset({"staff", "manager", "other_manager", "admin"})
TEACHERS = frozenset({"trainer", "staff", "manager", "admin"})
ANY_ROLE = frozenset({"trainer", "staff", "manager", "other_manager", "admin"})
LEARNER = frozenset({"member"})
LEARNER_OR_STAFF = frozenset({"member", "staff", "manager", "admin"})
LEARNER_OR_TEACHERS = frozenset({"member", "trainer", "staff", "manager", "admin"})
MATERIAL_READERS = frozenset({"member", "manager", "admin"})

ROUTES = [
    Route("GET", "/training/my", SIGNED_IN),
    Route("GET", "/training/my/feed", SIGNED_IN),
    Route("POST", "/training/my/feed", SIGNED_IN),
    Route("POST", "/training/my/feed/revoke", SIGNED_IN),
    Route("GET", "/training/teaching", ANY_ROLE),
    Route("GET", "/training/modules/new", ANY_MANAGER),
    Route("POST", "/training/modules/new", ANY_MANAGER),
    Route("GET", "/training/modules/{module_id}/edit", MANAGERS),
    Route("POST", "/training/modules/{module_id}/edit", MANAGERS),
    Route("POST", "/training/modules/{module_id}/materials", MANAGERS),
    Route("GET", "/training/materials/{material_id}", MATERIAL_READERS),
    Route("GET", "/training/modules/{module_id}/sessions/new", STAFF),
    Route("POST", "/training/modules/{module_id}/sessions/new", STAFF),
    Route("GET", "/training/modules/{network_module_id}/sessions/new", ANY_STAFF),
    Route("GET", "/training/sessions/{session_id}/edit", STAFF),
    Route("POST", "/training/sessions/{session_id}/edit", STAFF),
    Route("POST", "/training/sessions/{session_id}/cancel", STAFF),
    Route("GET", "/training/sessions/{session_id}/participants", TEACHERS),
    Route("GET", "/training/sessions/{session_id}/attendance", TEACHERS),
    Route("POST", "/training/sessions/{session_id}/attendance", TEACHERS),
    Route("POST", "/training/sessions/{session_id}/enrol", SIGNED_IN),
    Route("GET", "/training/enrolments/{enrolment_id}/assessment", TEACHERS),
    Route("POST", "/training/enrolments/{enrolment_id}/assessment", TEACHERS),
    Route("POST", "/training/enrolments/{enrolment_id}/withdraw", LEARNER_OR_STAFF),
    Route("POST", "/training/enrolments/{enrolment_id}/accept", LEARNER),
    Route("POST", "/training/enrolments/{enrolment_id}/decline", LEARNER),
    Route("GET", "/training/facilities/{slug}", STAFF),
    Route("POST", "/training/facilities/{slug}", STAFF),
    Route("GET", "/api/v1/training/modules", SIGNED_IN, api=True),
    Route("GET", "/api/v1/training/modules/{module_id}", SIGNED_IN, api=True),
    Route("POST", "/api/v1/training/modules", ANY_MANAGER, api=True),
    Route("POST", "/api/v1/training/modules/{module_id}/sessions", STAFF, api=True),
    Route("POST", "/api/v1/training/modules/{network_module_id}/sessions", ANY_STAFF, api=True),
    Route("GET", "/api/v1/training/sessions", SIGNED_IN, api=True),
    Route("GET", "/api/v1/training/sessions/{session_id}", SIGNED_IN, api=True),
    Route("POST", "/api/v1/training/sessions/{session_id}/enrolments", SIGNED_IN, api=True),
    Route("GET", "/api/v1/training/sessions/{session_id}/participants", TEACHERS, api=True),
    Route("PUT", "/api/v1/training/sessions/{session_id}/attendance", TEACHERS, api=True),
    Route("GET", "/api/v1/training/me/enrolments", SIGNED_IN, api=True),
    Route(
        "POST", "/api/v1/training/enrolments/{enrolment_id}/withdraw", LEARNER_OR_STAFF, api=True
    ),
    Route("POST", "/api/v1/training/enrolments/{enrolment_id}/accept", LEARNER, api=True),
    Route("POST", "/api/v1/training/enrolments/{enrolment_id}/decline", LEARNER, api=True),
    Route("POST", "/api/v1/training/enrolments/{enrolment_id}/assessments", TEACHERS, api=True),
    Route(
        "GET",
        "/api/v1/training/enrolments/{enrolment_id}/assessments",
        LEARNER_OR_TEACHERS,
        api=True,
    ),
    # the pages' other forms, through the API (tests/kernel/test_api_parity.py)
    Route("PUT", "/api/v1/training/modules/{module_id}", MANAGERS, api=True),
    Route("POST", "/api/v1/training/modules/{module_id}/materials", MANAGERS, api=True),
    Route(
        "POST",
        "/api/v1/training/modules/{module_id}/materials",
        MANAGERS,
        api=True,
        data={"title": "Manual", "url": "https://example.org/manual"},
    ),
    Route("PUT", "/api/v1/training/sessions/{session_id}", STAFF, api=True),
    Route("POST", "/api/v1/training/sessions/{session_id}/cancel", STAFF, api=True),
    Route(
        "POST",
        "/api/v1/training/sessions/{session_id}/cancel",
        STAFF,
        api=True,
        data={"reason": "Trainer ill"},
    ),
    Route("PUT", "/api/v1/training/facilities/{facility_id}/settings", STAFF, api=True),
    Route(
        "PUT",
        "/api/v1/training/facilities/{facility_id}/settings",
        STAFF,
        api=True,
        data={"offer_hours": 12, "reminder_hours": 24},
    ),
    Route("POST", "/api/v1/training/me/feed", SIGNED_IN, api=True),
    Route("DELETE", "/api/v1/training/me/feed", SIGNED_IN, api=True),
]

# Open to everyone by design: the catalog, module and session pages, and the calendars (the
# personal feed is guarded by its secret address).
PUBLIC = {
    "/training/",
    "/training/modules/<int:module_id>",
    "/training/sessions/<int:session_id>",
    "/training/sessions/<int:session_id>.ics",
    "/training/facilities/<slug>/training.ics",
    "/training/feeds/<token>.ics",
}
BLUEPRINTS = {"training", "training_api", "training_manage_api"}


@pytest.fixture
def world(
    make_user,
    make_org,
    make_facility,
    grant,
    make_competence,
    make_module,
    make_session,
    db_session,
):
    from innocore.facilities.models import Facility
    from training.models import Enrolment, EnrolmentStatus, MaterialKind, ModuleMaterial

    people, ids = build_world(make_user, make_org, make_facility, grant, make_competence)
    facility = db_session.get(Facility, ids["facility_id"])
    module = make_module(facility)
    network_module = make_module(None)
    session = make_session(
        module,
        starts_at=clock_module.now() + timedelta(days=10),
        trainers=[people["trainer"]],
    )
    now = clock_module.now()
    enrolment = Enrolment(
        session_id=session.id,
        user_id=people["member"].id,
        status=EnrolmentStatus.ENROLLED,
        enrolled_by_id=people["member"].id,
        created_at=now,
        queue_number=1,
        fee_category=UserCategory.EXTERNAL_ACADEMIC,
        fee_amount=Decimal("100"),
    )
    material = ModuleMaterial(
        module_id=module.id,
        kind=MaterialKind.LINK,
        title="Slides",
        url="https://example.org/slides",
        created_at=now,
        created_by_id=people["manager"].id,
    )
    db_session.add_all([enrolment, material])
    db_session.commit()
    ids |= {
        "module_id": module.id,
        "network_module_id": network_module.id,
        "session_id": session.id,
        "enrolment_id": enrolment.id,
        "material_id": material.id,
    }
    return people, ids


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_route_admits_only_its_roles(client, api_headers, world, route):
    people, ids = world
    check_all(client, api_headers, people, ids, route)


def test_every_training_route_is_in_the_matrix_or_public(app):
    listed = {(r.method, r.url) for r in ROUTES}

    def template(rule: str) -> str:
        return (
            rule.replace("<slug>", "{slug}")
            .replace("<int:facility_id>", "{facility_id}")
            .replace("<int:module_id>", "{module_id}")
            .replace("<int:session_id>", "{session_id}")
            .replace("<int:enrolment_id>", "{enrolment_id}")
            .replace("<int:material_id>", "{material_id}")
        )

    missing = []
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rsplit(".", 1)[0] if "." in rule.endpoint else None
        if blueprint not in BLUEPRINTS or rule.rule in PUBLIC:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (method, template(rule.rule)) not in listed:
                missing.append(f"{method} {rule.rule}")
    assert missing == []
