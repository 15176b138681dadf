"""Enrolment invariants under any sequence of actions (a Hypothesis state machine).

The machine drives the real services on the test database: enrol, withdraw, accept or decline an
offer, let offers lapse (the clock moves past them and the job runs), change the capacity (the
manager edits the session). After every step: the people holding a place never exceed the
capacity, and the waiting list, the offers and the places are exactly those of a plain model in
which the waiting list is first come, first served and a freed place goes to the head of the line.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from innocore.errors import DomainError
from training.models import (
    SEAT_HOLDING,
    Enrolment,
    EnrolmentStatus,
    TrainingSettings,
)
from training.models import (
    TrainingSession as Session,
)
from training.services import enrolment, planning

PEOPLE = 6
OFFER_HOURS = 2


@pytest.fixture
def machine(db_session, clock, make_session, internal_user, make_user, grant):
    class Enrolments(RuleBasedStateMachine):
        """The model: ``enrolled`` and ``offered`` hold places; ``queue`` waits in order."""

        @initialize(capacity=st.integers(1, 3))
        def open_session(self, capacity):
            clock.now = clock.now.replace(year=2026, month=3, day=2, hour=9)
            self.session = make_session(capacity=capacity, withdraw_days_before=0)
            facility = self.session.facility
            db_session.add(TrainingSettings(facility_id=facility.id, offer_hours=OFFER_HOURS))
            self.manager = make_user()
            grant(self.manager, facility, "manager")
            self.people = [internal_user(facility) for _ in range(PEOPLE)]
            self.capacity = capacity
            self.enrolled: set[int] = set()
            self.offered: set[int] = set()
            self.queue: list[int] = []

        def _fill(self):
            free = self.capacity - len(self.enrolled) - len(self.offered)
            n = max(0, min(free, len(self.queue)))
            self.offered |= set(self.queue[:n])
            del self.queue[:n]

        def _current(self, person) -> Enrolment | None:
            return enrolment.current_enrolment(self.session.id, person.id)

        def _act(self, call) -> bool:
            try:
                call()
            except DomainError:
                db_session.rollback()
                return False
            db_session.commit()
            return True

        @rule(who=st.integers(0, PEOPLE - 1))
        def enrol(self, who):
            person = self.people[who]
            done = self._act(lambda: enrolment.enrol(person, self.session.id, person))
            listed = person.id in self.enrolled | self.offered | set(self.queue)
            assert done != listed, "enrol refused only someone already on the list"
            if not done:
                return
            if len(self.enrolled) + len(self.offered) < self.capacity and not self.queue:
                self.enrolled.add(person.id)
            else:
                self.queue.append(person.id)

        @rule(who=st.integers(0, PEOPLE - 1))
        def withdraw(self, who):
            person = self.people[who]
            current = self._current(person)
            if current is None:
                return
            assert self._act(lambda: enrolment.withdraw(person, current.id))
            held = person.id in self.enrolled | self.offered
            self.enrolled.discard(person.id)
            self.offered.discard(person.id)
            if person.id in self.queue:
                self.queue.remove(person.id)
            if held:
                self._fill()

        @rule(who=st.integers(0, PEOPLE - 1), accept=st.booleans())
        def answer_offer(self, who, accept):
            person = self.people[who]
            current = self._current(person)
            if current is None:
                return
            service = enrolment.accept_offer if accept else enrolment.decline_offer
            done = self._act(lambda: service(person, current.id))
            assert done == (person.id in self.offered)
            if done:
                self.offered.discard(person.id)
                if accept:
                    self.enrolled.add(person.id)
                else:
                    self._fill()

        @rule()
        def offers_lapse(self):
            clock.advance(hours=OFFER_HOURS + 1)
            enrolment.expire_offers()  # every session's lapsed offers: the invariant reads ours
            db_session.commit()
            self.offered.clear()
            self._fill()

        @rule(capacity=st.integers(1, 4))
        def change_capacity(self, capacity):
            s, data = self.session, _data_for(self.session, capacity)
            holding = len(self.enrolled) + len(self.offered)
            done = self._act(lambda: planning.update_session(self.manager, s, data))
            assert done == (capacity >= holding), "capacity never drops below the places held"
            if done:
                self.capacity = capacity
                self._fill()

        @invariant()
        def places_and_line_match_the_model(self):
            if not hasattr(self, "session"):
                return
            rows = db_session.execute(
                sa.select(Enrolment.user_id, Enrolment.status)
                .where(Enrolment.session_id == self.session.id)
                .order_by(Enrolment.queue_number)
            ).all()
            capacity = db_session.scalar(
                sa.select(Session.capacity).where(Session.id == self.session.id)
            )
            holding = [u for u, st_ in rows if st_ in SEAT_HOLDING]
            assert len(holding) <= capacity
            assert capacity == self.capacity
            assert {u for u, st_ in rows if st_ == EnrolmentStatus.ENROLLED} == self.enrolled
            assert {u for u, st_ in rows if st_ == EnrolmentStatus.OFFERED} == self.offered
            assert [u for u, st_ in rows if st_ == EnrolmentStatus.WAITLISTED] == self.queue

    return Enrolments


def _data_for(session, capacity):
    return planning.SessionData(
        capacity=capacity,
        audience=session.audience,
        parts=[(p.starts_at, p.ends_at, p.title, p.instrument_id) for p in session.parts],
        enrol_opens_at=session.enrol_opens_at,
        enrol_closes_at=session.enrol_closes_at,
        trainer_ids=[t.id for t in session.trainers],
        location=session.location,
        withdraw_days_before=session.withdraw_days_before,
    )


def test_capacity_cannot_drop_below_the_places_held(
    db_session, clock, make_session, internal_user, make_user, grant
):
    """Found by the machine below: 2 places, 4 people, raised to 4 (two offers), cut to 3."""
    session = make_session(capacity=2)
    manager = make_user()
    grant(manager, session.facility, "manager")
    people = [internal_user(session.facility) for _ in range(4)]
    for person in people:
        enrolment.enrol(person, session.id, person)
    planning.update_session(manager, session, _data_for(session, 4))
    db_session.commit()
    assert enrolment.seats_held(session.id) == 4  # two enrolled, two offered
    with pytest.raises(DomainError) as refused:
        planning.update_session(manager, session, _data_for(session, 3))
    assert [p.code for p in refused.value.problems] == ["capacity_below_held"]
    db_session.rollback()
    assert db_session.get(Session, session.id).capacity == 4


def test_places_never_exceed_capacity_and_the_line_keeps_its_order(machine):
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
