"""Verified membership decides the price: claims, e-mail domains, approvals, invitations, SSO."""

import pytest
import sqlalchemy as sa

from innocore.accounts.models import User
from innocore.accounts.rules import category_for, domain_problems, email_in_domain
from innocore.audit import AuditEvent
from innocore.errors import DomainError
from innocore.extensions import db
from innocore.membership import membership
from innocore.notifications.models import Notification
from innocore.vocab import MembershipMethod, OrganisationKind, OrgRole, UserCategory
from tests.kernel.test_accounts import link_in, register_form


def _user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


@pytest.mark.parametrize(
    ("domain", "kind", "taken", "codes"),
    [
        ("unival.example", OrganisationKind.UNIVERSITY, False, set()),
        ("chem.unival.example", OrganisationKind.HOSPITAL, False, set()),
        ("localhost", OrganisationKind.UNIVERSITY, False, {"domain_invalid"}),
        ("uni val.example", OrganisationKind.UNIVERSITY, False, {"domain_invalid"}),
        ("-bad.example", OrganisationKind.UNIVERSITY, False, {"domain_invalid"}),
        ("gmail.com", OrganisationKind.UNIVERSITY, False, {"domain_public"}),
        ("unival.example", OrganisationKind.UNIVERSITY, True, {"domain_taken"}),
        ("helixa.example", OrganisationKind.COMPANY, False, {"domain_company"}),
    ],
)
def test_domain_problems(domain, kind, taken, codes):
    found = domain_problems(domain, organisation_kind=kind, taken_by_other=taken)
    assert {p.code for p in found} == codes


@pytest.mark.parametrize(
    ("email", "domain", "inside"),
    [
        ("a@unival.example", "unival.example", True),
        ("a@chem.unival.example", "unival.example", True),
        ("a@notunival.example", "unival.example", False),
        ("a@unival.example.evil", "unival.example", False),
    ],
)
def test_email_in_domain_counts_subdomains_only(email, domain, inside):
    assert email_in_domain(email, domain) is inside


def test_a_claim_is_external_until_the_registered_domain_confirms_it(
    client, make_org, make_facility, make_user, deliver
):
    uni = make_org(name="Universita di Valmonte")
    facility = make_facility(institution=uni)
    manager = make_user(organisation=uni)
    membership.verify_membership(manager, uni, MembershipMethod.ADMIN_APPROVAL)
    db.session.execute(sa.update(User).where(User.id == manager.id).values(is_network_admin=True))
    membership.add_domain(manager, uni.id, "@UniVal.example.")
    db.session.commit()

    client.post("/register", data=register_form(uni.id, email="paula@chem.unival.example"))
    paula = _user("paula@chem.unival.example")
    assert not paula.membership_verified
    assert category_for(paula, facility) == UserCategory.EXTERNAL_ACADEMIC
    assert "priced as an external user" in membership.why_external(paula, facility)
    [mail] = deliver()
    client.get(link_in(mail))  # confirming the address verifies the membership
    assert paula.membership_method == MembershipMethod.EMAIL_DOMAIN
    assert category_for(paula, facility) == UserCategory.INTERNAL
    assert membership.why_external(paula, facility) is None

    client.post("/register", data=register_form(uni.id, email="piet@elsewhere.example"))
    piet = _user("piet@elsewhere.example")
    client.get(link_in(deliver()[0]))
    assert not piet.membership_verified  # an address outside the domain waits for an admin


def test_registration_cannot_join_an_existing_company(client, make_org):
    company = make_org(name="Helixa Biotech", kind=OrganisationKind.COMPANY)
    listed = client.post("/register", data=register_form(company.id, email="x@helixa.example"))
    assert listed.status_code == 422  # not even offered in the list
    typed = client.post(
        "/register",
        data=register_form(
            "new",
            new_org_name="helixa  biotech",
            new_org_kind="company",
            new_org_country="IT",
            email="y@helixa.example",
        ),
    )
    assert typed.status_code == 422
    assert b"invitation only" in typed.data
    assert _user("x@helixa.example") is None and _user("y@helixa.example") is None


def test_registering_a_new_company_founds_it(client):
    form = register_form(
        "new", new_org_name="Newco", new_org_kind="company", new_org_country="DE", email="f@n.ex"
    )
    client.post("/register", data=form)
    founder = _user("f@n.ex")
    assert founder.is_company_admin and founder.membership_method == MembershipMethod.FOUNDER


def test_administrator_approves_declines_and_revokes_through_the_api(
    client, make_org, make_facility, make_user, grant, api_headers
):
    uni = make_org()
    facility = make_facility(institution=uni)
    manager = make_user()  # a manager of a facility the institution hosts decides
    grant(manager, facility, "manager")
    claimant = make_user(organisation=uni, member=False)
    other = make_user(organisation=uni, member=False)
    headers = api_headers(manager)
    base = f"/api/v1/organisations/{uni.id}/members"

    pending = client.get(base, headers=headers).get_json()
    assert {p["id"] for p in pending["items"]} == {claimant.id, other.id}
    approved = client.post(
        f"{base}/{claimant.id}/decision", json={"decision": "approved"}, headers=headers
    )
    assert approved.status_code == 200 and approved.get_json()["method"] == "admin_approval"
    assert approved.get_json()["verified_at"].startswith("2026-")  # ISO 8601, not an HTTP date
    assert category_for(claimant, facility) == UserCategory.INTERNAL
    declined = client.post(
        f"{base}/{other.id}/decision", json={"decision": "declined"}, headers=headers
    )
    assert declined.get_json()["declined_at"] is not None
    assert client.get(base, headers=headers).get_json()["items"] == []
    revoked = client.post(
        f"{base}/{claimant.id}/decision", json={"decision": "revoked"}, headers=headers
    )
    assert revoked.status_code == 200
    assert category_for(claimant, facility) == UserCategory.EXTERNAL_ACADEMIC
    again = client.post(
        f"{base}/{claimant.id}/decision", json={"decision": "revoked"}, headers=headers
    )
    assert again.status_code == 422 and again.get_json()["errors"][0]["code"] == "not_verified"
    subjects = db.session.scalars(
        sa.select(Notification.subject).where(Notification.user_id == claimant.id)
    ).all()
    assert any("is confirmed" in s for s in subjects)
    assert any("no longer confirmed" in s for s in subjects)
    actions = set(
        db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.organisation_id == uni.id))
    )
    assert {"membership.verified", "membership.declined", "membership.revoked"} <= actions
    # a member of another institution is not theirs to decide
    stranger = make_user(member=False)
    refused = client.post(
        f"/api/v1/organisations/{stranger.organisation_id}/members/{stranger.id}/decision",
        json={"decision": "approved"},
        headers=headers,
    )
    assert refused.status_code == 403 and not stranger.membership_verified


def test_changing_organisation_re_verifies_and_companies_need_an_invitation(
    client, make_org, make_facility, make_user, api_headers
):
    old, new = make_org(), make_org()
    facility = make_facility(institution=new)
    user = make_user(organisation=old, org_role=OrgRole.ADMIN)
    headers = api_headers(user)
    moved = client.put("/api/v1/me/organisation", json={"organisation_id": new.id}, headers=headers)
    assert moved.status_code == 200 and moved.get_json()["verified"] is False
    assert user.organisation_id == new.id and user.org_role == OrgRole.MEMBER
    assert category_for(user, facility) == UserCategory.EXTERNAL_ACADEMIC
    company = make_org(kind=OrganisationKind.COMPANY)
    refused = client.put(
        "/api/v1/me/organisation", json={"organisation_id": company.id}, headers=headers
    )
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["code"] == "company_needs_invitation"
    assert user.organisation_id == new.id


def test_profile_and_instrument_price_panel_say_why(client, login_as, make_org, make_user):
    uni = make_org(name="Ateneo di Prova")
    user = make_user(organisation=uni, member=False)
    page = login_as(user).get("/profile").get_data(as_text=True)
    assert "Not verified yet" in page and "treated as an external user" in page
    other = make_org(name="Istituto Altro")
    response = client.post("/profile/organisation", data={"organisation": str(other.id)})
    assert response.status_code == 302 and user.organisation_id == other.id


def test_verify_membership_is_the_kernel_entry_point_for_sso(make_org, make_user):
    uni, company = make_org(), make_org(kind=OrganisationKind.COMPANY)
    user = make_user(member=False)
    membership.verify_membership(user, uni, MembershipMethod.SSO)
    assert user.organisation_id == uni.id and user.membership_method == MembershipMethod.SSO
    with pytest.raises(DomainError):
        membership.verify_membership(user, company, MembershipMethod.EMAIL_DOMAIN)
    admin = make_user(organisation=company, org_role=OrgRole.ADMIN, member=False)
    assert not admin.is_company_admin  # an unverified claim administers nothing


def test_domain_registration_verifies_waiting_confirmed_claims(
    make_org, make_user, client, api_headers
):
    uni = make_org()
    admin = make_user(is_network_admin=True)
    waiting = make_user(organisation=uni, member=False, email="w@lab.uni-x.example")
    answer = client.post(
        f"/api/v1/organisations/{uni.id}/domains",
        json={"domain": "uni-x.example"},
        headers=api_headers(admin),
    )
    assert answer.status_code == 201 and answer.get_json()["verified_now"] == 1
    assert waiting.membership_method == MembershipMethod.EMAIL_DOMAIN
    taken = client.post(
        f"/api/v1/organisations/{make_org().id}/domains",
        json={"domain": "uni-x.example"},
        headers=api_headers(admin),
    )
    assert taken.status_code == 422 and taken.get_json()["errors"][0]["code"] == "domain_taken"
