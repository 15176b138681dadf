"""Fifty simultaneous enrolments over HTTP into ten places, against a real multi-worker server."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from innocore import clock
from innocore.accounts.models import Organisation, User
from innocore.accounts.tokens import create_token
from innocore.competences.models import Competence, CompetenceLevel
from innocore.extensions import db
from innocore.facilities.models import Facility, FacilityRole
from innocore.vocab import FacilityRoleKind, OrganisationKind, Technology
from tests.support.live import LiveServer
from tests.support.members import verified
from training.models import (
    AssessmentType,
    Audience,
    Enrolment,
    EnrolmentStatus,
    ParticipationForm,
    SessionPart,
    TrainingModule,
    TrainingSession,
)

PEOPLE = 50
PLACES = 10


def _seed() -> tuple[int, list[str]]:
    now = clock.now()
    org = Organisation(name="Uni", kind=OrganisationKind.UNIVERSITY, country="IT", created_at=now)
    facility = Facility(
        slug="race",
        name="Race Facility",
        institution=org,
        timezone="Europe/Rome",
        contact_email="f@uni.example",
        created_at=now,
    )
    comp = Competence(
        code="RACE.1",
        title="Racing",
        technology=Technology.OTHER,
        created_at=now,
        levels=[CompetenceLevel(level=1, name="Basic")],
    )
    module = TrainingModule(
        facility=facility,
        title="Popular course",
        technology=Technology.OTHER,
        learning_outcomes=["Queue politely"],
        competence=comp,
        level_awarded=1,
        ects=Decimal("1"),
        notional_hours=8,
        assessment_type=AssessmentType.OBSERVATION,
        participation_form=ParticipationForm.ON_SITE,
        quality_assurance="Board",
        created_at=now,
        updated_at=now,
    )
    people = [
        User(
            email=f"p{i}@uni.example",
            name=f"Person {i}",
            password_hash="x",
            organisation=org,
            created_at=now,
            email_verified_at=now,
            **verified(now),
        )
        for i in range(PEOPLE + 1)
    ]
    start = now + timedelta(days=10)
    session = TrainingSession(
        module=module,
        facility=facility,
        capacity=PLACES,
        audience=Audience.EVERYONE,
        location="Room",
        enrol_opens_at=now - timedelta(days=1),
        enrol_closes_at=start - timedelta(days=1),
        created_at=now,
        trainers=[people[-1]],
        parts=[SessionPart(starts_at=start, ends_at=start + timedelta(hours=2))],
    )
    db.session.add_all([module, session, *people])
    db.session.flush()
    db.session.add(
        FacilityRole(
            facility_id=facility.id,
            user_id=people[-1].id,
            role=FacilityRoleKind.TRAINER,
            granted_at=now,
        )
    )
    # First use of each token is recorded as the race starts: that write waits its turn too.
    tokens = [create_token(p, "race")[1] for p in people[:PEOPLE]]
    db.session.commit()
    return session.id, tokens


def _enrol(url: str, token: str, barrier: threading.Barrier, out: list, lock) -> None:
    request = urllib.request.Request(
        url,
        data=b"{}",
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    barrier.wait()
    try:
        with urllib.request.urlopen(request, timeout=60) as r:  # noqa: S310
            result = (r.status, json.loads(r.read()))
    except urllib.error.HTTPError as err:
        result = (err.code, err.read().decode())
    with lock:
        out.append(result)


@pytest.mark.slow
def test_fifty_simultaneous_enrolments_fill_ten_places_and_queue_the_rest_in_commit_order():
    server = LiveServer(workers=4, label="training-race")
    try:
        with server.app.app_context():
            session_id, tokens = _seed()
        server.start()
        url = f"{server.url}/api/v1/training/sessions/{session_id}/enrolments"
        barrier, lock, results = threading.Barrier(PEOPLE), threading.Lock(), []
        threads = [
            threading.Thread(target=_enrol, args=(url, t, barrier, results, lock)) for t in tokens
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [code for code, _ in results] == [201] * PEOPLE, results
        statuses = sorted(body["status"] for _, body in results)
        assert statuses.count("enrolled") == PLACES
        assert statuses.count("waitlisted") == PEOPLE - PLACES
        with server.app.app_context():
            rows = db.session.scalars(
                sa.select(Enrolment)
                .where(Enrolment.session_id == session_id)
                .order_by(Enrolment.id)
            ).all()
            counter = db.session.get(TrainingSession, session_id).waitlist_counter
    finally:
        server.stop()
    assert len(rows) == PEOPLE
    assert len({r.user_id for r in rows}) == PEOPLE  # no duplicates
    # Rows were inserted under the session lock, so id order is commit order: the first ten
    # committed took the places, the others queue in the order they committed.
    assert [r.status for r in rows] == (
        [EnrolmentStatus.ENROLLED] * PLACES + [EnrolmentStatus.WAITLISTED] * (PEOPLE - PLACES)
    )
    assert [r.queue_number for r in rows] == list(range(1, PEOPLE + 1))
    assert counter == PEOPLE
