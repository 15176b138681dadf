"""Enrolment use cases: enrol, withdraw, the waiting list and its timed offers.

Every write that changes who holds a seat runs under a per-session lock: ``SELECT ... FOR UPDATE``
on PostgreSQL, an immediate (write) transaction on SQLite. Capacity therefore never overflows, and
queue numbers, taken under the lock, follow the order in which enrolments commit.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.accounts.rules import category_for
from innocore.db import begin_serialised_write
from innocore.errors import DomainError, Forbidden, NotFound
from innocore.extensions import db
from innocore.ledger.approvals import AccountApproval
from innocore.marks import N_
from training import notices, queries, rules
from training.fee_owner import approval_for, ask_owner
from training.holdings import holdings_for
from training.models import (
    ACTIVE_ENROLMENT,
    SEAT_HOLDING,
    EndReason,
    Enrolment,
    EnrolmentStatus,
    SessionStatus,
    TrainingSession,
)
from training.permissions import can_enrol_for, can_manage_session


def lock_session(session_id: int) -> TrainingSession:
    """Serialise writes on one session and return it freshly loaded."""
    begin_serialised_write(db.session())
    session = db.session.scalar(
        sa.select(TrainingSession)
        .where(TrainingSession.id == session_id)
        .with_for_update(of=TrainingSession)
        .execution_options(populate_existing=True)
    )
    if session is None:
        raise NotFound(N_("No such training session."))
    return session


def prerequisites_of(module) -> list[rules.Prerequisite]:
    out = []
    for p in module.prerequisites:
        if p.required_module_id is not None:
            out.append(rules.Prerequisite(p.required_module.title, module_id=p.required_module_id))
        else:
            label = (
                f"“{p.competence.title}” at level {p.min_level}"
                f" ({p.competence.level_name(p.min_level)})"
            )
            out.append(
                rules.Prerequisite(label, competence_id=p.competence_id, min_level=p.min_level)
            )
    return out


def session_facts(session: TrainingSession) -> rules.SessionFacts:
    return rules.SessionFacts(
        status=session.status,
        audience=session.audience,
        enrol_opens_at=session.enrol_opens_at,
        enrol_closes_at=session.enrol_closes_at,
        starts_at=session.starts_at,
    )


def current_enrolment(session_id: int, user_id: int) -> Enrolment | None:
    return db.session.scalar(
        sa.select(Enrolment).where(
            Enrolment.session_id == session_id,
            Enrolment.user_id == user_id,
            Enrolment.status.in_(ACTIVE_ENROLMENT),
        )
    )


def _counts(session_id: int) -> tuple[int, int]:
    seats, waiting = db.session.execute(
        sa.select(
            sa.func.count().filter(Enrolment.status.in_(SEAT_HOLDING)),
            sa.func.count().filter(Enrolment.status == EnrolmentStatus.WAITLISTED),
        ).where(Enrolment.session_id == session_id)
    ).one()
    return seats, waiting


def seats_held(session_id: int) -> int:
    """People holding a place in the session: enrolled, offered or completed."""
    return _counts(session_id)[0]


def waitlist_position(enrolment: Enrolment) -> int | None:
    if enrolment.status != EnrolmentStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(
        sa.select(sa.func.count()).where(
            Enrolment.session_id == enrolment.session_id,
            Enrolment.status == EnrolmentStatus.WAITLISTED,
            Enrolment.queue_number < enrolment.queue_number,
        )
    )
    return ahead + 1


def _account_problems(actor, learner, session, fee, account_id) -> list:
    """The account must be one the learner may charge on the session's (facility) day; it is
    required only when a learner enrols themselves for a fee and has accounts to choose from."""
    from zoneinfo import ZoneInfo

    from innocore.ledger.accounts import check_account

    at = session.starts_at or clock.now()
    problems = check_account(
        learner,
        account_id,
        at.astimezone(ZoneInfo(session.facility.timezone)).date(),
        for_name=None if actor.id == learner.id else learner.name,
    )
    if account_id is None and (actor.id != learner.id or not fee):
        return []
    return problems


def enrol(actor: User, session_id: int, learner: User, account_id: int | None = None) -> Enrolment:
    """Enrol ``learner`` (oneself, or an employee by a company administrator).

    Takes a seat when one is free and nobody waits, else joins the waiting list. A fee is charged
    to ``account_id``, a billing account the learner may charge on the session's day; learners
    enrolling themselves for a fee choose one when they have any (``account_required``).
    """
    if not can_enrol_for(actor, learner):
        raise Forbidden(N_("Company administrators enrol their own employees only."))
    session = lock_session(session_id)
    current = current_enrolment(session.id, learner.id)
    category = category_for(learner, session.facility)
    held = holdings_for(learner)
    problems = rules.enrolment_problems(
        session_facts(session),
        category=category,
        prerequisites=prerequisites_of(session.module),
        holdings=held.competences,
        passed_modules=held.modules,
        current=current.status if current else None,
        now=clock.now(),
        for_name=None if actor.id == learner.id else learner.name,
    )
    fee = rules.fee_for(category, session.module.fees())
    problems += _account_problems(actor, learner, session, fee, account_id)
    if problems:
        raise DomainError(problems)
    seats, waiting = _counts(session.id)
    status = rules.seat_decision(capacity=session.capacity, seats_taken=seats, waiting=waiting)
    approval = approval_for(actor, account_id, fee)
    awaiting = approval == AccountApproval.AWAITING
    session.waitlist_counter += 1
    enrolment = Enrolment(
        session=session,
        user=learner,
        status=status,
        enrolled_by_id=actor.id,
        created_at=clock.now(),
        queue_number=session.waitlist_counter,
        confirmed_at=clock.now() if status == EnrolmentStatus.ENROLLED and not awaiting else None,
        fee_category=category,
        fee_amount=fee,
        account_id=account_id,
        account_approval=approval,
    )
    db.session.add(enrolment)
    db.session.flush()
    audit.record(
        actor,
        f"training.{status.value}",
        enrolment,
        {"user_id": [None, learner.id], "status": [None, status.value]}
        | ({"account_approval": [None, approval.value]} if approval else {}),
        facility_id=session.facility_id,
    )
    if awaiting:
        ask_owner(enrolment)
    elif status == EnrolmentStatus.ENROLLED:
        notices.enrolled(enrolment)
    else:
        notices.waitlisted(enrolment, waiting + 1)
    return enrolment


def get_enrolment(enrolment_id: int) -> Enrolment:
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None:
        raise NotFound(N_("No such enrolment."))
    return enrolment


def may_act_for(actor: User, enrolment: Enrolment) -> bool:
    return can_enrol_for(actor, enrolment.user) or can_manage_session(actor, enrolment.session)


def withdraw(actor: User, enrolment_id: int) -> Enrolment:
    """Leave a session (before the cut-off when one holds a seat); the seat is offered on."""
    enrolment = get_enrolment(enrolment_id)
    if not may_act_for(actor, enrolment):
        raise NotFound(N_("No such enrolment."))
    session = lock_session(enrolment.session_id)
    db.session.refresh(enrolment)
    problems = rules.withdrawal_problems(
        enrolment.status,
        starts_at=session.starts_at,
        days_before=session.withdraw_days_before,
        zone=session.facility.timezone,
        now=clock.now(),
    )
    if problems:
        raise DomainError(problems)
    held_seat = enrolment.status in SEAT_HOLDING
    if enrolment.status == EnrolmentStatus.ENROLLED:
        # RFC 5546 2.1.4: a CANCEL raises SEQUENCE, so the person's calendar takes it as newer
        # than the REQUEST it holds (and a later re-enrolment's REQUEST as newer again).
        session.sequence += 1
        notices.withdrawn(enrolment)
    _end(enrolment, EndReason.WITHDREW)
    audit.record(
        actor,
        "training.withdrawn",
        enrolment,
        audit.changes_of(enrolment),
        facility_id=session.facility_id,
    )
    if held_seat:
        fill_free_seats(session)
    return enrolment


def _end(enrolment: Enrolment, reason: EndReason) -> None:
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.ended_at, enrolment.end_reason = clock.now(), reason


def accept_offer(actor: User, enrolment_id: int) -> Enrolment:
    """Take the offered place while the offer is open."""
    enrolment = get_enrolment(enrolment_id)
    if not can_enrol_for(actor, enrolment.user):
        raise NotFound(N_("No such enrolment."))
    session = lock_session(enrolment.session_id)
    db.session.refresh(enrolment)
    problems = rules.offer_problems(enrolment.status, enrolment.offer_expires_at, clock.now())
    if problems:
        raise DomainError(problems)
    awaiting = enrolment.account_approval == AccountApproval.AWAITING
    enrolment.status = EnrolmentStatus.ENROLLED
    enrolment.confirmed_at = None if awaiting else clock.now()  # the owner confirms it
    audit.record(
        actor,
        "training.offer_accepted",
        enrolment,
        audit.changes_of(enrolment),
        facility_id=session.facility_id,
    )
    if not awaiting:
        notices.enrolled(enrolment)
    return enrolment


def decline_offer(actor: User, enrolment_id: int) -> Enrolment:
    """Turn the offered place down; it goes to the next person in line."""
    enrolment = get_enrolment(enrolment_id)
    if not can_enrol_for(actor, enrolment.user):
        raise NotFound(N_("No such enrolment."))
    session = lock_session(enrolment.session_id)
    db.session.refresh(enrolment)
    problems = rules.offer_problems(enrolment.status, enrolment.offer_expires_at, clock.now())
    if problems:
        raise DomainError(problems)
    _end(enrolment, EndReason.OFFER_DECLINED)
    audit.record(
        actor,
        "training.offer_declined",
        enrolment,
        audit.changes_of(enrolment),
        facility_id=session.facility_id,
    )
    fill_free_seats(session)
    return enrolment


def fill_free_seats(session: TrainingSession) -> list[Enrolment]:
    """Offer free seats to the first people waiting, one offer per seat (no stampede).

    The caller holds the session lock.
    """
    now = clock.now()
    if session.status != SessionStatus.SCHEDULED or (session.starts_at or now) <= now:
        return []
    seats, waiting = _counts(session.id)
    n = rules.offers_to_make(capacity=session.capacity, seats_taken=seats, waiting=waiting)
    if n == 0:
        return []
    hours = queries.settings_for(session.facility_id).offer_hours
    expires = min(rules.offer_expiry(now, hours), session.starts_at)
    chosen = list(
        db.session.scalars(
            sa.select(Enrolment)
            .where(
                Enrolment.session_id == session.id, Enrolment.status == EnrolmentStatus.WAITLISTED
            )
            .order_by(Enrolment.queue_number)
            .limit(n)
        )
    )
    for e in chosen:
        e.status, e.offered_at, e.offer_expires_at = EnrolmentStatus.OFFERED, now, expires
        e.offers_made += 1
        audit.record(
            None, "training.offer_made", e, audit.changes_of(e), facility_id=session.facility_id
        )
        notices.offered(e)
    return chosen


def expire_offers(now: datetime | None = None) -> int:
    """Job: lapse offers not accepted in time and offer the seats on; exactly once per offer."""
    now = now or clock.now()
    session_ids = list(
        db.session.scalars(
            sa.select(Enrolment.session_id)
            .where(Enrolment.status == EnrolmentStatus.OFFERED, Enrolment.offer_expires_at <= now)
            .distinct()
        )
    )
    lapsed = 0
    for session_id in session_ids:
        session = lock_session(session_id)
        rows = db.session.scalars(
            sa.select(Enrolment)
            .where(
                Enrolment.session_id == session_id,
                Enrolment.status == EnrolmentStatus.OFFERED,
                Enrolment.offer_expires_at <= now,
            )
            .execution_options(populate_existing=True)
        ).all()
        for e in rows:
            _end(e, EndReason.OFFER_LAPSED)
            audit.record(
                None,
                "training.offer_lapsed",
                e,
                audit.changes_of(e),
                facility_id=session.facility_id,
            )
            notices.offer_lapsed(e)
            lapsed += 1
        fill_free_seats(session)
        db.session.commit()  # one session at a time: the next lock starts a fresh transaction
    return lapsed
