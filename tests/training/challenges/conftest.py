"""A challenge world: a host facility, two companies, three students, a module with ECTS."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from innocore import clock as clock_module


@pytest.fixture
def cworld(make_user, make_org, make_facility, grant, make_competence, make_module, db_session):
    from innocore.vocab import OrganisationKind, OrgRole
    from training.challenges import services
    from training.models import ModuleKind

    host = make_facility(slug="challenge-host")
    company, rival = (
        make_org(kind=OrganisationKind.COMPANY),
        make_org(kind=OrganisationKind.COMPANY),
    )
    uni = make_org()
    w = {
        "host": host,
        "manager": make_user(name="Host Manager"),
        "trainer": make_user(name="Host Trainer"),
        "poster": make_user(organisation=company, name="Company Scientist"),
        "company_admin": make_user(organisation=company, org_role=OrgRole.ADMIN),
        "rival": make_user(organisation=rival, org_role=OrgRole.ADMIN, name="Rival Admin"),
        "s1": make_user(organisation=uni, name="Stu One"),
        "s2": make_user(organisation=uni, name="Stu Two"),
        "s3": make_user(organisation=uni, name="Stu Three"),
    }
    grant(w["manager"], host, "manager")
    grant(w["trainer"], host, "trainer")
    w["competence"] = make_competence(facility_id=host.id)
    w["module"] = make_module(
        host, competence=w["competence"], ects=Decimal("5.0"), kind=ModuleKind.CHALLENGE
    )
    now = clock_module.now()
    w["input"] = lambda **kw: services.ChallengeInput(
        **{
            "facility_id": host.id,
            "title": "Organoid phenotyping",
            "summary": "Segment organoids and score them.",
            "details": "SECRET compound list",
            "nda_text": "I keep it secret.",
            "team_min": 1,
            "team_max": 3,
            "teams_wanted": 1,
            "applications_close_at": now + timedelta(days=10),
            "starts_on": (now + timedelta(days=20)).date(),
            "ends_on": (now + timedelta(days=90)).date(),
            "module_id": w["module"].id,
            "needs": [(w["competence"].id, 1)],
        }
        | kw
    )
    return w


@pytest.fixture
def published(cworld, db_session):
    """A published confidential challenge of the company, hosted by the facility."""
    from training.challenges import services

    ch = services.post_challenge(cworld["poster"], cworld["input"]())
    services.review_challenge(cworld["manager"], ch, publish=True)
    db_session.commit()
    return ch
