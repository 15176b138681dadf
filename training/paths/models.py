"""Qualification paths: a requirement tree over modules and competences, awarded as a certificate."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column, relationship

from innocore.accounts.models import User
from innocore.db import UTCDateTime, enum_column
from innocore.extensions import db


class AwardMode(enum.StrEnum):
    AUTOMATIC = "automatic"
    CONFIRMED = "confirmed"  # a network admin confirms each award

    @property
    def label(self) -> str:
        return {
            "automatic": _("Automatically"),
            "confirmed": _("After an administrator confirms"),
        }[self.value]


class AwardStatus(enum.StrEnum):
    PENDING = "pending"
    AWARDED = "awarded"


class QualificationPath(db.Model):
    __tablename__ = "qualification_path"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    eqf_level: Mapped[int | None] = mapped_column()
    requirements: Mapped[dict] = mapped_column(sa.JSON)
    award_mode: Mapped[AwardMode] = mapped_column(enum_column(AwardMode, "path_award_mode"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.CheckConstraint("eqf_level IS NULL OR eqf_level BETWEEN 1 AND 8", name="eqf_range"),
    )

    def __repr__(self) -> str:
        return f"<QualificationPath {self.code}>"


class PathAward(db.Model):
    """A person completed a path: pending confirmation, or awarded with its certificate."""

    __tablename__ = "path_award"

    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(sa.ForeignKey("qualification_path.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    status: Mapped[AwardStatus] = mapped_column(enum_column(AwardStatus, "path_award_status"))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate.id"))

    path: Mapped[QualificationPath] = relationship(lazy="joined", innerjoin=True)
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined", innerjoin=True)

    __table_args__ = (sa.UniqueConstraint("path_id", "user_id", name="uq_path_award_once"),)

    def __repr__(self) -> str:
        return f"<PathAward path={self.path_id} user={self.user_id} {self.status.value}>"
