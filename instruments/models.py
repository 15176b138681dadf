"""Instruments, their booking policy, bookings with history, downtime and problem reports."""

from __future__ import annotations

import enum
from datetime import datetime, time
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from innocore.accounts.models import User
from innocore.competences.models import Competence
from innocore.db import UTCDateTime, enum_column
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.vocab import Technology, UserCategory


class InstrumentStatus(enum.StrEnum):
    AVAILABLE = "available"
    LIMITED = "limited"
    DOWN = "down"
    RETIRED = "retired"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ApprovalMode(enum.StrEnum):
    NONE = "none"
    EXTERNAL = "external"
    EVERYONE = "everyone"

    @property
    def label(self) -> str:
        return {
            "none": "No approval needed",
            "external": "Staff approve bookings of external users",
            "everyone": "Staff approve every booking",
        }[self.value]


class BookingStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    NO_SHOW = "no_show"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return self.value.replace("_", "-").capitalize()


ACTIVE_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


class Severity(enum.StrEnum):
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"

    @property
    def label(self) -> str:
        return {
            "low": "Low (for staff only)",
            "moderate": "Moderate (users are warned)",
            "high": "High (instrument cannot be used)",
        }[self.value]


class FeedKind(enum.StrEnum):
    USER = "user"
    INSTRUMENT = "instrument"
    FACILITY = "facility"


class Instrument(db.Model):
    """A bookable instrument; every policy field left empty means "no limit"."""

    __tablename__ = "instrument"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    technology: Mapped[Technology] = mapped_column(enum_column(Technology, "technology"))
    model: Mapped[str] = mapped_column(sa.String(200), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    location: Mapped[str] = mapped_column(sa.String(200), default="")
    photo: Mapped[str | None] = mapped_column(sa.String(100))
    status: Mapped[InstrumentStatus] = mapped_column(
        enum_column(InstrumentStatus, "instrument_status"), default=InstrumentStatus.AVAILABLE
    )
    required_competence_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("competence.id"), index=True
    )
    required_level: Mapped[int | None] = mapped_column()
    slot_minutes: Mapped[int | None] = mapped_column()
    min_minutes: Mapped[int | None] = mapped_column()
    max_minutes: Mapped[int | None] = mapped_column()
    horizon_days: Mapped[int | None] = mapped_column()
    notice_minutes: Mapped[int | None] = mapped_column()
    cancel_cutoff_minutes: Mapped[int | None] = mapped_column()
    max_future_bookings: Mapped[int | None] = mapped_column()
    max_hours_week: Mapped[int | None] = mapped_column()
    approval_mode: Mapped[ApprovalMode] = mapped_column(
        enum_column(ApprovalMode, "approval_mode"), default=ApprovalMode.NONE
    )
    out_of_hours_level: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    facility: Mapped[Facility] = relationship(lazy="joined", innerjoin=True)
    required_competence: Mapped[Competence | None] = relationship()
    opening_hours: Mapped[list[OpeningHours]] = relationship(
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by=lambda: [OpeningHours.weekday, OpeningHours.opens],
    )
    rates: Mapped[list[Rate]] = relationship(  # list queries ask for them with selectinload
        cascade="all, delete-orphan", order_by="Rate.category"
    )

    __table_args__ = (
        sa.CheckConstraint(
            "slot_minutes IS NULL OR (slot_minutes > 0 AND slot_minutes <= 1440)",
            name="slot_range",
        ),
        sa.CheckConstraint("min_minutes IS NULL OR min_minutes > 0", name="min_positive"),
        sa.CheckConstraint("max_minutes IS NULL OR max_minutes > 0", name="max_positive"),
        sa.CheckConstraint("horizon_days IS NULL OR horizon_days >= 0", name="horizon_positive"),
        sa.CheckConstraint(
            "required_level IS NULL OR required_level BETWEEN 1 AND 9", name="level_range"
        ),
    )

    def __repr__(self) -> str:
        return f"<Instrument {self.id} {self.name!r}>"

    def rate_for(self, category: UserCategory) -> Decimal | None:
        for rate in self.rates:
            if rate.category == category:
                return rate.hourly
        return None


class OpeningHours(db.Model):
    """Wall-clock opening window on one weekday (0 = Monday) in the facility's time zone."""

    __tablename__ = "instrument_opening_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(sa.ForeignKey("instrument.id"), index=True)
    weekday: Mapped[int] = mapped_column()
    opens: Mapped[time] = mapped_column(sa.Time())
    closes: Mapped[time] = mapped_column(sa.Time())

    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        sa.CheckConstraint("closes > opens", name="closes_after_opens"),
    )

    def __repr__(self) -> str:
        return f"<OpeningHours {self.instrument_id} {self.weekday} {self.opens}-{self.closes}>"


class Rate(db.Model):
    __tablename__ = "instrument_rate"

    instrument_id: Mapped[int] = mapped_column(sa.ForeignKey("instrument.id"), primary_key=True)
    category: Mapped[UserCategory] = mapped_column(
        enum_column(UserCategory, "user_category"), primary_key=True
    )
    hourly: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))

    __table_args__ = (sa.CheckConstraint("hourly >= 0", name="hourly_positive"),)

    def __repr__(self) -> str:
        return f"<Rate {self.instrument_id} {self.category.value} {self.hourly}>"


class Booking(db.Model):
    """A half-open interval ``[starts_at, ends_at)`` on one instrument; UID stable for life."""

    __tablename__ = "booking"

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(sa.ForeignKey("instrument.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    booked_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[BookingStatus] = mapped_column(enum_column(BookingStatus, "booking_status"))
    purpose: Mapped[str] = mapped_column(sa.Text, default="")
    project: Mapped[str] = mapped_column(sa.String(200), default="")
    # The billing account charged (innocore.ledger.accounts); None: the organisation's statement.
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("billing_account.id"), index=True)
    uid: Mapped[str] = mapped_column(sa.String(120), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)
    override_reason: Mapped[str | None] = mapped_column(sa.Text)
    for_training: Mapped[bool] = mapped_column(default=False)
    flagged: Mapped[str | None] = mapped_column(sa.String(300))  # e.g. overlaps a downtime
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    cancelled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    cancelled_late: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    instrument: Mapped[Instrument] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    booked_by: Mapped[User] = relationship(foreign_keys=[booked_by_id])

    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        # Covering on PostgreSQL: the reports read an instrument's bookings in a period from this
        # index alone (index-only scan), without visiting the table.
        sa.Index(
            "ix_booking_instrument_starts",
            "instrument_id",
            "starts_at",
            postgresql_include=["ends_at", "status", "user_id", "cancelled_late"],
        ),
        sa.Index("ix_booking_instrument_ends", "instrument_id", "ends_at"),
        sa.Index("ix_booking_user_starts", "user_id", "starts_at"),
        sa.Index("ix_booking_status_starts", "status", "starts_at"),
    )

    def __repr__(self) -> str:
        return f"<Booking {self.id} instrument={self.instrument_id} {self.status.value}>"

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class BookingDay(db.Model):
    """The bookings of one instrument starting on one UTC day ``[day_start, day_end)`` on one
    billing account, summed:
    a rollup the network report reads instead of the bookings (``instruments/reports.py``).

    Kept exact by database triggers on ``booking`` (migration ``0012_booking_day``), in the same
    transaction as every booking write (insert, delete, and updates of instrument, times, status,
    late flag or account): each write subtracts the row's old contribution and adds its new one, so
    concurrent writes add up. Booked = confirmed, completed and no-show; used = completed;
    seconds are whole seconds of the booking's full length. ``max_ends_at`` only grows (an upper
    bound of the day's bookings' ends), so a report knows which days hold bookings crossing its
    period's end and reads those days' bookings instead. Never written by the application."""

    __tablename__ = "booking_day"

    instrument_id: Mapped[int] = mapped_column(
        sa.ForeignKey("instrument.id", ondelete="CASCADE"), primary_key=True
    )
    day_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    # The bookings' billing account (``Booking.account_id``), 0 for bookings on no account.
    account_key: Mapped[int] = mapped_column(primary_key=True)
    day_end: Mapped[datetime] = mapped_column(UTCDateTime())
    booked_count: Mapped[int] = mapped_column(default=0)
    booked_seconds: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    used_seconds: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    no_shows: Mapped[int] = mapped_column(default=0)
    late_cancellations: Mapped[int] = mapped_column(default=0)
    max_ends_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (sa.Index("ix_booking_day_day_start", "day_start"),)


class BookingChange(db.Model):
    """History of a booking: who did what, with the old and new interval of a move."""

    __tablename__ = "booking_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("booking.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    action: Mapped[str] = mapped_column(sa.String(40))
    old_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    old_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    new_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    new_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(sa.Text, default="")

    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<BookingChange {self.id} booking={self.booking_id} {self.action}>"


class Downtime(db.Model):
    __tablename__ = "downtime"

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(sa.ForeignKey("instrument.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(sa.String(500))
    cancel_bookings: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    instrument: Mapped[Instrument] = relationship()

    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="ends_after_starts"),)

    def __repr__(self) -> str:
        return f"<Downtime {self.id} instrument={self.instrument_id}>"


class ProblemReport(db.Model):
    __tablename__ = "problem_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(sa.ForeignKey("instrument.id"), index=True)
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    severity: Mapped[Severity] = mapped_column(enum_column(Severity, "severity"))
    description: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    resolution: Mapped[str | None] = mapped_column(sa.Text)

    instrument: Mapped[Instrument] = relationship()
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])

    def __repr__(self) -> str:
        return f"<ProblemReport {self.id} {self.severity.value} instrument={self.instrument_id}>"


class IdempotencyKey(db.Model):
    """The stored answer to an API write sent with an ``Idempotency-Key`` header."""

    __tablename__ = "idempotency_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    key: Mapped[str] = mapped_column(sa.String(200))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int] = mapped_column()
    response: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)

    def __repr__(self) -> str:
        return f"<IdempotencyKey {self.id} user={self.user_id}>"


class CalendarFeed(db.Model):
    """A secret, revocable iCalendar address; only the SHA-256 of its token is stored."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    kind: Mapped[FeedKind] = mapped_column(enum_column(FeedKind, "feed_kind"))
    target_id: Mapped[int] = mapped_column()
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<CalendarFeed {self.id} {self.kind.value}:{self.target_id}>"


class FacilityBookingSettings(db.Model):
    """Per-facility settings of the booking engine (reminder lead time, certificate ends)."""

    __tablename__ = "facility_booking_settings"

    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id"), primary_key=True)
    reminder_hours: Mapped[int] = mapped_column(default=24)
    # When a user's certificate stops being valid, their bookings that need it are cancelled
    # (True) or flagged for staff to decide (False, the default).
    cancel_on_certificate_end: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false()
    )

    __table_args__ = (
        sa.CheckConstraint("reminder_hours BETWEEN 0 AND 336", name="reminder_range"),
    )

    def __repr__(self) -> str:
        return f"<FacilityBookingSettings {self.facility_id} {self.reminder_hours}h>"
