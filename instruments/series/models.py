"""A recurring series of bookings: the rule it was made from, one booking row per occurrence."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from innocore.accounts.models import User
from innocore.db import UTCDateTime, enum_column
from innocore.extensions import db
from instruments.models import Booking, Instrument


class SeriesMode(enum.StrEnum):
    """What happens to a series when some of its dates are refused."""

    ALL_OR_NOTHING = "all_or_nothing"
    SKIP_CONFLICTS = "skip_conflicts"

    @property
    def label(self) -> str:
        return {
            "all_or_nothing": "All or nothing: book no date if any is refused",
            "skip_conflicts": "Skip refused dates: book the others and list the skipped ones",
        }[self.value]


class BookingSeries(db.Model):
    """How a series was made: an RFC 5545 RRULE expanded in the facility's zone from its first
    start, each occurrence ``length_minutes`` of wall-clock time long. The occurrences are
    ordinary ``booking`` rows (``booking.series_id``), each with its own UID, moved or
    cancelled on its own; ``skipped`` lists the dates refused when it was made."""

    __tablename__ = "booking_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(sa.ForeignKey("instrument.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    rrule: Mapped[str] = mapped_column(sa.String(200))  # e.g. "FREQ=WEEKLY;INTERVAL=1;COUNT=52"
    timezone: Mapped[str] = mapped_column(sa.String(64))  # the facility's IANA zone
    first_starts_at: Mapped[datetime] = mapped_column(UTCDateTime())  # DTSTART
    length_minutes: Mapped[int] = mapped_column()  # wall-clock length of each occurrence
    mode: Mapped[SeriesMode] = mapped_column(enum_column(SeriesMode, "series_mode"))
    skipped: Mapped[list] = mapped_column(sa.JSON, default=list)  # [{"starts_at", "reason"}]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    instrument: Mapped[Instrument] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    bookings: Mapped[list[Booking]] = relationship(
        order_by=lambda: [Booking.starts_at, Booking.id], viewonly=True
    )

    __table_args__ = (sa.CheckConstraint("length_minutes > 0", name="length_positive"),)

    def __repr__(self) -> str:
        return f"<BookingSeries {self.id} instrument={self.instrument_id} {self.rrule}>"
