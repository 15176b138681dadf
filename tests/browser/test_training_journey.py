"""On a phone, a student finds a module, enrols in a session and sees it under "My training"."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from innocore import clock
from innocore.accounts.models import Organisation, User
from innocore.accounts.services import hash_password
from innocore.competences.models import Competence, CompetenceLevel
from innocore.extensions import db
from innocore.facilities.models import Facility, FacilityRole, FacilityTechnology
from innocore.vocab import FacilityRoleKind, OrganisationKind, Technology
from tests.support.browser import go_by_menu, sign_in
from tests.support.members import verified
from training.models import (
    AssessmentType,
    Audience,
    Enrolment,
    EnrolmentStatus,
    ModuleStatus,
    ParticipationForm,
    SessionPart,
    TrainingModule,
    TrainingSession,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "a long enough passphrase"


def seed(app) -> None:
    """A facility with one published module and one open session; a student who may enrol."""
    now = clock.now()
    with app.app_context():
        university = Organisation(
            name="University of Valmonte",
            kind=OrganisationKind.UNIVERSITY,
            country="IT",
            created_at=now,
        )
        facility = Facility(
            slug="imaging",
            name="Imaging Facility",
            institution=university,
            timezone="Europe/Rome",
            contact_email="imaging@valmonte.example",
            created_at=now,
            technology_rows=[FacilityTechnology(technology=Technology.LIGHT_MICROSCOPY)],
        )
        student = User(
            email="sofia@valmonte.example",
            name="Sofia Student",
            password_hash=hash_password(PASSWORD),
            organisation=university,
            created_at=now,
            email_verified_at=now,
            **verified(now),
        )
        trainer = User(
            email="tomas@valmonte.example",
            name="Tomas Trainer",
            password_hash=hash_password(PASSWORD),
            organisation=university,
            created_at=now,
            email_verified_at=now,
            **verified(now),
        )
        competence = Competence(
            code="IMG.CONFOCAL",
            title="Confocal microscopy",
            technology=Technology.LIGHT_MICROSCOPY,
            created_at=now,
            levels=[
                CompetenceLevel(level=1, name="Assisted"),
                CompetenceLevel(level=2, name="Alone"),
            ],
        )
        db.session.add_all([university, facility, student, trainer, competence])
        db.session.flush()
        db.session.add(
            FacilityRole(
                user_id=trainer.id,
                facility_id=facility.id,
                role=FacilityRoleKind.TRAINER,
                granted_at=now,
            )
        )
        module = TrainingModule(
            facility_id=facility.id,
            title="Confocal microscopy: independent use",
            technology=Technology.LIGHT_MICROSCOPY,
            learning_outcomes=["Set up a multi-channel acquisition"],
            competence_id=competence.id,
            level_awarded=2,
            ects=Decimal("2"),
            notional_hours=40,
            assessment_type=AssessmentType.PRACTICAL_TEST,
            participation_form=ParticipationForm.ON_SITE,
            quality_assurance="Reviewed yearly.",
            status=ModuleStatus.PUBLISHED,
            created_at=now,
            updated_at=now,
        )
        starts = now + timedelta(days=14)
        db.session.add(
            TrainingSession(
                module=module,
                facility=facility,
                capacity=6,
                audience=Audience.ACADEMIC,
                location="Imaging lab, room 2",
                enrol_opens_at=now - timedelta(days=1),
                enrol_closes_at=starts - timedelta(days=3),
                created_at=now,
                parts=[SessionPart(starts_at=starts, ends_at=starts + timedelta(hours=4))],
                trainers=[trainer],
            )
        )
        db.session.commit()


def test_a_student_on_a_phone_finds_a_module_enrols_and_sees_it_under_my_training(
    live_server, phone
):
    seed(live_server.app)
    page = phone
    sign_in(page, live_server.url, "sofia@valmonte.example", PASSWORD)
    page.wait_for_url("**/dashboard")

    # The menu is folded away on a phone: open it and go to the training catalog.
    go_by_menu(page, "Learn", "Training catalog")
    page.get_by_label("Search", exact=True).fill("confocal")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="Confocal microscopy: independent use").click()
    assert "Open to you" in page.locator("table").inner_text()

    page.locator("table").get_by_role("link").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Confocal microscopy: independent use"
    )
    page.get_by_role("button", name="Enrol", exact=True).click()
    assert "You are enrolled" in page.locator(".flashes").inner_text()
    assert "Your status: Enrolled" in page.locator(".enrolment").inner_text()

    page.goto(live_server.url + "/training/")
    page.get_by_role("link", name="My training", exact=True).click()
    current = page.locator("table").first
    assert "Confocal microscopy: independent use" in current.inner_text()
    assert "Enrolled" in current.inner_text()
    assert "Imaging Facility" in current.inner_text()

    with live_server.app.app_context():
        [row] = db.session.scalars(db.select(Enrolment)).all()
        assert row.status == EnrolmentStatus.ENROLLED and row.user.name == "Sofia Student"
