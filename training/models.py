"""Training: modules (EU micro-credential elements), sessions, enrolments, attendance, assessments."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from innocore.accounts.models import User
from innocore.competences.models import Competence
from innocore.db import UTCDateTime, enum_column
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.ledger.approvals import AccountApproval
from innocore.marks import N_
from innocore.vocab import Technology, UserCategory
from instruments.models import Instrument


class ModuleStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class AssessmentType(enum.StrEnum):
    WRITTEN_TEST = "written_test"
    PRACTICAL_TEST = "practical_test"
    OBSERVATION = "observation"
    PORTFOLIO = "portfolio"
    PRIOR_LEARNING = "prior_learning"

    @property
    def label(self) -> str:
        return {
            "written_test": _("Written or online test"),
            "practical_test": _("Application of a skill (practical test)"),
            "observation": _("Observation by the trainer"),
            "portfolio": _("Portfolio of work"),
            "prior_learning": _("Recognition of prior learning"),
        }[self.value]


class ParticipationForm(enum.StrEnum):
    ONLINE = "online"
    ON_SITE = "on_site"
    BLENDED = "blended"

    @property
    def label(self) -> str:
        return {"online": _("Online"), "on_site": _("On site"), "blended": _("Blended")}[self.value]


class ModuleKind(enum.StrEnum):
    """What kind of learning a module is: taught (the default), a solved industry challenge, or
    a placement at a host. Challenges and placements name a module of their own kind."""

    COURSE = "course"
    CHALLENGE = "challenge_based_learning"
    PLACEMENT = "placement"

    @property
    def label(self) -> str:
        return {
            "course": _("Course"),
            "challenge_based_learning": _("Challenge-based learning"),
            "placement": _("Placement (work-based learning)"),
        }[self.value]


class Audience(enum.StrEnum):
    INTERNAL = "internal"
    ACADEMIC = "academic"
    COMPANIES = "companies"
    EVERYONE = "everyone"

    @property
    def label(self) -> str:
        return {
            "internal": _("Members of the facility's institution only"),
            "academic": _("Academic users (internal and external)"),
            "companies": _("Company staff"),
            "everyone": _("Everyone"),
        }[self.value]


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


class EnrolmentStatus(enum.StrEnum):
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return _(
            {
                "enrolled": N_("Enrolled"),
                "waitlisted": N_("On the waiting list"),
                "offered": N_("Place offered"),
                "withdrawn": N_("Withdrawn"),
                "cancelled": N_("Cancelled"),
                "completed": N_("Completed"),
            }[self.value]
        )


ACTIVE_ENROLMENT = (
    EnrolmentStatus.ENROLLED,
    EnrolmentStatus.WAITLISTED,
    EnrolmentStatus.OFFERED,
    EnrolmentStatus.COMPLETED,
)
SEAT_HOLDING = (EnrolmentStatus.ENROLLED, EnrolmentStatus.OFFERED, EnrolmentStatus.COMPLETED)
# Still in play before the session: enrolled, waiting for a seat, or offered one.
CURRENT_ENROLMENT = (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED, EnrolmentStatus.OFFERED)


class EndReason(enum.StrEnum):
    WITHDREW = "withdrew"
    OFFER_DECLINED = "offer_declined"
    OFFER_LAPSED = "offer_lapsed"
    SESSION_CANCELLED = "session_cancelled"

    @property
    def label(self) -> str:
        return _(
            {
                "withdrew": N_("Withdrew"),
                "offer_declined": N_("Offer declined"),
                "offer_lapsed": N_("Offer lapsed"),
                "session_cancelled": N_("Session cancelled"),
            }[self.value]
        )


class MaterialKind(enum.StrEnum):
    LINK = "link"
    FILE = "file"


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"

    @property
    def label(self) -> str:
        return _(
            {"present": N_("Present"), "absent": N_("Absent"), "excused": N_("Excused")}[self.value]
        )


class AssessmentOutcome(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"

    @property
    def label(self) -> str:
        """The option's words, marked here and looked up where shown."""
        return _({"passed": N_("Passed"), "failed": N_("Failed")}[self.value])


class TrainingSettings(db.Model):
    """Per-facility training settings (how long a waitlist offer stays open, reminder lead)."""

    __tablename__ = "training_settings"

    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id"), primary_key=True)
    offer_hours: Mapped[int] = mapped_column(default=24)
    reminder_hours: Mapped[int] = mapped_column(default=24)

    __table_args__ = (
        sa.CheckConstraint("offer_hours BETWEEN 1 AND 336", name="offer_hours_range"),
        sa.CheckConstraint("reminder_hours BETWEEN 1 AND 336", name="reminder_hours_range"),
    )

    def __repr__(self) -> str:
        return f"<TrainingSettings facility={self.facility_id} offer={self.offer_hours}h>"


class TrainingModule(db.Model):
    """What can be learnt; network-wide when ``facility_id`` is empty."""

    __tablename__ = "training_module"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int | None] = mapped_column(sa.ForeignKey("facility.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    technology: Mapped[Technology] = mapped_column(enum_column(Technology, "technology"))
    kind: Mapped[ModuleKind] = mapped_column(
        enum_column(ModuleKind, "training_module_kind"), default=ModuleKind.COURSE
    )
    learning_outcomes: Mapped[list] = mapped_column(sa.JSON, default=list)
    competence_id: Mapped[int] = mapped_column(sa.ForeignKey("competence.id"), index=True)
    level_awarded: Mapped[int] = mapped_column()
    ects: Mapped[Decimal] = mapped_column(sa.Numeric(4, 1))
    notional_hours: Mapped[int] = mapped_column()
    eqf_level: Mapped[int | None] = mapped_column()
    assessment_type: Mapped[AssessmentType] = mapped_column(
        enum_column(AssessmentType, "training_assessment_type")
    )
    participation_form: Mapped[ParticipationForm] = mapped_column(
        enum_column(ParticipationForm, "training_participation_form")
    )
    language: Mapped[str] = mapped_column(sa.String(8), default="en")
    quality_assurance: Mapped[str] = mapped_column(sa.Text, default="")
    fee_internal: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2), default=Decimal("0"))
    fee_academic: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2), default=Decimal("0"))
    fee_industry: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2), default=Decimal("0"))
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    status: Mapped[ModuleStatus] = mapped_column(
        enum_column(ModuleStatus, "training_module_status"), default=ModuleStatus.DRAFT
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    facility: Mapped[Facility | None] = relationship()
    competence: Mapped[Competence] = relationship(lazy="joined", innerjoin=True)
    prerequisites: Mapped[list[ModulePrerequisite]] = relationship(
        cascade="all, delete-orphan",
        lazy="selectin",
        foreign_keys="ModulePrerequisite.module_id",
        order_by="ModulePrerequisite.id",
    )

    __table_args__ = (
        sa.CheckConstraint("level_awarded BETWEEN 1 AND 9", name="level_range"),
        sa.CheckConstraint("ects >= 0", name="ects_positive"),
        sa.CheckConstraint("notional_hours > 0", name="hours_positive"),
        sa.CheckConstraint("eqf_level IS NULL OR eqf_level BETWEEN 1 AND 8", name="eqf_range"),
        sa.CheckConstraint(
            "fee_internal >= 0 AND fee_academic >= 0 AND fee_industry >= 0", name="fees_positive"
        ),
    )

    def __repr__(self) -> str:
        return f"<TrainingModule {self.id} {self.title!r}>"

    def fees(self) -> dict[UserCategory, Decimal]:
        return {
            UserCategory.INTERNAL: self.fee_internal,
            UserCategory.EXTERNAL_ACADEMIC: self.fee_academic,
            UserCategory.INDUSTRY: self.fee_industry,
        }


class ModulePrerequisite(db.Model):
    """Either a competence at a minimum level, or another module passed."""

    __tablename__ = "training_module_prerequisite"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("training_module.id"), index=True)
    competence_id: Mapped[int | None] = mapped_column(sa.ForeignKey("competence.id"))
    min_level: Mapped[int | None] = mapped_column()
    required_module_id: Mapped[int | None] = mapped_column(sa.ForeignKey("training_module.id"))

    competence: Mapped[Competence | None] = relationship(lazy="joined")
    required_module: Mapped[TrainingModule | None] = relationship(
        foreign_keys=[required_module_id], lazy="joined"
    )

    __table_args__ = (
        sa.CheckConstraint(
            "(competence_id IS NOT NULL AND min_level IS NOT NULL AND required_module_id IS NULL)"
            " OR (competence_id IS NULL AND min_level IS NULL AND required_module_id IS NOT NULL)",
            name="one_kind",
        ),
    )

    def __repr__(self) -> str:
        return f"<ModulePrerequisite module={self.module_id}>"


class ModuleMaterial(db.Model):
    """A link or an uploaded file for the online part of a module; enrolled people see it."""

    __tablename__ = "training_material"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("training_module.id"), index=True)
    kind: Mapped[MaterialKind] = mapped_column(enum_column(MaterialKind, "training_material_kind"))
    title: Mapped[str] = mapped_column(sa.String(200))
    url: Mapped[str | None] = mapped_column(sa.String(500))
    filename: Mapped[str | None] = mapped_column(sa.String(200))
    content_type: Mapped[str | None] = mapped_column(sa.String(100))
    size_bytes: Mapped[int | None] = mapped_column()
    data: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))

    def __repr__(self) -> str:
        return f"<ModuleMaterial {self.id} {self.kind.value} {self.title!r}>"


session_trainer = sa.Table(
    "training_session_trainer",
    db.metadata,
    sa.Column("session_id", sa.ForeignKey("training_session.id"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("user_account.id"), primary_key=True),
)


class TrainingSession(db.Model):
    __tablename__ = "training_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("training_module.id"), index=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id"), index=True)
    location: Mapped[str] = mapped_column(sa.String(200), default="")
    online_url: Mapped[str | None] = mapped_column(sa.String(500))
    capacity: Mapped[int] = mapped_column()
    audience: Mapped[Audience] = mapped_column(enum_column(Audience, "training_audience"))
    enrol_opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    enrol_closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Withdrawal is possible until this many calendar days before the first part, at the same
    # wall-clock time in the facility's zone.
    withdraw_days_before: Mapped[int] = mapped_column(default=2)
    status: Mapped[SessionStatus] = mapped_column(
        enum_column(SessionStatus, "training_session_status"), default=SessionStatus.SCHEDULED
    )
    sequence: Mapped[int] = mapped_column(default=0)  # iCalendar SEQUENCE, raised on every change
    waitlist_counter: Mapped[int] = mapped_column(default=0)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(500))

    module: Mapped[TrainingModule] = relationship(lazy="joined", innerjoin=True)
    facility: Mapped[Facility] = relationship(lazy="joined", innerjoin=True)
    parts: Mapped[list[SessionPart]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="SessionPart.starts_at"
    )
    trainers: Mapped[list[User]] = relationship(
        secondary=session_trainer, lazy="selectin", order_by="User.name"
    )

    __table_args__ = (
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("withdraw_days_before >= 0", name="withdraw_days_positive"),
        sa.CheckConstraint("enrol_closes_at > enrol_opens_at", name="window_order"),
    )

    def __repr__(self) -> str:
        return f"<TrainingSession {self.id} module={self.module_id} {self.status.value}>"

    @property
    def starts_at(self) -> datetime | None:
        return self.parts[0].starts_at if self.parts else None

    @property
    def ends_at(self) -> datetime | None:
        return max(p.ends_at for p in self.parts) if self.parts else None


class SessionPart(db.Model):
    """One dated part of a session (a course may span several days)."""

    __tablename__ = "training_session_part"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("training_session.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A hands-on part holds its instrument through a booking made by the booking service.
    instrument_id: Mapped[int | None] = mapped_column(sa.ForeignKey("instrument.id"), index=True)
    booking_id: Mapped[int | None] = mapped_column(sa.ForeignKey("booking.id"), unique=True)

    instrument: Mapped[Instrument | None] = relationship(lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="part_order"),
        sa.CheckConstraint(
            "booking_id IS NULL OR instrument_id IS NOT NULL", name="booking_has_instrument"
        ),
    )

    def __repr__(self) -> str:
        return f"<SessionPart {self.id} session={self.session_id} {self.starts_at.isoformat()}>"


class Enrolment(db.Model):
    __tablename__ = "training_enrolment"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("training_session.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(
        enum_column(EnrolmentStatus, "training_enrolment_status")
    )
    enrolled_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Position in the session's queue, taken under the session lock: the order of commits.
    queue_number: Mapped[int | None] = mapped_column()
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    offers_made: Mapped[int] = mapped_column(default=0)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[EndReason | None] = mapped_column(
        enum_column(EndReason, "training_end_reason")
    )
    fee_category: Mapped[UserCategory] = mapped_column(enum_column(UserCategory, "user_category"))
    fee_amount: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))
    # The billing account the fee is charged to (innocore.ledger.accounts); None: the organisation.
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("billing_account.id"), index=True)
    # A fee above the account's approval threshold waits for its owner (training.fee_approvals):
    # None when no approval was needed.
    account_approval: Mapped[AccountApproval | None] = mapped_column(
        enum_column(AccountApproval, "account_approval")
    )

    session: Mapped[TrainingSession] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        sa.Index(
            "uq_training_enrolment_active",
            "session_id",
            "user_id",
            unique=True,
            sqlite_where=sa.text("status IN ('enrolled','waitlisted','offered','completed')"),
            postgresql_where=sa.text("status IN ('enrolled','waitlisted','offered','completed')"),
        ),
    )

    def __repr__(self) -> str:
        return f"<Enrolment {self.id} session={self.session_id} user={self.user_id} {self.status}>"


class Attendance(db.Model):
    __tablename__ = "training_attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("training_enrolment.id"), index=True)
    part_id: Mapped[int] = mapped_column(sa.ForeignKey("training_session_part.id"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(
        enum_column(AttendanceStatus, "training_attendance_status")
    )
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (sa.UniqueConstraint("enrolment_id", "part_id"),)

    def __repr__(self) -> str:
        return f"<Attendance enrolment={self.enrolment_id} part={self.part_id} {self.status}>"


class Assessment(db.Model):
    """One assessment result; append-only (a correction is a newer row for the same enrolment)."""

    __tablename__ = "training_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("training_enrolment.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("training_module.id"), index=True)
    competence_id: Mapped[int] = mapped_column(sa.ForeignKey("competence.id"))
    outcome: Mapped[AssessmentOutcome] = mapped_column(
        enum_column(AssessmentOutcome, "training_assessment_outcome")
    )
    level_reached: Mapped[int | None] = mapped_column()
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    evidence_text: Mapped[str] = mapped_column(sa.Text, default="")
    evidence_filename: Mapped[str | None] = mapped_column(sa.String(200))
    evidence_content_type: Mapped[str | None] = mapped_column(sa.String(100))
    evidence_data: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    supersedes_id: Mapped[int | None] = mapped_column(sa.ForeignKey("training_assessment.id"))
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id], lazy="joined")

    __table_args__ = (
        sa.CheckConstraint(
            "(outcome = 'passed' AND level_reached IS NOT NULL) OR outcome = 'failed'",
            name="passed_has_level",
        ),
        sa.CheckConstraint(
            "level_reached IS NULL OR level_reached BETWEEN 1 AND 9", name="level_range"
        ),
    )

    def __repr__(self) -> str:
        return f"<Assessment {self.id} enrolment={self.enrolment_id} {self.outcome}>"
