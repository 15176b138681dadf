"""An e-mail address typed or pasted with spaces around it (" postdoc@demo.innocore.test ") is
that address in every form and API body, and accounts are found whatever its case."""

import pytest
import sqlalchemy as sa

from innocore.extensions import db
from innocore.facilities.models import FacilityRole
from innocore.membership.companies import CompanyInvitation
from innocore.vocab import OrganisationKind, OrgRole


def test_the_staff_form_appoints_the_person_whatever_the_spaces_and_case(
    login_as, make_user, make_facility, grant
):
    facility = make_facility()
    manager = make_user()
    grant(manager, facility, "manager")
    newcomer = make_user(email="new@uni.example")
    r = login_as(manager).post(
        f"/facilities/{facility.slug}/staff", data={"email": " New@Uni.example  ", "role": "staff"}
    )
    assert r.status_code == 302
    assert db.session.scalar(
        sa.select(FacilityRole.user_id).where(FacilityRole.user_id == newcomer.id)
    )


@pytest.fixture
def company_admin(make_org, make_user):
    company = make_org(kind=OrganisationKind.COMPANY, name="Acme Bio")
    return make_user(organisation=company, org_role=OrgRole.ADMIN)


def test_the_company_invitation_form_sends_to_the_trimmed_address(login_as, company_admin):
    r = login_as(company_admin).post("/company/invite", data={"email": "  hire@example.org "})
    assert r.status_code == 302
    assert db.session.scalars(sa.select(CompanyInvitation.email)).all() == ["hire@example.org"]


def test_an_api_body_trims_the_address(client, api_headers, company_admin):
    r = client.post(
        "/api/v1/company/invitations",
        json={"email": "\t Hire@Example.org \n"},
        headers=api_headers(company_admin),
    )
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["email"] == "hire@example.org"


def test_the_sign_in_form_finds_the_account_whatever_the_spaces_and_case(client, make_user):
    make_user(email="postdoc@demo.innocore.test", password="correct horse battery")
    r = client.post(
        "/login",
        data={"email": " PostDoc@demo.innocore.test ", "password": "correct horse battery"},
    )
    assert r.status_code == 302
