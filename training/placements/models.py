"""Placements: internships, apprenticeships, traineeships and staff-mobility stays offered by
facilities or companies, with applications, a signed learning agreement, check-ins and the host's
evaluation at the end."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column, relationship

from innocore.accounts.models import Organisation, User
from innocore.competences.models import CompetenceNeed
from innocore.db import StoredFile, UTCDateTime, enum_column
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.marks import N_


class PlacementKind(enum.StrEnum):
    INTERNSHIP = "internship"
    APPRENTICESHIP = "apprenticeship"
    TRAINEESHIP = "traineeship"
    STAFF_MOBILITY = "staff_mobility"

    @property
    def label(self) -> str:
        return _(
            {
                "internship": N_("Internship"),
                "apprenticeship": N_("Apprenticeship"),
                "traineeship": N_("Traineeship"),
                "staff_mobility": N_("Staff-mobility stay"),
            }[self.value]
        )


class PlacementApplicationStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    SELECTED = "selected"
    NOT_SELECTED = "not_selected"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return _(
            {
                "submitted": N_("Submitted"),
                "selected": N_("Selected"),
                "not_selected": N_("Not selected"),
                "completed": N_("Completed"),
            }[self.value]
        )


class Placement(db.Model):
    """An offer. ``facility`` hosts it when a facility offers it (its managers act as host);
    otherwise the host is the company of ``organisation`` (its administrators and the poster)."""

    __tablename__ = "placement"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PlacementKind] = mapped_column(enum_column(PlacementKind, "placement_kind"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    facility_id: Mapped[int | None] = mapped_column(sa.ForeignKey("facility.id"), index=True)
    posted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    learning_outcomes: Mapped[list] = mapped_column(sa.JSON, default=list)
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    hours_per_week: Mapped[int] = mapped_column()
    stipend_eur_month: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2), default=Decimal("0"))
    places: Mapped[int] = mapped_column()
    applications_close_at: Mapped[datetime] = mapped_column(UTCDateTime())
    min_eqf_level: Mapped[int | None] = mapped_column()
    user_categories: Mapped[list] = mapped_column(sa.JSON, default=list)  # empty: everyone
    module_id: Mapped[int | None] = mapped_column(sa.ForeignKey("training_module.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    facility: Mapped[Facility | None] = relationship(lazy="joined")
    needs: Mapped[list[PlacementCompetence]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="PlacementCompetence.competence_id"
    )

    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="period"),
        sa.CheckConstraint("hours_per_week BETWEEN 1 AND 48", name="hours_range"),
        sa.CheckConstraint("places BETWEEN 1 AND 100", name="places_range"),
        sa.CheckConstraint("stipend_eur_month >= 0", name="stipend_positive"),
        sa.CheckConstraint(
            "min_eqf_level IS NULL OR min_eqf_level BETWEEN 1 AND 8", name="eqf_range"
        ),
    )

    def __repr__(self) -> str:
        return f"<Placement {self.id} {self.kind.value} {self.title!r}>"

    @property
    def host_name(self) -> str:
        return self.facility.name if self.facility is not None else self.organisation.name

    @property
    def zone(self) -> str:
        return self.facility.timezone if self.facility is not None else "UTC"


class PlacementCompetence(CompetenceNeed, db.Model):
    """A competence an applicant must hold (a valid certificate at the level, now)."""

    __tablename__ = "placement_competence"

    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placement.id"), primary_key=True)


class PlacementApplication(db.Model):
    """An application; once selected it carries the learning agreement and the check-ins."""

    __tablename__ = "placement_application"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placement.id"), index=True)
    applicant_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    supervisor_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    eqf_level: Mapped[int | None] = mapped_column()
    motivation: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[PlacementApplicationStatus] = mapped_column(
        enum_column(PlacementApplicationStatus, "placement_application_status"),
        default=PlacementApplicationStatus.SUBMITTED,
    )
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # the learning agreement: the outcomes as agreed, and three signatures
    agreed_outcomes: Mapped[list] = mapped_column(sa.JSON, default=list)
    participant_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    host_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    host_signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    supervisor_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # completion
    evaluation: Mapped[str] = mapped_column(sa.Text, default="")
    passed: Mapped[bool | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate.id"))

    placement: Mapped[Placement] = relationship(lazy="joined", innerjoin=True)
    applicant: Mapped[User] = relationship(
        foreign_keys=[applicant_id], lazy="joined", innerjoin=True
    )
    supervisor: Mapped[User] = relationship(
        foreign_keys=[supervisor_id], lazy="joined", innerjoin=True
    )

    __table_args__ = (
        sa.UniqueConstraint("placement_id", "applicant_id", name="uq_placement_application_once"),
        sa.CheckConstraint("eqf_level IS NULL OR eqf_level BETWEEN 1 AND 8", name="eqf_range"),
        sa.CheckConstraint("supervisor_id <> applicant_id", name="supervisor_not_applicant"),
    )

    def __repr__(self) -> str:
        return f"<PlacementApplication {self.id} {self.status.value}>"

    @property
    def agreement_signed(self) -> bool:
        return None not in (
            self.participant_signed_at,
            self.host_signed_at,
            self.supervisor_signed_at,
        )


class PlacementFile(StoredFile, db.Model):
    """A document of an application (CV, transcript), kept in the database."""

    __tablename__ = "placement_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("placement_application.id"), index=True
    )


class CheckIn(db.Model):
    """A progress note during the placement, by the participant, the host or the supervisor."""

    __tablename__ = "placement_checkin"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("placement_application.id"), index=True
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    progress_percent: Mapped[int] = mapped_column()
    note: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        sa.CheckConstraint("progress_percent BETWEEN 0 AND 100", name="progress_range"),
    )
