"""Demo placement: a three-month internship at the Flow Cytometry Core, open to applications."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from innocore import clock
from innocore.extensions import db
from innocore.vocab import Technology
from training.placements.models import Placement, PlacementKind


def seed_placements(ctx: dict) -> None:
    """One internship offered by the Flow Cytometry Core's manager (EQF 6 or above), with a
    placement module (flow cytometry analysis, level 2, 10 ECTS) certified on completion."""
    from training.models import (
        AssessmentType,
        ModuleKind,
        ModuleStatus,
        ParticipationForm,
        TrainingModule,
    )

    people, facilities, now = ctx["people"], ctx["facilities"], clock.now()
    flow = facilities[1]
    start = (now + timedelta(days=45)).date()
    module = TrainingModule(
        facility=flow,
        title="Placement: flow cytometry core practice",
        description="Three months of supervised work in the core's team, evaluated by the host.",
        technology=Technology.FLOW_CYTOMETRY,
        kind=ModuleKind.PLACEMENT,
        learning_outcomes=[
            "Design a multicolour panel with controls for a user's question",
            "Run and document daily cytometer quality control",
        ],
        competence=ctx["competences"][2],
        level_awarded=2,
        ects=Decimal("10.0"),
        notional_hours=250,
        eqf_level=6,
        assessment_type=AssessmentType.OBSERVATION,
        participation_form=ParticipationForm.ON_SITE,
        quality_assurance="The host's evaluation against the learning agreement.",
        status=ModuleStatus.PUBLISHED,
        created_at=now,
        updated_at=now,
    )
    db.session.add(module)
    db.session.flush()
    db.session.add(
        Placement(
            module_id=module.id,
            kind=PlacementKind.INTERNSHIP,
            organisation_id=flow.institution_id,
            facility=flow,
            posted_by_id=people[4].id,
            title="Flow cytometry internship: panel design and quality control",
            description="Three months in the core's team: design and validate multicolour "
            "panels with users, run daily quality control and keep the analysers' records.",
            learning_outcomes=[
                "Design a multicolour panel with controls for a user's question",
                "Run and document daily cytometer quality control",
                "Explain results and their limits to facility users",
            ],
            starts_on=start,
            ends_on=start + timedelta(days=90),
            hours_per_week=36,
            stipend_eur_month=Decimal("900.00"),
            places=2,
            applications_close_at=now + timedelta(days=30),
            min_eqf_level=6,
            user_categories=[],
            created_at=now,
        )
    )
    db.session.flush()
