"""Read side of mentoring: available mentors with their free places, one's mentorships, a pair's
meetings and goals. Each list runs a fixed number of queries."""

from __future__ import annotations

import sqlalchemy as sa

from innocore.extensions import db
from training.mentoring.models import (
    MentoringGoal,
    MentoringMeeting,
    MentorProfile,
    Mentorship,
)


def mentors_stmt() -> sa.Select:
    """Available mentors, each with ``active_count`` (one query)."""
    return (
        sa.select(MentorProfile).where(MentorProfile.available.is_(True)).order_by(MentorProfile.id)
    )


def mentorships_stmt(user_id: int) -> sa.Select:
    return (
        sa.select(Mentorship)
        .where((Mentorship.mentor_id == user_id) | (Mentorship.mentee_id == user_id))
        .order_by(Mentorship.id.desc())
    )


def pair_contents(mentorship_id: int) -> dict:
    return {
        "meetings": db.session.scalars(
            sa.select(MentoringMeeting)
            .where(MentoringMeeting.mentorship_id == mentorship_id)
            .order_by(MentoringMeeting.held_on.desc(), MentoringMeeting.id.desc())
        ).all(),
        "goals": db.session.scalars(
            sa.select(MentoringGoal)
            .where(MentoringGoal.mentorship_id == mentorship_id)
            .order_by(MentoringGoal.id)
        ).all(),
    }
