"""Certification factories: an assessment to certify, a certificate, a key directory per session."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from innocore import clock as clock_module


@pytest.fixture(scope="session", autouse=True)
def _credential_keys(app, tmp_path_factory):
    """Issuer keys go to a temporary directory, never the instance folder."""
    app.config["CREDENTIAL_KEY_DIR"] = str(tmp_path_factory.mktemp("credential-keys"))


@pytest.fixture
def make_assessment(db_session, make_session, make_user):
    from innocore.vocab import UserCategory
    from training.models import Assessment, AssessmentOutcome, Enrolment, EnrolmentStatus

    def make(session=None, learner=None, outcome="passed", level=2, **kw):
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
