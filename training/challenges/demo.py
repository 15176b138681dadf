"""Demo challenge: Helixa Biotech asks for an image-analysis pipeline for its drug screen, hosted
by the Advanced Light Imaging Facility, published and taking applications (with an NDA); the
selected team's instrument time is charged to Helixa's purchase order for the challenge."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from innocore import clock
from innocore.extensions import db
from innocore.ledger.accounts import AccountInput, AccountKind, create_account
from innocore.vocab import Technology
from training.challenges.models import Challenge, ChallengeCompetence, ChallengeStatus


def seed_challenges(ctx: dict) -> None:
    """One live challenge with a challenge-based learning module (5 ECTS) of the host facility."""
    from training.models import (
        AssessmentType,
        ModuleKind,
        ModuleStatus,
        ParticipationForm,
        TrainingModule,
    )

    people, facilities, competences = ctx["people"], ctx["facilities"], ctx["competences"]
    helixa, imaging, now = ctx["organisations"][3], facilities[0], clock.now()
    module = TrainingModule(
        facility=imaging,
        title="Challenge-based learning: imaging for industry",
        description="A team solves a company's imaging problem at the facility over ten weeks.",
        technology=Technology.LIGHT_MICROSCOPY,
        kind=ModuleKind.CHALLENGE,
        learning_outcomes=[
            "Design an image-analysis pipeline for a real screening problem",
            "Work to a company's milestones and confidentiality rules",
            "Present results and their limits to a non-academic client",
        ],
        competence=competences[0],
        level_awarded=2,
        ects=Decimal("5.0"),
        notional_hours=125,
        eqf_level=7,
        assessment_type=AssessmentType.PORTFOLIO,
        participation_form=ParticipationForm.BLENDED,
        quality_assurance="The host facility and the company review the team's portfolio.",
        status=ModuleStatus.PUBLISHED,
        created_at=now,
        updated_at=now,
    )
    db.session.add(module)
    db.session.flush()
    start = (now + timedelta(days=30)).date()
    order = create_account(
        people[9],  # Hana, Helixa's company administrator (Omar, who posts, may charge it)
        AccountInput(
            AccountKind.PURCHASE_ORDER,
            f"PO-HLX-{start.year}-0117",
            "Organoid phenotyping challenge",
            now.date(),
            start + timedelta(weeks=12),
            Decimal("8000"),
            company=True,
        ),
    )
    db.session.add(
        Challenge(
            organisation_id=helixa.id,
            facility_id=imaging.id,
            posted_by_id=people[10].id,
            title="Automated phenotyping of organoids in a drug screen",
            summary="Helixa screens 2,000 compounds on intestinal organoids and needs a robust, "
            "explainable pipeline that segments organoids and scores their phenotype.",
            details="Confocal stacks (4 channels, 60 wells a plate) of 12 plates; expected "
            "phenotypes and the current manual scores are provided.",
            data_provided="12 plates of confocal stacks (1.4 TB) and manual scores, on site.",
            skills="Python image analysis; basic statistics; curiosity about cell biology.",
            participants_get="A stipend of 1,500 EUR a person, a certificate (5 ECTS) and a "
            "reference letter from Helixa's head of screening.",
            nda_text="I will not disclose Helixa's compounds, images or results outside the team "
            "and the host facility, for two years from today.",
            team_min=1,
            team_max=3,
            teams_wanted=1,
            applications_close_at=now + timedelta(days=21),
            starts_on=start,
            ends_on=start + timedelta(weeks=10),
            module_id=module.id,
            account_id=order.id,
            status=ChallengeStatus.PUBLISHED,
            reviewed_by_id=people[1].id,
            reviewed_at=now,
            created_at=now,
            facilities=[imaging, facilities[1]],
            needs=[ChallengeCompetence(competence_id=competences[0].id, level=1)],
        )
    )
    db.session.flush()
