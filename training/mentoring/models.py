"""Mentoring: mentors with expertise and capacity, mentorships requested by learners, and the
pair's meetings and goals."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from innocore.accounts.models import User
from innocore.db import UTCDateTime, enum_column
from innocore.extensions import db
from innocore.marks import N_


class MentorshipStatus(enum.StrEnum):
    REQUESTED = "requested"
    ACTIVE = "active"
    DECLINED = "declined"
    ENDED = "ended"

    @property
    def label(self) -> str:
        return _(
            {
                "requested": N_("Requested"),
                "active": N_("Active"),
                "declined": N_("Declined"),
                "ended": N_("Ended"),
            }[self.value]
        )


class MentorProfile(db.Model):
    """A person offers mentoring: what they know, and how many mentees at once."""

    __tablename__ = "mentor_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), unique=True)
    expertise: Mapped[str] = mapped_column(sa.Text)
    capacity: Mapped[int] = mapped_column()
    available: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (sa.CheckConstraint("capacity BETWEEN 1 AND 20", name="capacity_range"),)

    def __repr__(self) -> str:
        return f"<MentorProfile user={self.user_id} capacity={self.capacity}>"


class Mentorship(db.Model):
    __tablename__ = "mentorship"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    mentee_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    message: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[MentorshipStatus] = mapped_column(
        enum_column(MentorshipStatus, "mentorship_status"), default=MentorshipStatus.REQUESTED
    )
    progress_consent: Mapped[bool] = mapped_column(default=False)  # mentor sees path progress
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    mentor: Mapped[User] = relationship(foreign_keys=[mentor_id], lazy="joined", innerjoin=True)
    mentee: Mapped[User] = relationship(foreign_keys=[mentee_id], lazy="joined", innerjoin=True)

    __table_args__ = (sa.CheckConstraint("mentor_id <> mentee_id", name="not_self"),)

    def __repr__(self) -> str:
        return f"<Mentorship {self.id} {self.status.value}>"


class MentoringMeeting(db.Model):
    __tablename__ = "mentoring_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(sa.ForeignKey("mentorship.id"), index=True)
    held_on: Mapped[date] = mapped_column(sa.Date)
    minutes: Mapped[int] = mapped_column()
    notes: Mapped[str] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (sa.CheckConstraint("minutes BETWEEN 1 AND 600", name="minutes_range"),)


class MentoringGoal(db.Model):
    __tablename__ = "mentoring_goal"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(sa.ForeignKey("mentorship.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# How many mentees a mentor has now, loaded with the profile (lists stay one query).
MentorProfile.active_count = column_property(
    sa.select(sa.func.count(Mentorship.id))
    .where(
        Mentorship.mentor_id == MentorProfile.user_id,
        Mentorship.status == MentorshipStatus.ACTIVE,
    )
    .correlate_except(Mentorship)
    .scalar_subquery()
)
