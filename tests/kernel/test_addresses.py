"""One e-mail rule for every form and API body: an existing account's address is always accepted."""

import pytest
import sqlalchemy as sa

from innocore.accounts.addresses import address_problem
from innocore.extensions import db
from innocore.facilities.models import FacilityRole


@pytest.mark.parametrize(
    ("address", "accepted"),
    [
        ("someone@uni.example", True),
        ("new.person@demo.innocore.test", True),  # reserved .test (RFC 6761) for new people too
        ("no-at-sign.example", False),
        ("two@@example.org", False),
        ("x@bad.invalid", False),
        ("", False),
        ("a" * 250 + "@x.org", False),
    ],
)
def test_a_new_address_must_be_well_formed(db_session, address, accepted):
    assert (address_problem(address) is None) is accepted


def test_an_existing_accounts_address_is_always_accepted(db_session, make_user):
    make_user(email="manager.cryoem@demo.innocore.local")  # a special-use name the syntax refuses
    assert address_problem("manager.cryoem@demo.innocore.local") is None
    assert address_problem("MANAGER.cryoem@demo.innocore.local ") is None
    assert address_problem("someone.else@demo.innocore.local") is not None


def test_appointing_the_demo_manager_works_in_the_page_and_the_api(
    app, login_as, make_user, make_facility, grant, api_headers
):
    facility = make_facility()
    manager = make_user()
    grant(manager, facility, "manager")
    cryo = make_user(email="manager.cryoem@demo.innocore.test")
    page = login_as(manager).post(
        f"/facilities/{facility.slug}/staff",
        data={"email": "manager.cryoem@demo.innocore.test", "role": "staff"},
    )
    assert page.status_code == 302, page.get_data(as_text=True)
    roles = db.session.scalars(sa.select(FacilityRole).where(FacilityRole.user_id == cryo.id))
    assert [r.role.value for r in roles] == ["staff"]
    trainer = make_user(email="trainer@demo.innocore.test")
    client = app.test_client()  # no session: the token speaks
    api = client.post(
        f"/api/v1/facilities/{facility.id}/roles",
        json={"email": "trainer@demo.innocore.test", "role": "trainer"},
        headers=api_headers(manager),
    )
    assert api.status_code == 201, api.get_json()
    assert api.get_json()["user_id"] == trainer.id
    bad = client.post(
        f"/api/v1/facilities/{facility.id}/roles",
        json={"email": "not an address", "role": "trainer"},
        headers=api_headers(manager),
    )
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "email"


def test_recognising_prior_learning_for_a_demo_account_works(
    login_as, make_user, make_facility, grant, make_competence
):
    facility = make_facility()
    manager = make_user()
    grant(manager, facility, "manager")
    make_user(email="postdoc@demo.innocore.test")
    competence = make_competence()
    data = {
        "email": "postdoc@demo.innocore.test",
        "competence_id": str(competence.id),
        "level": "2",
        "evidence": "Five years running the instrument at another core.",
    }
    r = login_as(manager).post(f"/certificates/facility/{facility.slug}/issue", data=data)
    assert r.status_code == 302, r.get_data(as_text=True)
