"""A facility's network mobility rate: where between internal and external academic it lies."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from innocore.db import UTCDateTime
from innocore.extensions import db


class MobilityRate(db.Model):
    """Network members from other institutions pay internal + share% x (external - internal)."""

    __tablename__ = "facility_mobility_rate"

    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id"), primary_key=True)
    share_percent: Mapped[int] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    __table_args__ = (sa.CheckConstraint("share_percent BETWEEN 0 AND 100", name="share_range"),)

    def __repr__(self) -> str:
        return f"<MobilityRate facility={self.facility_id} {self.share_percent}%>"
