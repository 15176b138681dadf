"""Career pathways: role profiles (target competences and levels, optionally an ESCO occupation),
people's opt-in to be contacted by companies, and the contacts companies made."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from innocore.competences.models import CompetenceNeed
from innocore.db import UTCDateTime
from innocore.extensions import db


class RoleProfile(db.Model):
    """A role the network trains for, e.g. "flow cytometry specialist"."""

    __tablename__ = "role_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    esco_uri: Mapped[str | None] = mapped_column(sa.String(300))
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    targets: Mapped[list[RoleTarget]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="RoleTarget.competence_id"
    )

    def __repr__(self) -> str:
        return f"<RoleProfile {self.code}>"


class RoleTarget(CompetenceNeed, db.Model):
    """A competence a role profile asks for, at a level."""

    __tablename__ = "role_target"

    profile_id: Mapped[int] = mapped_column(sa.ForeignKey("role_profile.id"), primary_key=True)


class TalentOptIn(db.Model):
    """A person agrees that companies may contact them about role profiles they match."""

    __tablename__ = "career_opt_in"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), primary_key=True)
    opted_in_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TalentContact(db.Model):
    """A company's message to one opted-in person matching a profile (the company never sees who)."""

    __tablename__ = "career_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(sa.ForeignKey("role_profile.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    sender_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    message: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.UniqueConstraint(
            "profile_id", "organisation_id", "person_id", name="uq_career_contact_once"
        ),
    )
