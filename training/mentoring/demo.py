"""Demo mentoring: the imaging facility's staff scientist mentors the PhD student (active, with
consent to see her path progress), and Helixa's scientist offers mentoring too."""

from __future__ import annotations

from datetime import timedelta

from innocore import clock
from innocore.extensions import db
from training.mentoring.models import (
    MentoringGoal,
    MentoringMeeting,
    MentorProfile,
    Mentorship,
    MentorshipStatus,
)


def seed_mentoring(ctx: dict) -> None:
    people, now = ctx["people"], clock.now()
    staff, phd, helixa = people[2], people[7], people[10]
    db.session.add_all(
        [
            MentorProfile(
                user_id=staff.id,
                expertise="Confocal and light-sheet imaging; image "
                "analysis in Python; careers in core facilities.",
                capacity=3,
                created_at=now,
                updated_at=now,
            ),
            MentorProfile(
                user_id=helixa.id,
                expertise="Drug screening in industry; moving from academia to a biotech company.",
                capacity=2,
                created_at=now,
                updated_at=now,
            ),
        ]
    )
    pair = Mentorship(
        mentor_id=staff.id,
        mentee_id=phd.id,
        status=MentorshipStatus.ACTIVE,
        message="I would like to become independent on the confocal and learn image analysis.",
        progress_consent=True,
        requested_at=now - timedelta(days=20),
        decided_at=now - timedelta(days=19),
    )
    db.session.add(pair)
    db.session.flush()
    db.session.add_all(
        [
            MentoringMeeting(
                mentorship_id=pair.id,
                held_on=(now - timedelta(days=14)).date(),
                minutes=45,
                notes="Agreed on the confocal path and a first analysis script.",
                recorded_by_id=staff.id,
                created_at=now,
            ),
            MentoringGoal(
                mentorship_id=pair.id,
                title="Pass the confocal independent-use assessment",
                due_on=(now + timedelta(days=60)).date(),
                created_by_id=phd.id,
                created_at=now,
            ),
        ]
    )
    db.session.flush()
