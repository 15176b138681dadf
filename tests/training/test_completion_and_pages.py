"""Sessions complete after their last part; the facility page pages; constant query counts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from innocore import clock as clock_module
from innocore.audit import AuditEvent
from innocore.vocab import UserCategory
from training import jobs
from training.models import Enrolment, EnrolmentStatus, SessionStatus


def add_enrolment(db_session, session, user, status=EnrolmentStatus.ENROLLED, n=1):
    row = Enrolment(
        session_id=session.id,
        user_id=user.id,
        status=status,
        enrolled_by_id=user.id,
        created_at=clock_module.now(),
        queue_number=n,
        fee_category=UserCategory.INTERNAL,
        fee_amount=Decimal("0"),
    )
    db_session.add(row)
    db_session.commit()
    return row


def test_a_session_completes_once_its_last_part_has_ended(clock, make_session, db_session):
    start = clock.now + timedelta(days=1)
    session = make_session(
        parts=[
            (start, start + timedelta(hours=3)),
            (start + timedelta(days=1), start + timedelta(days=1, hours=3)),
        ]
    )
    cancelled = make_session(starts_at=start, status=SessionStatus.CANCELLED)
    clock.set(start + timedelta(hours=4))  # the first part is over, the second is ahead
    assert jobs.complete_finished_sessions() == 0
    clock.set(start + timedelta(days=1, hours=3))  # the last part ends now: [start, end)
    assert jobs.complete_finished_sessions() == 1
    assert jobs.complete_finished_sessions() == 0  # idempotent
    db_session.expire_all()
    assert session.status == SessionStatus.COMPLETED
    assert cancelled.status == SessionStatus.CANCELLED
    events = db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "training.session_completed")
    ).all()
    assert [e.object_id for e in events] == [str(session.id)]


def test_the_completion_job_is_registered(app):
    from innocore.jobs import jobs as registered

    assert registered(app)["training_complete_sessions"].func is jobs.complete_finished_sessions


@pytest.fixture
def facility_with_sessions(clock, make_facility, make_user, grant, make_module, make_session):
    def build(n: int):
        facility = make_facility()
        manager = make_user()
        grant(manager, facility, "manager")
        trainer = make_user()
        grant(trainer, facility, "trainer")
        module = make_module(facility)
        waiting = make_user()
        sessions = []
        for i in range(n):
            s = make_session(
                module, starts_at=clock.now + timedelta(days=10 + i), trainers=[trainer]
            )
            sessions.append(s)
        return facility, manager, waiting, sessions

    return build


def test_the_facility_training_page_is_paginated(facility_with_sessions, login_as, db_session):
    facility, manager, _, sessions = facility_with_sessions(27)
    client = login_as(manager)
    first = client.get(f"/training/facilities/{facility.slug}").data.decode()
    assert first.count('href="/training/sessions/') == 25 and "Page 1 of 2" in first
    second = client.get(f"/training/facilities/{facility.slug}?page=2").data.decode()
    assert second.count('href="/training/sessions/') == 2
    # Latest first: the two earliest sessions are on the second page.
    assert f'/training/sessions/{sessions[0].id}"' in second


def test_the_facility_training_page_runs_a_constant_number_of_queries(
    facility_with_sessions, login_as, count_queries, db_session
):
    counts = []
    for n in (1, 12):
        facility, manager, waiting, sessions = facility_with_sessions(n)
        for s in sessions:
            add_enrolment(db_session, s, waiting, EnrolmentStatus.WAITLISTED)
        client = login_as(manager)
        db_session.expire_all()
        with count_queries() as q:
            response = client.get(f"/training/facilities/{facility.slug}")
        assert response.status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1], counts


def test_the_dashboard_panel_runs_a_constant_number_of_queries(
    app, make_session, make_user, clock, count_queries, db_session
):
    from training.panels import training_panel

    counts = []
    for n in (1, 10):
        user = make_user()
        for i in range(n):
            session = make_session(starts_at=clock.now + timedelta(days=5 + i))
            add_enrolment(db_session, session, user)
        db_session.expire_all()
        with app.test_request_context(), count_queries() as q:
            panel = training_panel(user)
        assert len(panel.items) == n
        counts.append(q.count)
    assert counts[0] == counts[1], counts
