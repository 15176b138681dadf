"""Every route of services, requests, quotes, charges and company accounts x every role.

The request belongs to the plain ``member``; the company administrator is of another company, so
they must not see it either (see tests/support/matrix.py for the roles).
"""

from datetime import timedelta
from decimal import Decimal

import pytest

from innocore import clock
from tests.support.matrix import SIGNED_IN, Route, build_world, check_all

MANAGERS = frozenset({"manager", "admin"})
STAFF = frozenset({"staff", "manager", "admin"})
REQUESTER = frozenset({"member"})
SEES = REQUESTER | STAFF
COMPANY = frozenset({"company_admin"})
COMPANY_OR_ADMIN = frozenset({"company_admin", "admin"})
INBOX = frozenset({"staff", "manager", "other_manager", "admin"})
ADMIN = frozenset({"admin"})

R = "/requests/{request_id}"
A = "/api/v1/requests/{request_id}"
ROUTES = [
    Route("GET", "/requests/facilities/{facility_id}/request", SIGNED_IN),
    Route("POST", "/requests/facilities/{facility_id}/request", SIGNED_IN),
    Route("GET", "/requests/mine", SIGNED_IN),
    Route("GET", "/requests/company", COMPANY),
    Route("GET", "/requests/inbox", INBOX),
    Route("GET", R, SEES),
    Route("POST", R + "/messages", SEES),
    Route("POST", R + "/attachments", REQUESTER),
    Route("POST", R + "/withdraw", REQUESTER),
    Route("POST", R + "/reject", STAFF),
    Route("POST", R + "/start", STAFF),
    Route("POST", R + "/deliverables", STAFF),
    Route("POST", R + "/deliver", STAFF),
    Route("POST", R + "/close", SEES),
    Route("POST", R + "/book", STAFF),
    Route("POST", R + "/quotes/{quote_id}/accept", REQUESTER),
    Route("POST", R + "/quotes/{quote_id}/decline", REQUESTER),
    Route("GET", R + "/quotes/{quote_id}.pdf", SEES),
    Route("GET", R + "/quote", STAFF),
    Route("POST", R + "/quote", STAFF),
    Route("GET", "/requests/files/{file_id}", SEES),
    Route("POST", "/requests/facilities/{facility_id}/expertise", MANAGERS),
    Route("POST", "/requests/expertise/{expertise_id}/remove", MANAGERS),
    Route("GET", "/requests/facilities/{facility_id}/services/new", MANAGERS),
    Route("POST", "/requests/facilities/{facility_id}/services/new", MANAGERS),
    Route("GET", "/requests/services/{service_id}/edit", MANAGERS),
    Route("POST", "/requests/services/{service_id}/edit", MANAGERS),
    Route("GET", "/charges/organisations/{company_id}", COMPANY_OR_ADMIN),
    Route("GET", "/charges/organisations/{company_id}.csv", COMPANY_OR_ADMIN),
    Route("GET", "/charges/organisations/{company_id}.pdf", COMPANY_OR_ADMIN),
    Route("GET", "/charges/company", COMPANY),
    Route("GET", "/charges/company/bookings", COMPANY),
    Route("GET", "/charges/mine", SIGNED_IN),
    Route("GET", "/charges/facilities/{facility_id}", MANAGERS),
    Route("GET", "/charges/facilities/{facility_id}.csv", MANAGERS),
    Route("GET", "/charges/facilities/{facility_id}.pdf", MANAGERS),
    Route("GET", "/charges/facilities/{facility_id}/policy", MANAGERS),
    Route("POST", "/charges/facilities/{facility_id}/policy", MANAGERS),
    Route("GET", "/charges/network", ADMIN),
    Route("GET", "/training/company/enrolments", COMPANY),
    Route("POST", "/training/company/enrolments", COMPANY),
    Route("GET", "/company/", COMPANY),
    Route("POST", "/company/invite", COMPANY),
    Route("POST", "/company/invitations/{invitation_id}/revoke", COMPANY),
    Route("POST", "/company/people/{company_admin_id}/role", COMPANY),
    Route("GET", "/api/v1/services", SIGNED_IN, api=True),
    Route("GET", "/api/v1/services/{service_id}", SIGNED_IN, api=True),
    Route(
        "POST",
        "/api/v1/services",
        MANAGERS,
        api=True,
        data={"facility_id": "{facility_id}", "name": "X", "unit": "hour"},
    ),
    Route(
        "PUT",
        "/api/v1/services/{service_id}",
        MANAGERS,
        api=True,
        data={"facility_id": 0, "name": "X", "unit": "hour"},
    ),
    Route("GET", "/api/v1/expertise", SIGNED_IN, api=True),
    Route("GET", "/api/v1/requests", SIGNED_IN, api=True),
    Route("POST", "/api/v1/requests", SIGNED_IN, api=True),
    Route("GET", A, SEES, api=True),
    Route("POST", A + "/transitions", SEES, api=True, data={"action": "close"}),
    Route("GET", A + "/messages", SEES, api=True),
    Route("POST", A + "/messages", SEES, api=True, data={"body": "hello"}),
    Route("GET", A + "/quotes", SEES, api=True),
    Route("POST", A + "/quotes", STAFF, api=True),
    Route("POST", A + "/quotes/{quote_id}/accept", REQUESTER, api=True),
    Route("POST", A + "/quotes/{quote_id}/decline", REQUESTER, api=True),
    Route("POST", A + "/deliverables", STAFF, api=True, data={"url": "https://x.example/y"}),
    Route("GET", "/api/v1/charges", SIGNED_IN, api=True),
    Route("GET", "/api/v1/organisations/{company_id}/statement", COMPANY_OR_ADMIN, api=True),
    Route("GET", "/api/v1/facilities/{facility_id}/revenue", MANAGERS, api=True),
    Route("GET", "/api/v1/facilities/{facility_id}/charges", MANAGERS, api=True),
    Route("GET", "/api/v1/charges/network", ADMIN, api=True),
    # the pages' other forms, through the API (tests/kernel/test_api_parity.py)
    Route("PUT", "/api/v1/facilities/{facility_id}/charge-policy", MANAGERS, api=True),
    Route(
        "PUT",
        "/api/v1/facilities/{facility_id}/charge-policy",
        MANAGERS,
        api=True,
        data={"currency": "EUR", "late_cancel_share": "0.5", "no_show_share": "1"},
    ),
    Route("GET", "/api/v1/company/invitations", COMPANY, api=True),
    Route(
        "POST",
        "/api/v1/company/invitations",
        COMPANY,
        api=True,
        data={"email": "new.person@example.org"},
    ),
    Route("POST", "/api/v1/company/invitations/{invitation_id}/revoke", COMPANY, api=True),
    Route(
        "PUT",
        "/api/v1/company/people/{company_admin_id}/role",
        COMPANY,
        api=True,
        data={"admin": True},
    ),
    Route("POST", A + "/attachments", REQUESTER, api=True),
    Route("POST", A + "/bookings", STAFF, api=True),
    Route(
        "POST",
        "/api/v1/facilities/{facility_id}/expertise",
        MANAGERS,
        api=True,
        data={"topic": "Cryo"},
    ),
    Route("DELETE", "/api/v1/expertise/{expertise_id}", MANAGERS, api=True),
]

PUBLIC = {
    "/requests/services",
    "/requests/directory",
    "/requests/facilities/<slug>",
    "/company/join/<token>",
}
MY_BLUEPRINTS = {
    "requests",
    "charges",
    "companies",
    "training_company",
    "company_bookings",
    "requests_api",
    "charges_api",
    "companies_api",
}


@pytest.fixture
def world(make_user, make_org, make_facility, grant, make_competence, db_session):
    from innocore.accounts.models import User
    from innocore.extensions import db
    from innocore.membership.companies import invite_employee
    from innocore.vocab import UserCategory
    from instruments.requests import rules, services
    from instruments.requests.models import ServiceUnit
    from instruments.requests.offerings import ServiceData, add_expertise, create_service
    from tests.instruments.requests.conftest import PDF

    people, ids = build_world(make_user, make_org, make_facility, grant, make_competence)
    admin = people["admin"]
    service = create_service(
        admin,
        ids["facility_id"],
        ServiceData(
            name="Run", unit=ServiceUnit.SAMPLE, prices={UserCategory.INDUSTRY: Decimal("5")}
        ),
    )
    expertise = add_expertise(admin, ids["facility_id"], topic="Imaging")
    request = services.submit_request(
        people["member"],
        ids["facility_id"],
        service.id,
        services.RequestInput(
            "Run",
            "Please",
            samples=2,
            attachments=[services.Upload("a.pdf", "application/pdf", PDF)],
        ),
    )
    quote = services.issue_quote(
        admin,
        request.id,
        [rules.LineInput("Run", "x", 1, 5)],
        valid_until_on=clock.now().date() + timedelta(days=5),
    )
    invitation, _ = invite_employee(people["company_admin"], "someone@example.org")
    db_session.commit()
    file_id = services.request_files(request.id)[0].id
    company_admin = db.session.get(User, people["company_admin"].id)
    ids |= {
        "request_id": request.id,
        "quote_id": quote.id,
        "service_id": service.id,
        "expertise_id": expertise.id,
        "file_id": file_id,
        "invitation_id": invitation.id,
        "company_id": company_admin.organisation_id,
        "company_admin_id": company_admin.id,
    }
    return people, ids


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_route_admits_only_its_roles(client, api_headers, world, route):
    people, ids = world
    if route.data and "{facility_id}" in str(route.data.values()):
        route = Route(
            route.method,
            route.url,
            route.allowed,
            route.api,
            {**route.data, "facility_id": ids["facility_id"]},
        )
    check_all(client, api_headers, people, ids, route)


def test_every_route_of_this_issue_is_in_the_matrix_or_public(app):
    import re

    listed = {r.url for r in ROUTES}
    missing = []
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rsplit(".", 1)[0] if "." in rule.endpoint else None
        if blueprint not in MY_BLUEPRINTS or rule.rule in PUBLIC:
            continue
        template = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule)
        template = template.replace("{organisation_id}", "{company_id}")
        template = template.replace("{user_id}", "{company_admin_id}")
        variants = {template.replace("{decision}", d) for d in ("accept", "decline")}
        if not variants & listed:
            missing.append(rule.rule)
    assert missing == []
