"""Industry challenges: a company or facility poses a real problem; student and postdoc teams apply;
the selected team works in a workspace; the outcome becomes a learning achievement."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column, relationship

from innocore.accounts.models import Organisation, User
from innocore.competences.models import CompetenceNeed
from innocore.db import StoredFile, UTCDateTime, enum_column
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.ledger.accounts import BillingAccount
from innocore.marks import N_


class ChallengeStatus(enum.StrEnum):
    IN_REVIEW = "in_review"  # posted; facility or network staff review it before publication
    PUBLISHED = "published"  # open for applications until its deadline
    RETURNED = "returned"  # the reviewers sent it back with a note
    UNDERWAY = "underway"  # every team place is taken
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return {
            "in_review": _("In review"),
            "published": _("Published"),
            "returned": _("Returned for changes"),
            "underway": _("Underway"),
            "completed": _("Completed"),
        }[self.value]


class ApplicationStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    SHORTLISTED = "shortlisted"
    SELECTED = "selected"
    NOT_SELECTED = "not_selected"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return _(
            {
                "submitted": N_("Submitted"),
                "shortlisted": N_("Shortlisted"),
                "selected": N_("Selected"),
                "not_selected": N_("Not selected"),
                "completed": N_("Completed"),
            }[self.value]
        )


challenge_facility = sa.Table(
    "challenge_facility",
    db.metadata,
    sa.Column("challenge_id", sa.ForeignKey("challenge.id"), primary_key=True),
    sa.Column("facility_id", sa.ForeignKey("facility.id"), primary_key=True),
)


class Challenge(db.Model):
    """A real case posed by an organisation; ``facility`` hosts it (reviews, certifies)."""

    __tablename__ = "challenge"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id"), index=True)
    posted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    by_facility: Mapped[bool] = mapped_column(default=False)  # posted by the facility's managers
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text)  # public
    details: Mapped[str] = mapped_column(sa.Text, default="")  # after the NDA, if there is one
    data_provided: Mapped[str] = mapped_column(sa.Text, default="")
    skills: Mapped[str] = mapped_column(sa.Text, default="")
    participants_get: Mapped[str] = mapped_column(sa.Text, default="")
    nda_text: Mapped[str] = mapped_column(sa.Text, default="")  # empty: no NDA, details public
    team_min: Mapped[int] = mapped_column()
    team_max: Mapped[int] = mapped_column()
    teams_wanted: Mapped[int] = mapped_column(default=1)
    applications_close_at: Mapped[datetime] = mapped_column(UTCDateTime())
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    module_id: Mapped[int | None] = mapped_column(sa.ForeignKey("training_module.id"))
    # The posting organisation's billing account charged for the selected teams' instrument time.
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("billing_account.id"))
    status: Mapped[ChallengeStatus] = mapped_column(
        enum_column(ChallengeStatus, "challenge_status"), default=ChallengeStatus.IN_REVIEW
    )
    review_note: Mapped[str] = mapped_column(sa.String(1000), default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    facility: Mapped[Facility] = relationship(lazy="joined", innerjoin=True)
    posted_by: Mapped[User] = relationship(foreign_keys=[posted_by_id])
    account: Mapped[BillingAccount | None] = relationship()
    facilities: Mapped[list[Facility]] = relationship(
        secondary=challenge_facility, lazy="selectin", order_by="Facility.name"
    )
    needs: Mapped[list[ChallengeCompetence]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ChallengeCompetence.competence_id"
    )

    __table_args__ = (
        sa.CheckConstraint("team_min >= 1 AND team_max >= team_min", name="team_size"),
        sa.CheckConstraint("team_max <= 10", name="team_max_range"),
        sa.CheckConstraint("teams_wanted BETWEEN 1 AND 20", name="teams_wanted_range"),
        sa.CheckConstraint("ends_on >= starts_on", name="period"),
    )

    def __repr__(self) -> str:
        return f"<Challenge {self.id} {self.status.value} {self.title!r}>"

    @property
    def confidential(self) -> bool:
        return bool(self.nda_text.strip())


class ChallengeCompetence(CompetenceNeed, db.Model):
    """A competence of the framework the challenge needs, at a level."""

    __tablename__ = "challenge_competence"

    challenge_id: Mapped[int] = mapped_column(sa.ForeignKey("challenge.id"), primary_key=True)


class NdaAcceptance(db.Model):
    """A person accepted the challenge's NDA in the app (its text is kept as accepted)."""

    __tablename__ = "challenge_nda"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(sa.ForeignKey("challenge.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    text_accepted: Mapped[str] = mapped_column(sa.Text)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (sa.UniqueConstraint("challenge_id", "user_id", name="uq_challenge_nda"),)


class ChallengeApplication(db.Model):
    """One person, or a team led by the applicant; once selected, also the team's workspace."""

    __tablename__ = "challenge_application"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(sa.ForeignKey("challenge.id"), index=True)
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    motivation: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_column(ApplicationStatus, "challenge_application_status"),
        default=ApplicationStatus.SUBMITTED,
    )
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    feedback: Mapped[str] = mapped_column(sa.Text, default="")
    rating: Mapped[int | None] = mapped_column()
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    awarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    challenge: Mapped[Challenge] = relationship(lazy="joined", innerjoin=True)
    lead: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    members: Mapped[list[TeamMember]] = relationship(
        lazy="selectin", order_by="TeamMember.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),
    )

    def __repr__(self) -> str:
        return f"<ChallengeApplication {self.id} {self.status.value}>"


class TeamMember(db.Model):
    """A person in one team; the unique pair keeps a person in one team per challenge."""

    __tablename__ = "challenge_team_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("challenge_application.id"))
    challenge_id: Mapped[int] = mapped_column(sa.ForeignKey("challenge.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate.id"))
    # When the outcome was recorded the member already held the module's competence at its
    # level: this standing certificate (none was issued to them; the others received theirs).
    held_certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate.id"))

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        sa.UniqueConstraint("challenge_id", "user_id", name="uq_challenge_team_member"),
        sa.Index("ix_challenge_team_member_application", "application_id"),
    )


class Milestone(db.Model):
    __tablename__ = "challenge_milestone"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("challenge_application.id"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    due_on: Mapped[date] = mapped_column(sa.Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WorkspaceMessage(db.Model):
    __tablename__ = "challenge_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("challenge_application.id"), index=True
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class ChallengeFile(StoredFile, db.Model):
    """A file of an application (CV, proposal) or of the selected team's workspace."""

    __tablename__ = "challenge_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("challenge_application.id"), index=True
    )

    uploaded_by: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class ChallengeBooking(db.Model):
    """Instrument time a team member booked for the challenge. Linking charges the booking to the
    challenge's billing account, if it has one (``Booking.account_id``)."""

    __tablename__ = "challenge_booking"

    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("challenge_application.id"), primary_key=True
    )
    booking_id: Mapped[int] = mapped_column(
        sa.ForeignKey("booking.id"), primary_key=True, unique=True
    )
    linked_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())
