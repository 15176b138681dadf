"""The competence framework: the shared vocabulary of what people are able to do."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from innocore.db import UTCDateTime, enum_column
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.vocab import Technology


class Competence(db.Model):
    """A competence; network-wide when ``facility_id`` is empty, else owned by that facility."""

    __tablename__ = "competence"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    technology: Mapped[Technology] = mapped_column(enum_column(Technology, "technology"))
    facility_id: Mapped[int | None] = mapped_column(sa.ForeignKey("facility.id"), index=True)
    esco_uri: Mapped[str | None] = mapped_column(sa.String(300))
    default_validity_months: Mapped[int | None] = mapped_column()
    lapse_after_days: Mapped[int | None] = mapped_column()  # "use it or lose it"
    retired: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    facility: Mapped[Facility | None] = relationship()
    levels: Mapped[list[CompetenceLevel]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CompetenceLevel.level"
    )

    __table_args__ = (
        sa.CheckConstraint(
            "default_validity_months IS NULL OR default_validity_months > 0",
            name="validity_positive",
        ),
        sa.CheckConstraint(
            "lapse_after_days IS NULL OR lapse_after_days > 0", name="lapse_positive"
        ),
    )

    def __repr__(self) -> str:
        return f"<Competence {self.code}>"

    def level_name(self, level: int) -> str:
        for row in self.levels:
            if row.level == level:
                return row.name
        return f"Level {level}"


class CompetenceLevel(db.Model):
    __tablename__ = "competence_level"

    competence_id: Mapped[int] = mapped_column(sa.ForeignKey("competence.id"), primary_key=True)
    level: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")

    __table_args__ = (sa.CheckConstraint("level BETWEEN 1 AND 9", name="level_range"),)

    def __repr__(self) -> str:
        return f"<CompetenceLevel {self.competence_id}:{self.level} {self.name!r}>"


class CompetenceNeed:
    """A row of a "competence C at level L" table (what a challenge or a placement needs, what
    a role profile targets): mixed into a model that declares its owner's key first, which
    with ``competence_id`` is the primary key. Levels run from 1 to 9 (EQF-like)."""

    competence_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competence.id"), primary_key=True, sort_order=1
    )
    level: Mapped[int] = mapped_column(sort_order=1)

    @declared_attr
    def competence(cls) -> Mapped[Competence]:
        return relationship(Competence, lazy="joined", innerjoin=True)

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (sa.CheckConstraint("level BETWEEN 1 AND 9", name="level_range"),)
