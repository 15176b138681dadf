"""Facilities, roles and the competence framework through the web pages."""

import sqlalchemy as sa

from innocore.audit import AuditEvent
from innocore.competences.models import Competence
from innocore.extensions import db
from innocore.facilities.models import Facility, FacilityRole
from innocore.vocab import OrganisationKind


def facility_form(institution_id, **kw):
    form = {
        "name": "Light Imaging",
        "slug": "light-imaging",
        "institution_id": str(institution_id),
        "timezone": "Europe/Rome",
        "contact_email": "imaging@uni.example",
        "technologies": ["light_microscopy"],
        "description": "Confocal and widefield.",
    }
    form.update(kw)
    return form


def test_network_admin_creates_facility_and_it_is_audited(login_as, make_user, make_org):
    admin = make_user(is_network_admin=True)
    uni = make_org()
    r = login_as(admin).post("/facilities/new", data=facility_form(uni.id))
    assert r.status_code == 302
    facility = db.session.scalar(sa.select(Facility).where(Facility.slug == "light-imaging"))
    assert facility.timezone == "Europe/Rome"
    assert [t.value for t in facility.technologies] == ["light_microscopy"]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "facility.created"))
    assert event.actor_id == admin.id and event.facility_id == facility.id


def test_facility_form_lists_every_problem_at_once(login_as, make_user, make_org):
    admin = make_user(is_network_admin=True)
    company = make_org(kind=OrganisationKind.COMPANY)
    r = login_as(admin).post(
        "/facilities/new",
        data=facility_form(company.id, slug="Bad Slug!", timezone="Europe/Narnia"),
    )
    assert r.status_code == 422
    assert b"Choose a time zone from the list" in r.data
    assert b"Not a valid choice" in r.data  # a company cannot host a facility
    uni = make_org()
    r = login_as(admin).post("/facilities/new", data=facility_form(uni.id, slug="Bad Slug!"))
    assert r.status_code == 422
    assert b"lower-case letters" in r.data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Facility)) == 0


def test_member_may_not_create_facility(login_as, make_user, make_org):
    r = login_as(make_user()).post("/facilities/new", data=facility_form(make_org().id))
    assert r.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Facility)) == 0


def test_manager_appoints_staff_and_they_are_told(
    login_as, make_user, make_facility, grant, deliver
):
    facility = make_facility()
    manager = make_user()
    grant(manager, facility, "manager")
    newcomer = make_user(email="new@uni.example")
    r = login_as(manager).post(
        f"/facilities/{facility.slug}/staff", data={"email": "new@uni.example", "role": "staff"}
    )
    assert r.status_code == 302
    assert (
        db.session.scalar(
            sa.select(FacilityRole.role).where(FacilityRole.user_id == newcomer.id)
        ).value
        == "staff"
    )
    [mail] = deliver()
    assert mail["To"] == "new@uni.example"
    assert "staff of" in mail["Subject"]


def test_manager_may_not_appoint_managers(login_as, make_user, make_facility, grant):
    facility = make_facility()
    manager = make_user()
    grant(manager, facility, "manager")
    make_user(email="new@uni.example")
    r = login_as(manager).post(
        f"/facilities/{facility.slug}/staff", data={"email": "new@uni.example", "role": "manager"}
    )
    assert r.status_code == 403


def test_appointing_unknown_person_or_twice_is_a_form_error(
    login_as, make_user, make_facility, grant
):
    facility = make_facility()
    admin = make_user(is_network_admin=True)
    staff = make_user(email="s@uni.example")
    grant(staff, facility, "staff")
    client = login_as(admin)
    r = client.post(
        f"/facilities/{facility.slug}/staff", data={"email": "nobody@uni.example", "role": "staff"}
    )
    assert r.status_code == 422 and b"Nobody with this e-mail" in r.data
    r = client.post(
        f"/facilities/{facility.slug}/staff", data={"email": "s@uni.example", "role": "staff"}
    )
    assert r.status_code == 422 and b"already staff" in r.data


def test_last_manager_cannot_be_removed(login_as, make_user, make_facility, grant):
    facility = make_facility()
    admin = make_user(is_network_admin=True)
    role = grant(make_user(), facility, "manager")
    r = login_as(admin).post(
        f"/facilities/{facility.slug}/staff/{role.id}/remove", data={"confirmed": "1"}
    )
    assert r.status_code == 422
    assert b"at least one manager" in r.data


def test_role_of_another_facility_is_not_found(login_as, make_user, make_facility, grant):
    mine, other = make_facility(), make_facility()
    manager = make_user()
    grant(manager, mine, "manager")
    foreign = grant(make_user(), other, "staff")
    r = login_as(manager).post(
        f"/facilities/{mine.slug}/staff/{foreign.id}/remove", data={"confirmed": "1"}
    )
    assert r.status_code == 404
    assert db.session.get(FacilityRole, foreign.id) is not None


def test_manager_adds_own_competence_but_not_network_wide(
    login_as, make_user, make_facility, grant
):
    facility = make_facility()
    manager = make_user()
    grant(manager, facility, "manager")
    client = login_as(manager)
    form = {
        "code": "img.sted",
        "title": "STED nanoscopy",
        "technology": "light_microscopy",
        "owner": str(facility.id),
        "levels": "Assisted\nIndependent\nTrainer",
    }
    assert client.post("/competences/new", data=form).status_code == 302
    competence = db.session.scalar(sa.select(Competence).where(Competence.code == "IMG.STED"))
    assert [lv.name for lv in competence.levels] == ["Assisted", "Independent", "Trainer"]
    assert competence.facility_id == facility.id
    r = client.post("/competences/new", data={**form, "code": "NET.X", "owner": "network"})
    assert r.status_code == 422  # "network" is not among this manager's choices
    assert db.session.scalar(sa.select(Competence).where(Competence.code == "NET.X")) is None


def test_competence_levels_cannot_be_removed(login_as, make_user, make_competence):
    admin = make_user(is_network_admin=True)
    competence = make_competence(code="NET.A")
    r = login_as(admin).post(
        f"/competences/{competence.id}/edit",
        data={
            "code": "NET.A",
            "owner": "network",
            "title": "T",
            "technology": "light_microscopy",
            "levels": "Only one",
        },
    )
    assert r.status_code == 422
    assert b"not removed" in r.data
    assert len(competence.levels) == 3


def test_facility_directory_filters_by_technology_and_text(client, make_facility):
    from innocore.vocab import Technology

    make_facility(name="Cytometry Hub", technologies=[Technology.FLOW_CYTOMETRY])
    make_facility(name="Imaging Hub", technologies=[Technology.LIGHT_MICROSCOPY])
    r = client.get("/facilities/?technology=flow_cytometry")
    assert b"Cytometry Hub" in r.data and b"Imaging Hub" not in r.data
    r = client.get("/facilities/?q=imaging")
    assert b"Imaging Hub" in r.data and b"Cytometry Hub" not in r.data
