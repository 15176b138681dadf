"""Facilities of the network and the staff roles people hold in them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from innocore.accounts.models import Organisation, User
from innocore.db import UTCDateTime, enum_column
from innocore.extensions import db
from innocore.vocab import FacilityRoleKind, Technology


class Facility(db.Model):
    __tablename__ = "facility"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    institution_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    timezone: Mapped[str] = mapped_column(sa.String(64))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(40))
    location: Mapped[str | None] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    institution: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    technology_rows: Mapped[list[FacilityTechnology]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="FacilityTechnology.technology"
    )

    def __repr__(self) -> str:
        return f"<Facility {self.id} {self.slug}>"

    @property
    def technologies(self) -> list[Technology]:
        return [row.technology for row in self.technology_rows]


class FacilityTechnology(db.Model):
    __tablename__ = "facility_technology"

    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id"), primary_key=True)
    technology: Mapped[Technology] = mapped_column(
        enum_column(Technology, "technology"), primary_key=True
    )

    def __repr__(self) -> str:
        return f"<FacilityTechnology {self.facility_id} {self.technology.value}>"


class FacilityRole(db.Model):
    __tablename__ = "facility_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    role: Mapped[FacilityRoleKind] = mapped_column(
        enum_column(FacilityRoleKind, "facility_role_kind")
    )
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    facility: Mapped[Facility] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (sa.UniqueConstraint("facility_id", "user_id", "role"),)

    def __repr__(self) -> str:
        return f"<FacilityRole {self.role.value} user={self.user_id} facility={self.facility_id}>"
