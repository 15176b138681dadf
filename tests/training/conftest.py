"""Training factories: a module, a session with parts, enrolments, assessments, certificates."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from innocore import clock as clock_module

_seq = itertools.count(1)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def make_module(db_session, make_competence):
    from innocore.vocab import Technology
    from training.models import (
        AssessmentType,
        ModulePrerequisite,
        ModuleStatus,
        ParticipationForm,
        TrainingModule,
    )

    def make(facility=None, **kw):
        competence = kw.pop("competence", None) or make_competence()
        prereqs = kw.pop("prerequisites", [])
        now = clock_module.now()
        module = TrainingModule(
            facility_id=facility.id if facility else None,
            title=kw.pop("title", f"Module {next(_seq)}"),
            technology=kw.pop("technology", Technology.LIGHT_MICROSCOPY),
            learning_outcomes=kw.pop("learning_outcomes", ["Operate the microscope"]),
            competence_id=competence.id,
            level_awarded=kw.pop("level_awarded", 2),
            ects=kw.pop("ects", Decimal("1.0")),
            notional_hours=kw.pop("notional_hours", 20),
            eqf_level=kw.pop("eqf_level", 6),
            assessment_type=kw.pop("assessment_type", AssessmentType.PRACTICAL_TEST),
            participation_form=kw.pop("participation_form", ParticipationForm.ON_SITE),
            quality_assurance=kw.pop("quality_assurance", "Reviewed yearly by the board."),
            fee_internal=kw.pop("fee_internal", Decimal("50")),
            fee_academic=kw.pop("fee_academic", Decimal("100")),
            fee_industry=kw.pop("fee_industry", Decimal("500")),
            status=kw.pop("status", ModuleStatus.PUBLISHED),
            created_at=now,
            updated_at=now,
            **kw,
        )
        for p in prereqs:
            if hasattr(p, "__tablename__") and p.__tablename__ == "training_module":
                module.prerequisites.append(ModulePrerequisite(required_module_id=p.id))
            else:
                competence_, level = p
                module.prerequisites.append(
                    ModulePrerequisite(competence_id=competence_.id, min_level=level)
                )
        db_session.add(module)
        db_session.commit()  # a savepoint: a view's rollback keeps it
        return module

    return make


@pytest.fixture
def make_session(db_session, make_module, make_facility, make_user, grant):
    from training.models import Audience, SessionPart, TrainingSession

    def make(module=None, facility=None, **kw):
        facility = facility or (module.facility if module and module.facility else None)
        facility = facility or make_facility()
        module = module or make_module(facility)
        starts = kw.pop("starts_at", clock_module.now() + timedelta(days=10))
        parts = kw.pop("parts", None) or [(starts, starts + timedelta(hours=3))]
        trainers = kw.pop("trainers", None)
        if trainers is None:
            trainer = make_user(name="Tina Trainer")
            grant(trainer, facility, "trainer")
            trainers = [trainer]
        session = TrainingSession(
            module_id=module.id,
            facility_id=facility.id,
            capacity=kw.pop("capacity", 10),
            audience=kw.pop("audience", Audience.EVERYONE),
            location=kw.pop("location", "Room 1"),
            enrol_opens_at=kw.pop("enrol_opens_at", clock_module.now() - timedelta(days=1)),
            enrol_closes_at=kw.pop("enrol_closes_at", parts[0][0] - timedelta(days=1)),
            withdraw_days_before=kw.pop("withdraw_days_before", 2),
            created_at=clock_module.now(),
            parts=[SessionPart(starts_at=p[0], ends_at=p[1]) for p in parts],
            trainers=trainers,
            **kw,
        )
        db_session.add(session)
        db_session.commit()  # a savepoint: a view's rollback keeps it
        return session

    return make


@pytest.fixture
def internal_user(make_user):
    """``internal_user(facility)``: a member of the facility's own institution."""

    def make(facility, **kw):
        return make_user(organisation=facility.institution, **kw)

    return make


@pytest.fixture
def make_instrument(db_session, make_facility):
    """``make_instrument(facility, name=...)``: an instrument open at all hours, no limits."""
    from innocore.vocab import Technology
    from instruments.models import Instrument

    def make(facility=None, **kw):
        now = clock_module.now()
        instrument = Instrument(
            facility=facility or make_facility(),
            name=kw.pop("name", f"Confocal {next(_seq)}"),
            technology=kw.pop("technology", Technology.LIGHT_MICROSCOPY),
            created_at=now,
            updated_at=now,
            **kw,
        )
        db_session.add(instrument)
        db_session.commit()  # a savepoint: a view's rollback keeps it
        return instrument

    return make


# Certification factories, shared by tests/training/{certification,credentials,paths}.


@pytest.fixture
def make_assessment(db_session, make_session, make_user):
    """An assessment after the training: by default of a session held ten days ago, with the
    learner present at every part (an assessment needs the attendance of what it covers)."""
    from innocore.vocab import UserCategory
    from training.models import (
        Assessment,
        AssessmentOutcome,
        Attendance,
        AttendanceStatus,
        Enrolment,
        EnrolmentStatus,
    )

    def make(session=None, learner=None, outcome="passed", level=2, **kw):
        kw.setdefault("starts_at", clock_module.now() - timedelta(days=10))
        kw.setdefault("enrol_opens_at", kw["starts_at"] - timedelta(days=20))
        session = session or make_session(**kw)
        learner = learner or make_user()
        trainer = session.trainers[0]
        enrolment = Enrolment(
            session_id=session.id,
            user_id=learner.id,
            status=EnrolmentStatus.COMPLETED,
            enrolled_by_id=learner.id,
            created_at=clock_module.now(),
            fee_category=UserCategory.INTERNAL,
            fee_amount=Decimal("0"),
        )
        db_session.add(enrolment)
        db_session.flush()
        for part in session.parts:
            if part.starts_at <= clock_module.now():
                db_session.add(
                    Attendance(
                        enrolment_id=enrolment.id,
                        part_id=part.id,
                        status=AttendanceStatus.PRESENT,
                        recorded_by_id=trainer.id,
                        recorded_at=part.starts_at,
                    )
                )
        assessment = Assessment(
            enrolment_id=enrolment.id,
            user_id=learner.id,
            module_id=session.module_id,
            competence_id=session.module.competence_id,
            outcome=AssessmentOutcome(outcome),
            level_reached=level if outcome == "passed" else None,
            evidence_text="Checklist 12/12.",
            recorded_by_id=trainer.id,
            recorded_at=clock_module.now(),
        )
        db_session.add(assessment)
        db_session.commit()
        return assessment

    return make


@pytest.fixture
def make_certificate(db_session, make_user, make_facility, make_competence, grant):
    """``make_certificate(holder=..., competence=..., level=2, facility=...)`` via the service."""
    from training.certification import services

    def make(holder=None, competence=None, level=2, facility=None, valid_days=365, **kw):
        facility = facility or make_facility()
        competence = competence or make_competence(facility_id=facility.id)
        manager = kw.pop("issuer", None)
        if manager is None:
            manager = make_user()
            grant(manager, facility, "manager")
        cert = services.issue_prior_learning(
            manager,
            facility=facility,
            holder=holder or make_user(),
            competence=competence,
            level=level,
            evidence=kw.pop("evidence", "Observed a full session."),
            valid_until=clock_module.now() + timedelta(days=valid_days) if valid_days else None,
        )
        db_session.commit()
        return cert

    return make
