"""Company accounts: invitations (single-use, expiring), joining, isolation between companies."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from innocore.accounts.models import User
from innocore.accounts.rules import category_for
from innocore.errors import DomainError, Forbidden, NotFound
from innocore.membership import companies
from innocore.vocab import OrganisationKind, OrgRole, UserCategory
from tests.conftest import PASSWORD


@pytest.fixture
def acme(make_org, make_user):
    company = make_org(kind=OrganisationKind.COMPANY, name="Acme Bio")
    other = make_org(kind=OrganisationKind.COMPANY, name="Other Bio")
    return {
        "org": company,
        "admin": make_user(organisation=company, org_role=OrgRole.ADMIN),
        "member": make_user(organisation=company),
        "other_admin": make_user(organisation=other, org_role=OrgRole.ADMIN),
    }


def test_invitation_creates_an_industry_account_once(
    client, db_session, acme, deliver, make_facility
):
    invitation, raw = companies.invite_employee(acme["admin"], "New.Person@Example.org")
    db_session.commit()
    (mail,) = deliver()
    assert mail["To"] == "new.person@example.org" and raw in mail.get_body(("plain",)).get_content()
    assert client.get(f"/company/join/{raw}").status_code == 200
    weak = client.post(f"/company/join/{raw}", data={"name": "New Person", "password": "short"})
    assert weak.status_code == 422
    ok = client.post(f"/company/join/{raw}", data={"name": "New Person", "password": PASSWORD})
    assert ok.status_code == 302
    user = db_session.scalar(sa.select(User).where(User.email == "new.person@example.org"))
    assert user.organisation_id == acme["org"].id and user.org_role == OrgRole.MEMBER
    assert category_for(user, make_facility()) == UserCategory.INDUSTRY
    again = client.post(f"/company/join/{raw}", data={"name": "Mallory", "password": PASSWORD})
    assert again.status_code == 422 and b"already used" in again.data
    assert (
        db_session.scalar(
            sa.select(sa.func.count())
            .select_from(User)
            .where(User.organisation_id == acme["org"].id)
        )
        == 3
    )


def test_expired_invitation_is_refused_and_writes_nothing(client, db_session, acme, clock):
    _, raw = companies.invite_employee(acme["admin"], "late@example.org")
    db_session.commit()
    clock.advance(days=8)
    response = client.post(f"/company/join/{raw}", data={"name": "Late", "password": PASSWORD})
    assert response.status_code == 422 and b"expired" in response.data
    assert db_session.scalar(sa.select(User).where(User.email == "late@example.org")) is None


def test_existing_account_joins_only_when_signed_in_as_itself(
    client, login_as, db_session, acme, make_user
):
    person = make_user(email="moving@example.org")
    _, raw = companies.invite_employee(acme["admin"], "moving@example.org")
    db_session.commit()
    assert client.post(f"/company/join/{raw}").status_code == 403
    login_as(acme["member"])
    assert client.post(f"/company/join/{raw}").status_code == 403
    login_as(person)
    assert client.post(f"/company/join/{raw}").status_code == 302
    db_session.refresh(person)
    assert person.organisation_id == acme["org"].id


def test_invitation_bad_input(db_session, acme):
    with pytest.raises(DomainError) as err:
        companies.invite_employee(acme["admin"], "not-an-address")
    assert err.value.problems[0].code == "email_invalid"
    with pytest.raises(DomainError) as err:
        companies.invite_employee(acme["admin"], acme["member"].email)
    assert err.value.problems[0].code == "already_member"
    with pytest.raises(Forbidden):
        companies.invite_employee(acme["member"], "x@example.org")


def test_companies_do_not_touch_each_others_invitations_or_people(
    client, login_as, db_session, acme
):
    invitation, raw = companies.invite_employee(acme["admin"], "p@example.org")
    db_session.commit()
    with pytest.raises(NotFound):
        companies.revoke_invitation(acme["other_admin"], invitation.id)
    with pytest.raises(NotFound):
        companies.set_admin(acme["other_admin"], acme["member"].id, True)
    login_as(acme["other_admin"])
    assert (
        client.post(
            f"/company/invitations/{invitation.id}/revoke", data={"confirmed": "1"}
        ).status_code
        == 404
    )
    page = client.get("/company/")
    assert page.status_code == 200 and b"p@example.org" not in page.data
    assert acme["member"].email.encode() not in page.data
    login_as(acme["admin"])
    page = client.get("/company/")
    assert b"p@example.org" in page.data and acme["member"].email.encode() in page.data
    assert (
        client.post(
            f"/company/invitations/{invitation.id}/revoke", data={"confirmed": "1"}
        ).status_code
        == 302
    )
    assert client.get(f"/company/join/{raw}").status_code == 422


def test_invite_form_and_roles(client, login_as, db_session, acme):
    login_as(acme["admin"])
    bad = client.post("/company/invite", data={"email": acme["member"].email})
    assert bad.status_code == 422 and b"already belongs" in bad.data
    assert client.post("/company/invite", data={"email": "ok@example.org"}).status_code == 302
    assert (
        client.post(f"/company/people/{acme['member'].id}/role", data={"admin": "1"}).status_code
        == 302
    )
    db_session.refresh(acme["member"])
    assert acme["member"].org_role == OrgRole.ADMIN
    login_as(acme["member"])
    assert client.get("/company/").status_code == 200


def test_invitation_expiry_is_a_week(db_session, acme, clock):
    invitation, _ = companies.invite_employee(acme["admin"], "w@example.org")
    assert invitation.expires_at - clock.now == timedelta(days=7)
