"""Scheduled training jobs. Each message has a unique dedupe key, so re-runs send nothing twice."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from innocore import audit, clock
from innocore.extensions import db
from innocore.links import absolute_url
from innocore.notifications import kinds
from innocore.notifications.services import queue_email
from training import notices
from training.models import (
    Enrolment,
    EnrolmentStatus,
    SessionPart,
    SessionStatus,
    TrainingSession,
    TrainingSettings,
)
from training.services.enrolment import expire_offers

MAX_LEAD_HOURS = 336


def send_reminders() -> int:
    """A reminder to every participant before each part, within the facility's lead time."""
    now = clock.now()
    hours = sa.func.coalesce(TrainingSettings.reminder_hours, 24)
    rows = db.session.execute(
        sa.select(SessionPart, Enrolment)
        .join(TrainingSession, TrainingSession.id == SessionPart.session_id)
        .join(Enrolment, Enrolment.session_id == TrainingSession.id)
        .outerjoin(TrainingSettings, TrainingSettings.facility_id == TrainingSession.facility_id)
        .options(joinedload(Enrolment.user))
        .where(
            TrainingSession.status == SessionStatus.SCHEDULED,
            Enrolment.status == EnrolmentStatus.ENROLLED,
            SessionPart.starts_at > now,
            SessionPart.starts_at <= now + timedelta(hours=MAX_LEAD_HOURS),
        )
        .add_columns(hours)
    ).all()
    sent = 0
    for part, enrolment, lead in rows:
        if part.starts_at > now + timedelta(hours=lead):
            continue
        key = f"training-reminder-{part.id}-{enrolment.user_id}-{int(part.starts_at.timestamp())}"
        s = enrolment.session
        note = notices._send(
            enrolment.user,
            _l("Reminder: %(title)s", title=s.module.title),
            s,
            [f"A reminder: “{s.module.title}” at {s.facility.name} starts soon."],
            key=key,
            kind=kinds.REMINDERS,
        )
        sent += note is not None
    return sent


def closing_notices() -> int:
    """When enrolment closes, each trainer receives the participant list (once per session)."""
    now = clock.now()
    sessions = db.session.scalars(
        sa.select(TrainingSession).where(
            TrainingSession.status == SessionStatus.SCHEDULED,
            TrainingSession.enrol_closes_at <= now,
            TrainingSession.enrol_closes_at > now - timedelta(days=7),
        )
    ).all()
    sent = 0
    for s in sessions:
        people = db.session.scalars(
            sa.select(Enrolment)
            .options(joinedload(Enrolment.user))
            .where(Enrolment.session_id == s.id, Enrolment.status == EnrolmentStatus.ENROLLED)
            .order_by(Enrolment.queue_number)
        ).all()
        for trainer in s.trainers:
            note = queue_email(
                trainer,
                _l(
                    "Enrolment closed: %(module_title)s (%(len)s participants)",
                    module_title=s.module.title,
                    len=len(people),
                ),
                "training_closing",
                kind=kinds.STAFF_WORK,
                link=absolute_url("training.participants", session_id=s.id),
                dedupe_key=f"training-closing-{s.id}-{trainer.id}",
                session=s,
                people=people,
                dates=notices.when(s),
            )
            sent += note is not None
    return sent


def complete_finished_sessions() -> int:
    """A scheduled session becomes completed once its last part has ended (idempotent).

    A stored status (rather than one derived at read time) keeps every list, filter and API
    answer in agreement and can be indexed; the compare-and-set update means two schedulers
    running this at once complete (and audit) each session once.
    """
    now = clock.now()
    last_end = (
        sa.select(sa.func.max(SessionPart.ends_at))
        .where(SessionPart.session_id == TrainingSession.id)
        .scalar_subquery()
    )
    due = db.session.scalars(
        sa.select(TrainingSession).where(
            TrainingSession.status == SessionStatus.SCHEDULED, last_end <= now
        )
    ).all()
    done = 0
    for session in due:
        won = db.session.execute(
            sa.update(TrainingSession)
            .where(
                TrainingSession.id == session.id,
                TrainingSession.status == SessionStatus.SCHEDULED,
            )
            .values(status=SessionStatus.COMPLETED)
            .execution_options(synchronize_session=False)
        ).rowcount
        if won:
            db.session.refresh(session, ["status"])
            audit.record(
                None,
                "training.session_completed",
                session,
                {"status": ["scheduled", "completed"]},
                facility_id=session.facility_id,
            )
            done += 1
    return done


def register(app) -> None:
    from innocore.jobs import register_job

    register_job(app, "training_offers", expire_offers, 60)
    register_job(app, "training_reminders", send_reminders, 300)
    register_job(app, "training_closing_notices", closing_notices, 300)
    register_job(app, "training_complete_sessions", complete_finished_sessions, 600)
