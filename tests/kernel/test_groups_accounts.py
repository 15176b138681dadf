"""Research groups (PI approves members) and billing accounts (owned by a group or a company)."""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from innocore import groups
from innocore.errors import DomainError, Forbidden
from innocore.extensions import db
from innocore.ledger.accounts import (
    AccountInput,
    AccountKind,
    account_problems,
    chargeable_accounts,
    check_account,
    create_account,
)
from innocore.notifications.models import Notification
from innocore.vocab import MembershipMethod, OrganisationKind, OrgRole


@pytest.mark.parametrize(
    ("code", "name", "start", "end", "budget", "codes"),
    [
        ("ERC-1", "Starting grant", date(2026, 1, 1), None, None, set()),
        ("", "x", date(2026, 1, 1), None, None, {"code_required"}),
        ("C", " ", date(2026, 1, 1), None, None, {"name_required"}),
        ("C", "N", date(2026, 2, 1), date(2026, 1, 31), None, {"valid_range"}),
        ("C", "N", date(2026, 1, 1), date(2026, 1, 1), Decimal("-1"), {"budget_negative"}),
    ],
)
def test_account_problems(code, name, start, end, budget, codes):
    data = AccountInput(AccountKind.GRANT, code, name, start, end, budget, group_id=1)
    assert {p.code for p in account_problems(data)} == codes


@pytest.fixture
def lab(make_org, make_user):
    uni = make_org()
    pi = make_user(organisation=uni)
    group = groups.create_group(pi, "Cell  Imaging Lab")
    db.session.commit()  # a savepoint: a view's rollback keeps it
    return uni, pi, group


def test_join_by_request_the_pi_approves_and_verifies_the_claim(
    lab, make_user, client, api_headers
):
    uni, pi, group = lab
    student = make_user(organisation=uni, member=False)
    headers = api_headers(student)
    asked = client.post(f"/api/v1/groups/{group.id}/join", headers=headers)
    assert asked.status_code == 201 and asked.get_json()["status"] == "pending"
    assert db.session.scalar(
        sa.select(Notification.id).where(
            Notification.user_id == pi.id, Notification.subject.contains("asks to join")
        )
    )
    again = client.post(f"/api/v1/groups/{group.id}/join", headers=headers)
    assert again.status_code == 422
    refused = client.post(
        f"/api/v1/groups/{group.id}/members/{student.id}/decision",
        json={"decision": "approved"},
        headers=headers,
    )
    assert refused.status_code == 403
    approved = client.post(
        f"/api/v1/groups/{group.id}/members/{student.id}/decision",
        json={"decision": "approved"},
        headers=api_headers(pi),
    )
    assert approved.get_json()["status"] == "active"
    assert student.membership_method == MembershipMethod.ADMIN_APPROVAL  # the group's admin
    left = client.post(
        f"/api/v1/groups/{group.id}/members/{student.id}/decision",
        json={"decision": "removed"},
        headers=headers,
    )
    assert left.get_json()["status"] == "left"


def test_only_verified_members_of_institutions_found_groups(make_user, make_org):
    with pytest.raises(DomainError) as err:
        groups.create_group(make_user(member=False), "Lab")
    assert err.value.problems[0].code == "not_verified"
    company = make_org(kind=OrganisationKind.COMPANY)
    with pytest.raises(DomainError):
        groups.create_group(make_user(organisation=company), "Lab")
    other = make_user()
    with pytest.raises(DomainError) as err:
        groups.request_to_join(other, groups.create_group(make_user(), "Lab").id)
    assert err.value.problems[0].code == "other_organisation"


def test_accounts_are_chargeable_by_active_members_while_valid(lab, make_user, clock):
    uni, pi, group = lab
    grant = create_account(
        pi,
        AccountInput(
            AccountKind.GRANT,
            "ERC-77",
            "ERC grant",
            date(2026, 1, 1),
            date(2026, 6, 30),
            Decimal("5000"),
            group_id=group.id,
        ),
    )
    member, outsider = make_user(organisation=uni), make_user(organisation=uni)
    groups.request_to_join(member, group.id)
    groups.decide_member(pi, group.id, member.id, "approved")
    assert chargeable_accounts(member, date(2026, 3, 1)) == [grant]
    assert chargeable_accounts(member, date(2026, 7, 1)) == []  # expired
    assert chargeable_accounts(outsider, date(2026, 3, 1)) == []
    assert check_account(member, None, date(2026, 3, 1))[0].code == "account_required"
    assert check_account(outsider, grant.id, date(2026, 3, 1))[0].code == "account_not_chargeable"
    assert check_account(outsider, None, date(2026, 3, 1)) == []  # nothing to choose from
    with pytest.raises(Forbidden):
        create_account(
            member, AccountInput(AccountKind.GRANT, "X", "X", date(2026, 1, 1), group_id=group.id)
        )


def test_company_accounts_are_opened_by_its_administrators(
    make_org, make_user, client, api_headers
):
    company = make_org(kind=OrganisationKind.COMPANY)
    admin = make_user(organisation=company, org_role=OrgRole.ADMIN)
    scientist = make_user(organisation=company)
    body = {
        "kind": "purchase_order",
        "code": "PO-4411",
        "name": "Imaging 2026",
        "valid_from": "2026-01-01",
        "budget": "12000.00",
        "company": True,
    }
    made = client.post("/api/v1/billing-accounts", json=body, headers=api_headers(admin))
    assert made.status_code == 201 and made.get_json()["company_id"] == company.id
    assert made.get_json()["valid_from"] == "2026-01-01"  # ISO 8601, as the document says
    mine = client.get("/api/v1/billing-accounts", headers=api_headers(scientist)).get_json()
    assert [a["code"] for a in mine["items"]] == ["PO-4411"]
    refused = client.post("/api/v1/billing-accounts", json=body, headers=api_headers(scientist))
    assert refused.status_code == 403
    bad = client.post(
        "/api/v1/billing-accounts",
        headers=api_headers(admin),
        json=body | {"valid_until": "2025-12-31"},
    )
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["code"] == "valid_range"


def test_group_pages_for_pi_and_member(lab, make_user, login_as, client):
    uni, pi, group = lab
    page = login_as(pi).get(f"/groups/{group.id}").get_data(as_text=True)
    assert "Open an account" in page and "Usage by member" in page
    made = client.post(
        f"/groups/{group.id}/accounts",
        data={
            "kind": "cost_centre",
            "code": "CC-12",
            "name": "Core budget",
            "valid_from": "2026-01-01",
            "budget": "lots",
        },
    )
    assert made.status_code == 422 and "Give the budget in EUR" in made.get_data(as_text=True)
    stranger = make_user()
    assert login_as(stranger).get(f"/groups/{group.id}").status_code == 404
    member = make_user(organisation=uni)
    login_as(member).post(f"/groups/{group.id}/join")
    assert "Open an account" not in client.get(f"/groups/{group.id}").get_data(as_text=True)


def test_one_owner_has_one_account_per_code_up_to_case(
    lab, make_org, make_user, client, api_headers, login_as, monkeypatch
):
    uni, pi, group = lab
    other_pi = make_user(organisation=uni)
    other = groups.create_group(other_pi, "Another lab")
    first = AccountInput(
        AccountKind.GRANT, "ERC-77", "ERC grant", date(2026, 1, 1), group_id=group.id
    )
    create_account(pi, first)
    # Another group may use the same code: codes are the owner's.
    create_account(
        other_pi,
        AccountInput(AccountKind.GRANT, "erc-77", "X", date(2026, 1, 1), group_id=other.id),
    )
    headers = api_headers(pi)
    db.session.commit()  # a refused request rolls back: the account and the token stay
    with pytest.raises(DomainError) as err:
        create_account(
            pi,
            AccountInput(
                AccountKind.COST_CENTRE, " erc-77 ", "Y", date(2026, 1, 1), group_id=group.id
            ),
        )
    assert [(p.code, p.field) for p in err.value.problems] == [("account_code_taken", "code")]
    body = {
        "kind": "grant",
        "code": "Erc-77",
        "name": "Again",
        "valid_from": "2026-01-01",
        "group_id": group.id,
    }
    api = client.post("/api/v1/billing-accounts", json=body, headers=headers)
    assert api.status_code == 422
    assert api.get_json()["errors"] == [
        {
            "code": "account_code_taken",
            "message": "The owner already has an account with this code.",
            "field": "code",
        }
    ]
    # Two requests that both passed the check: the unique index refuses the second, and the
    # person reads the same problem, not a server error.
    with monkeypatch.context() as m:
        m.setattr("innocore.ledger.accounts._code_taken", lambda owner, code: False)
        raced = client.post("/api/v1/billing-accounts", json=body, headers=headers)
    assert raced.status_code == 422
    assert raced.get_json()["errors"][0]["code"] == "account_code_taken"
    company = make_org(kind=OrganisationKind.COMPANY)
    admin = make_user(organisation=company, org_role=OrgRole.ADMIN)
    admin_headers = api_headers(admin)
    db.session.commit()
    po = {
        "kind": "purchase_order",
        "code": "PO-1",
        "name": "P",
        "valid_from": "2026-01-01",
        "company": True,
    }
    assert (
        client.post("/api/v1/billing-accounts", json=po, headers=admin_headers).status_code == 201
    )
    again = client.post(
        "/api/v1/billing-accounts", json=po | {"code": "po-1"}, headers=admin_headers
    )
    assert (
        again.status_code == 422 and again.get_json()["errors"][0]["code"] == "account_code_taken"
    )
    page = login_as(pi).post(f"/groups/{group.id}/accounts", data=body)
    assert page.status_code == 422
    assert "The owner already has an account with this code." in page.get_data(as_text=True)
