"""Every protected kernel route x every role (see tests/support/matrix.py)."""

from datetime import date

import pytest

from tests.support.matrix import SIGNED_IN, Route, build_world, check_all

MANAGERS = frozenset({"manager", "admin"})
ANY_MANAGER = frozenset({"manager", "other_manager", "admin"})
ADMIN = frozenset({"admin"})
COMPANY = frozenset({"company_admin", "admin"})
# Who decides memberships: the institution's facility managers and network admins; the list page
# is open to anyone administering some organisation (a company administrator: their company).
DECIDERS = frozenset({"manager", "other_manager", "admin", "company_admin"})
COMPANY_ADMIN = frozenset({"company_admin"})
ACCOUNT_FORM = {"kind": "grant", "code": "M-1", "name": "Matrix grant", "valid_from": "2026-01-01"}

ROUTES = [
    Route("GET", "/dashboard", SIGNED_IN),
    Route("GET", "/notifications", SIGNED_IN),
    Route("POST", "/notifications/read", SIGNED_IN),
    Route("GET", "/notifications/preferences", SIGNED_IN),
    Route("POST", "/notifications/preferences", SIGNED_IN),
    Route("GET", "/profile", SIGNED_IN),
    Route("POST", "/profile", SIGNED_IN),
    Route("POST", "/profile/password", SIGNED_IN),
    Route("POST", "/profile/tokens", SIGNED_IN),
    Route("POST", "/profile/kiosk-pin", SIGNED_IN),
    Route("POST", "/logout", SIGNED_IN),
    Route("GET", "/facilities/new", ADMIN),
    Route("POST", "/facilities/new", ADMIN),
    Route("GET", "/facilities/{slug}/edit", MANAGERS),
    Route("POST", "/facilities/{slug}/edit", MANAGERS),
    Route("GET", "/facilities/{slug}/staff", MANAGERS),
    Route("POST", "/facilities/{slug}/staff", MANAGERS),
    Route("POST", "/facilities/{slug}/staff/{staff_role_id}/remove", MANAGERS),
    Route("GET", "/competences/new", ANY_MANAGER),
    Route("POST", "/competences/new", ANY_MANAGER),
    Route("GET", "/competences/{competence_id}/edit", MANAGERS),
    Route("POST", "/competences/{competence_id}/edit", MANAGERS),
    Route("POST", "/competences/{competence_id}/retire", MANAGERS),
    Route("GET", "/audit/", ANY_MANAGER),
    Route("GET", "/sso/organisations", ADMIN),
    Route("GET", "/sso/organisations/{company_id}", ADMIN),
    Route(
        "POST",
        "/sso/organisations/{company_id}",
        ADMIN,
        data={
            "protocol": "oidc",
            "issuer": "https://idp.example",
            "client_id": "x",
            "email_claim": "email",
            "name_claim": "name",
        },
    ),
    Route("GET", "/api/v1/organisations/sso", ADMIN, api=True),
    Route("GET", "/api/v1/organisations/{company_id}/sso", ADMIN, api=True),
    Route(
        "PUT",
        "/api/v1/organisations/{company_id}/sso",
        ADMIN,
        api=True,
        data={"issuer": "https://idp.example", "client_id": "x"},
    ),
    Route("GET", "/api/v1/me", SIGNED_IN, api=True),
    Route("PATCH", "/api/v1/me", SIGNED_IN, api=True, data={"name": "Renamed"}),
    Route("GET", "/api/v1/me/tokens", SIGNED_IN, api=True),
    Route("PUT", "/api/v1/me/kiosk-pin", SIGNED_IN, api=True, data={"pin": "2468"}),
    Route("POST", "/api/v1/me/tokens", SIGNED_IN, api=True, data={"name": "t"}),
    Route("GET", "/api/v1/me/notifications", SIGNED_IN, api=True),
    Route("GET", "/api/v1/me/notification-preferences", SIGNED_IN, api=True),
    Route(
        "PUT",
        "/api/v1/me/notification-preferences",
        SIGNED_IN,
        api=True,
        data={"email": {"reminders": False}},
    ),
    Route("GET", "/api/v1/organisations", SIGNED_IN, api=True),
    Route("GET", "/api/v1/facilities", SIGNED_IN, api=True),
    Route("GET", "/api/v1/facilities/{facility_id}", SIGNED_IN, api=True),
    Route("POST", "/api/v1/facilities", ADMIN, api=True, data={"slug": "x"}),
    Route("PUT", "/api/v1/facilities/{facility_id}", MANAGERS, api=True, data={"slug": "x"}),
    Route("GET", "/api/v1/facilities/{facility_id}/roles", MANAGERS, api=True),
    Route(
        "POST",
        "/api/v1/facilities/{facility_id}/roles",
        MANAGERS,
        api=True,
        data={"email": "nobody@example.org", "role": "staff"},
    ),
    Route("DELETE", "/api/v1/facilities/{facility_id}/roles/{staff_role_id}", MANAGERS, api=True),
    Route("GET", "/api/v1/competences", SIGNED_IN, api=True),
    Route("GET", "/api/v1/competences/{competence_id}", SIGNED_IN, api=True),
    Route(
        "PUT",
        "/api/v1/competences/{competence_id}",
        MANAGERS,
        api=True,
        data={"code": "X", "title": "T", "technology": "other", "levels": ["a"]},
    ),
    Route("GET", "/api/v1/audit", ANY_MANAGER, api=True),
    Route("POST", "/api/v1/competences/{competence_id}/retire", MANAGERS, api=True),
    Route(
        "POST",
        "/api/v1/competences/{competence_id}/retire",
        MANAGERS,
        api=True,
        data={"retired": True},
    ),
    Route("GET", "/reports/", SIGNED_IN),
    Route("GET", "/reports/me", SIGNED_IN),
    Route("GET", "/reports/facilities/{facility_id}", MANAGERS),
    Route("GET", "/reports/network", ADMIN),
    Route("GET", "/reports/companies/{company_id}", COMPANY),
    Route("GET", "/api/v1/reports/me", SIGNED_IN, api=True),
    Route("GET", "/api/v1/reports/facilities/{facility_id}", MANAGERS, api=True),
    Route("GET", "/api/v1/reports/network", ADMIN, api=True),
    Route("GET", "/api/v1/reports/companies/{company_id}", COMPANY, api=True),
    # verified membership
    Route("POST", "/profile/organisation", SIGNED_IN, data={"organisation": "{institution_id}"}),
    Route("GET", "/organisations/members", DECIDERS),
    Route("GET", "/organisations/{institution_id}/members", MANAGERS),
    Route(
        "POST",
        "/organisations/{institution_id}/domains",
        MANAGERS,
        data={"domain": "matrix.example"},
    ),
    Route("POST", "/organisations/{institution_id}/domains/{domain_id}/remove", MANAGERS),
    Route("POST", "/organisations/{institution_id}/members/{claimant_id}/approve", MANAGERS),
    Route("POST", "/organisations/{institution_id}/members/{claimant_id}/decline", MANAGERS),
    Route("POST", "/organisations/{institution_id}/members/{claimant_id}/revoke", MANAGERS),
    Route("GET", "/api/v1/me/membership", SIGNED_IN, api=True),
    Route(
        "PUT",
        "/api/v1/me/organisation",
        SIGNED_IN,
        api=True,
        data={"organisation_id": "{institution_id}"},
    ),
    Route("GET", "/api/v1/organisations/{institution_id}/members", MANAGERS, api=True),
    Route(
        "POST",
        "/api/v1/organisations/{institution_id}/members/{claimant_id}/decision",
        MANAGERS,
        api=True,
        data={"decision": "approved"},
    ),
    Route("GET", "/api/v1/organisations/{institution_id}/domains", MANAGERS, api=True),
    Route(
        "POST",
        "/api/v1/organisations/{institution_id}/domains",
        MANAGERS,
        api=True,
        data={"domain": "matrix.example"},
    ),
    Route(
        "POST",
        "/api/v1/organisations/{institution_id}/domains/{domain_id}/remove",
        MANAGERS,
        api=True,
    ),
    # research groups (the manager is the world's group PI) and billing accounts
    Route("GET", "/groups/", SIGNED_IN),
    Route("POST", "/groups/", SIGNED_IN, data={"name": "Another lab"}),
    Route("GET", "/groups/{group_id}", MANAGERS),
    Route("POST", "/groups/{group_id}/join", SIGNED_IN),
    Route("POST", "/groups/{group_id}/members/{claimant_id}/approve", MANAGERS),
    Route("POST", "/groups/{group_id}/accounts", MANAGERS, data=ACCOUNT_FORM),
    Route("GET", "/billing-accounts/", SIGNED_IN),
    Route("POST", "/billing-accounts/", COMPANY_ADMIN, data=ACCOUNT_FORM),
    Route("GET", "/billing-accounts/{account_id}", MANAGERS),
    Route("GET", "/api/v1/groups", SIGNED_IN, api=True),
    Route("POST", "/api/v1/groups", SIGNED_IN, api=True, data={"name": "Another lab"}),
    Route("GET", "/api/v1/groups/{group_id}/members", MANAGERS, api=True),
    Route("POST", "/api/v1/groups/{group_id}/join", SIGNED_IN, api=True),
    Route(
        "POST",
        "/api/v1/groups/{group_id}/members/{claimant_id}/decision",
        MANAGERS,
        api=True,
        data={"decision": "approved"},
    ),
    Route("GET", "/api/v1/groups/{group_id}/usage", MANAGERS, api=True),
    Route("GET", "/api/v1/billing-accounts", SIGNED_IN, api=True),
    Route(
        "POST",
        "/api/v1/billing-accounts",
        MANAGERS,
        api=True,
        data=ACCOUNT_FORM | {"group_id": "{group_id}"},
    ),
    Route("GET", "/api/v1/billing-accounts/{account_id}/charges", MANAGERS, api=True),
    # the account owners' approvals inbox: nothing here awaits anyone, so every decision is a 404
    Route("GET", "/billing-accounts/approvals", SIGNED_IN),
    Route("POST", "/billing-accounts/approvals/{kind}/{item_id}/approve", frozenset()),
    Route(
        "POST",
        "/billing-accounts/approvals/{kind}/{item_id}/refuse",
        frozenset(),
        data={"reason": "No", "confirmed": "1"},
    ),
    Route("GET", "/api/v1/billing-accounts/approvals", SIGNED_IN, api=True),
    Route(
        "POST", "/api/v1/billing-accounts/approvals/{kind}/{item_id}/approve", frozenset(), api=True
    ),
    Route(
        "POST",
        "/api/v1/billing-accounts/approvals/{kind}/{item_id}/refuse",
        frozenset(),
        api=True,
        data={"reason": "No"},
    ),
]

PUBLIC = {
    "/",
    "/login",
    "/register",
    "/verify/<email_token:token>",
    "/verify/resend",
    "/password/forgot",
    "/password/reset/<token>",
    "/facilities/",
    "/facilities/<slug>",
    "/competences/",
    "/competences/<int:competence_id>",
    "/healthz",
    "/favicon.ico",
    "/static/<path:filename>",
    "/api/v1/",
    "/api/v1/openapi.json",
    "/api/v1/docs",
    "/api/v1/docs/assets/<path:filename>",
    "/sso/<int:organisation_id>/login",
    "/sso/<int:organisation_id>/callback",
    "/sso/saml/acs",
    "/sso/saml/metadata",
    "/sso/saml/slo",
    "/sso/signed-out",
}
KERNEL_BLUEPRINTS = {
    "core",
    "accounts",
    "facilities",
    "competences",
    "audit",
    "api",
    "facilities_api",
    "competences_api",
    "reports",
    "reports_api",
    "sso",
    "sso_api",
    "membership",
    "membership_api",
    "groups",
    "groups_api",
    "account_statement",
    "account_approvals",
    "approvals_api",
    None,
}


@pytest.fixture
def world(make_user, make_org, make_facility, grant, make_competence, db_session):
    from innocore import clock, groups
    from innocore.accounts.models import OrganisationDomain
    from innocore.facilities.models import Facility
    from innocore.groups import ResearchGroup
    from innocore.ledger.accounts import AccountInput, AccountKind, create_account

    people, ids = build_world(make_user, make_org, make_facility, grant, make_competence)
    institution = db_session.get(Facility, ids["facility_id"]).institution
    claimant = make_user(organisation=institution, member=False)
    domain = OrganisationDomain(
        organisation_id=institution.id,
        domain="matrix-own.example",
        added_by_id=people["admin"].id,
        created_at=clock.now(),
    )
    db_session.add(domain)
    # a group of the institution led by the manager, with the claimant asking to join
    group = ResearchGroup(
        name="Matrix lab",
        organisation_id=institution.id,
        pi_id=people["manager"].id,
        created_at=clock.now(),
    )
    db_session.add(group)
    db_session.flush()
    groups.request_to_join(claimant, group.id)
    account = create_account(
        people["manager"],
        AccountInput(
            AccountKind.GRANT, "MX-1", "Matrix grant", date(2026, 1, 1), group_id=group.id
        ),
    )
    db_session.commit()
    return people, ids | {
        "institution_id": institution.id,
        "claimant_id": claimant.id,
        "domain_id": domain.id,
        "group_id": group.id,
        "account_id": account.id,
        "kind": "enrolment",
        "item_id": 999_999,
    }


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_route_admits_only_its_roles(client, api_headers, world, route):
    people, ids = world
    check_all(client, api_headers, people, ids, route)


def test_every_kernel_route_is_in_the_matrix_or_public(app):
    listed = {r.url for r in ROUTES}

    def template(rule: str) -> str:
        return (
            rule.replace("<slug>", "{slug}")
            .replace("<int:facility_id>", "{facility_id}")
            .replace("<int:role_id>", "{staff_role_id}")
            .replace("<int:token_id>", "{token}")
            .replace("<int:competence_id>", "{competence_id}")
            .replace("companies/<int:organisation_id>", "companies/{company_id}")
            .replace("/sso/organisations/<int:organisation_id>", "/sso/organisations/{company_id}")
            .replace("/organisations/<int:organisation_id>/sso", "/organisations/{company_id}/sso")
            .replace("<int:organisation_id>", "{institution_id}")
            .replace("<int:domain_id>", "{domain_id}")
            .replace("<int:group_id>", "{group_id}")
            .replace("<int:account_id>", "{account_id}")
            .replace("<kind>", "{kind}")
            .replace("<int:item_id>", "{item_id}")
            .replace("<any(approve, decline, remove):verb>", "approve")
            .replace("<int:user_id>", "{claimant_id}")
            .replace("<any(approve, decline, revoke):verb>", "approve")
        )

    missing = []
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rsplit(".", 1)[0] if "." in rule.endpoint else None
        if blueprint not in KERNEL_BLUEPRINTS or rule.rule in PUBLIC:
            continue
        if (
            template(rule.rule) not in listed
            and "{token}" not in template(rule.rule)
            and "<int:note_id>" not in rule.rule
        ):
            missing.append(rule.rule)
    assert missing == []
