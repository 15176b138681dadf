"""Mentoring use cases: offer mentoring, ask a mentor, answer, record meetings and goals, share
path progress (the mentee's consent), end. They flush, never commit."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.errors import DomainError, Forbidden, NotFound, Problem, raise_problems
from innocore.extensions import db
from innocore.links import absolute_url
from innocore.marks import N_
from innocore.notifications import kinds
from innocore.notifications.services import queue_email
from training.mentoring import rules
from training.mentoring.models import (
    MentoringGoal,
    MentoringMeeting,
    MentorProfile,
    Mentorship,
)
from training.mentoring.models import MentorshipStatus as M

OPEN = (M.REQUESTED, M.ACTIVE)


def save_profile(actor: User, *, expertise: str, capacity, available: bool = True) -> MentorProfile:
    """Offer mentoring (or change one's offer): expertise, capacity (mentees at once)."""
    raise_problems(rules.profile_problems(expertise, capacity))
    now = clock.now()
    profile = db.session.scalar(sa.select(MentorProfile).where(MentorProfile.user_id == actor.id))
    if profile is None:
        profile = MentorProfile(user_id=actor.id, created_at=now)
        db.session.add(profile)
    before = audit.snapshot(profile) if profile.id else {}
    profile.expertise, profile.capacity, profile.available = expertise.strip(), capacity, available
    profile.updated_at = now
    db.session.flush()
    audit.record(
        actor, "mentoring.profile_saved", profile, {"before": before, "capacity": capacity}
    )
    return profile


def _profile(mentor_id: int, *, lock: bool = False) -> MentorProfile:
    stmt = sa.select(MentorProfile).where(MentorProfile.user_id == mentor_id)
    profile = db.session.scalar(stmt.with_for_update() if lock else stmt)
    if profile is None:
        raise NotFound(N_("No such mentor."))
    return profile


def _active(mentor_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            Mentorship.mentor_id == mentor_id, Mentorship.status == M.ACTIVE
        )
    )


def _mail(person: User, subject: str, event: str, m: Mentorship, key: str) -> None:
    queue_email(
        person,
        subject,
        "mentoring_notice",
        kind=kinds.KNOWLEDGE_TRANSFER,
        link=absolute_url("mentoring.show", mentorship_id=m.id),
        dedupe_key=f"mentoring-{key}",
        mentorship=m,
        event=event,
    )


def request_mentor(
    actor: User, mentor_id: int, *, message: str, progress_consent: bool
) -> Mentorship:
    """Ask a mentor; they are e-mailed. Refused (nothing written): oneself, an unavailable or full
    mentor, a second open request to the same mentor, no message."""
    profile = _profile(mentor_id if 0 < mentor_id < 2**31 else 0, lock=True)
    open_ = db.session.scalar(
        sa.select(Mentorship.id).where(
            Mentorship.mentor_id == profile.user_id,
            Mentorship.mentee_id == actor.id,
            Mentorship.status.in_(OPEN),
        )
    )
    raise_problems(
        rules.request_problems(
            is_self=profile.user_id == actor.id,
            available=profile.available,
            open_with_mentor=open_ is not None,
            active=_active(profile.user_id),
            capacity=profile.capacity,
            message=message,
        )
    )
    m = Mentorship(
        mentor_id=profile.user_id,
        mentee_id=actor.id,
        message=message.strip(),
        status=M.REQUESTED,
        progress_consent=progress_consent,
        requested_at=clock.now(),
    )
    db.session.add(m)
    db.session.flush()
    audit.record(actor, "mentoring.requested", m, audit.snapshot(m))
    _mail(profile.user, f"{actor.name} asks you to be their mentor", "requested", m, f"req-{m.id}")
    return m


def get_mentorship(actor: User, mentorship_id: int) -> Mentorship:
    """The mentorship if ``actor`` is its mentor or mentee; NotFound otherwise."""
    m = db.session.get(Mentorship, mentorship_id) if 0 < mentorship_id < 2**31 else None
    if m is None or actor.id not in (m.mentor_id, m.mentee_id):
        raise NotFound(N_("No such mentorship."))
    return m


def answer(actor: User, mentorship_id: int, *, accept: bool) -> Mentorship:
    """The mentor accepts (within their capacity) or declines; the mentee is e-mailed."""
    m = get_mentorship(actor, mentorship_id)
    if actor.id != m.mentor_id:
        raise Forbidden(N_("Only the mentor answers a request."))
    profile = _profile(m.mentor_id, lock=True)
    db.session.refresh(m)
    raise_problems(
        rules.decision_problems(m.status, accept, _active(m.mentor_id), profile.capacity)
    )
    m.status, m.decided_at = (M.ACTIVE if accept else M.DECLINED), clock.now()
    audit.record(actor, f"mentoring.{m.status.value}", m, {"status": ["requested", m.status.value]})
    _mail(
        m.mentee,
        _l("Mentoring request accepted by %(name)s", name=m.mentor.name)
        if accept
        else _l("Mentoring request declined by %(name)s", name=m.mentor.name),
        m.status.value,
        m,
        f"answer-{m.id}",
    )
    return m


def record_meeting(actor: User, mentorship_id: int, *, held_on: date | None, minutes, notes: str):
    """Either of the pair records a meeting (the day, its length in minutes, notes)."""
    m = get_mentorship(actor, mentorship_id)
    raise_problems(
        rules.meeting_problems(m.status, held_on, clock.today(actor.timezone or "UTC"), minutes)
        + rules._text(notes, "notes", "notes", 5000)
    )
    row = MentoringMeeting(
        mentorship_id=m.id,
        held_on=held_on,
        minutes=minutes,
        notes=notes.strip(),
        recorded_by_id=actor.id,
        created_at=clock.now(),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "mentoring.meeting", row, {"held_on": [None, held_on.isoformat()]})
    return row


def add_goal(actor: User, mentorship_id: int, *, title: str, due_on: date | None) -> MentoringGoal:
    m = get_mentorship(actor, mentorship_id)
    raise_problems(rules.goal_problems(m.status, title))
    row = MentoringGoal(
        mentorship_id=m.id,
        title=title.strip(),
        due_on=due_on,
        created_by_id=actor.id,
        created_at=clock.now(),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "mentoring.goal", row, {"title": [None, row.title]})
    return row


def complete_goal(actor: User, goal_id: int) -> MentoringGoal:
    row = db.session.get(MentoringGoal, goal_id) if 0 < goal_id < 2**31 else None
    if row is None:
        raise NotFound(N_("No such goal."))
    m = get_mentorship(actor, row.mentorship_id)
    if m.status != M.ACTIVE or row.done_at is not None:
        raise DomainError(
            Problem("closed", N_("Only an open goal of an active mentorship is done."))
        )
    row.done_at = clock.now()
    audit.record(actor, "mentoring.goal_done", row, {"done_at": [None, row.done_at.isoformat()]})
    return row


def set_consent(actor: User, mentorship_id: int, consent: bool) -> Mentorship:
    """Only the mentee lets the mentor see (or stop seeing) their path progress."""
    m = get_mentorship(actor, mentorship_id)
    if actor.id != m.mentee_id:
        raise Forbidden(N_("Only the mentee decides who sees their progress."))
    m.progress_consent = consent
    audit.record(actor, "mentoring.consent", m, {"progress_consent": [not consent, consent]})
    return m


def end(actor: User, mentorship_id: int) -> Mentorship:
    """Either of the pair ends an active mentorship (the other is e-mailed)."""
    m = get_mentorship(actor, mentorship_id)
    if m.status != M.ACTIVE:
        raise DomainError(Problem("not_active", N_("Only an active mentorship ends.")))
    m.status, m.ended_at = M.ENDED, clock.now()
    audit.record(actor, "mentoring.ended", m, {"status": ["active", "ended"]})
    other = m.mentee if actor.id == m.mentor_id else m.mentor
    _mail(other, _l("Mentorship ended by %(name)s", name=actor.name), "ended", m, f"end-{m.id}")
    return m


def mentee_progress(actor: User, m: Mentorship) -> list[dict] | None:
    """The mentee's progress on every active path, for the mentor with consent (else None):
    [{"path": title, "percent": 0..100, "missing": [...]}]."""
    from training.certification.queries import facts_for
    from training.paths import rules as path_rules
    from training.paths.models import QualificationPath
    from training.paths.services import catalog_for

    allowed = actor.id == m.mentee_id or (m.progress_consent and m.status == M.ACTIVE)
    if not allowed:
        return None
    paths = db.session.scalars(
        sa.select(QualificationPath)
        .where(QualificationPath.active.is_(True))
        .order_by(QualificationPath.title)
    ).all()
    # One read of the mentee's certificates and one catalog for every path's references: the
    # same few queries whatever the number of paths.
    now = clock.now()
    facts = facts_for([m.mentee_id], now)[m.mentee_id]
    refs = path_rules.Refs()
    for path in paths:
        r = path_rules.references(path.requirements)
        refs.modules |= r.modules
        refs.competences |= r.competences
        refs.paths |= r.paths
    catalog = catalog_for(refs)
    out = []
    for path in paths:
        result = path_rules.evaluate(path.requirements, facts, catalog, now)
        out.append(
            {
                "path": path.title,
                "code": path.code,
                "percent": round(result.fraction * 100),
                "missing": result.missing,
            }
        )
    return out
