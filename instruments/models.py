"""Instruments, their booking policy, bookings with history, downtime and problem reports."""

from __future__ import annotations

import enum
from datetime import datetime, time
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column, relationship

from innocore.accounts.models import User
from innocore.competences.models import Competence
from innocore.db import UTCDateTime, enum_column
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.ledger import approvals
from innocore.marks import N_, message_text
from innocore.vocab import Technology, UserCategory


class InstrumentStatus(enum.StrEnum):
    AVAILABLE = "available"
    LIMITED = "limited"
    DOWN = "down"
    RETIRED = "retired"

    @property
    def label(self) -> str:
        return _(
            {
                "available": N_("Available"),
                "limited": N_("Limited"),
                "down": N_("Down"),
                "retired": N_("Retired"),
            }[self.value]
        )


class ApprovalMode(enum.StrEnum):
    NONE = "none"
    EXTERNAL = "external"
    EVERYONE = "everyone"

    @property
    def label(self) -> str:
        return {
            "none": _("No approval needed"),
            "external": _("Staff approve bookings of external users"),
            "everyone": _("Staff approve every booking"),
        }[self.value]


class BookingStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    NO_SHOW = "no_show"
    COMPLETED = "completed"
    # A waiting-list offer: the time is kept for one person until they accept (it becomes
    # confirmed or pending), decline, or let it lapse (released). See instruments/services/holds.py.
    HELD = "held"
    RELEASED = "released"

    @property
    def label(self) -> str:
        return _(
            {
                "pending": N_("Pending"),
                "confirmed": N_("Confirmed"),
                "cancelled": N_("Cancelled"),
                "rejected": N_("Rejected"),
                "no_show": N_("No-show"),
                "completed": N_("Completed"),
                "held": N_("Held (waiting-list offer)"),
                "released": N_("Released"),
            }[self.value]
        )


# The billing account owner's decision on a booking estimated above the account's approval
# threshold: the kernel's, shared by every kind of charge (``innocore.ledger.approvals``).
AccountApproval = approvals.AccountApproval


ACTIVE_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED)
# What keeps the instrument from others: active bookings and waiting-list holds. The PostgreSQL
# exclusion constraint ``ex_booking_no_overlap`` covers exactly these statuses.
BLOCKING_STATUSES = (*ACTIVE_STATUSES, BookingStatus.HELD)


class UsageChannel(enum.StrEnum):
    """How a check-in or check-out was recorded."""

    BOOKING_PAGE = "booking_page"
    QR = "qr"
    KIOSK = "kiosk"
    API = "api"
    STAFF = "staff"
    LOGGED = "logged"  # unbooked use logged afterwards by staff

    @property
    def label(self) -> str:
        return message_text(self.english)

    @property
    def english(self) -> str:
        """The words in English, marked for the catalogs: a booking's history stores them as its
        note (``record_change``) and pages look them up with ``tr``."""
        return {
            "booking_page": N_("on the booking page"),
            "qr": N_("with the instrument's QR code"),
            "kiosk": N_("at the facility kiosk"),
            "api": N_("through the API"),
            "staff": N_("by staff"),
            "logged": N_("logged by staff (unbooked use)"),
        }[self.value]


class Severity(enum.StrEnum):
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"

    @property
    def label(self) -> str:
        return {
            "low": _("Low (for staff only)"),
            "moderate": _("Moderate (users are warned)"),
            "high": _("High (instrument cannot be used)"),
        }[self.value]


class FeedKind(enum.StrEnum):
    """What a secret calendar address shows: a person's bookings, an instrument's, a
    facility's (``BOOKING_FEED_KINDS``, made on the bookings' feed page), or a person's
    training sessions (made on the training feed page)."""

    USER = "user"
    INSTRUMENT = "instrument"
    FACILITY = "facility"
    TRAINING = "training"

    @property
    def label(self) -> str:
        return _(
            {
                "user": N_("My bookings"),
                "instrument": N_("Instrument"),
                "facility": N_("Facility"),
                "training": N_("My training sessions"),
            }[self.value]
        )


BOOKING_FEED_KINDS = (FeedKind.USER, FeedKind.INSTRUMENT, FeedKind.FACILITY)


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
    # Set when the charge estimate passed the account's approval threshold: the booking stays
    # pending until the account's owner (its group's PI) approves; None: not needed.
    account_approval: Mapped[AccountApproval | None] = mapped_column(
        enum_column(AccountApproval, "account_approval")
    )
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
    # Usage as it happened (instruments.services.usage): when the person checked in and out,
    # who recorded it and how (a ``UsageChannel`` value). Unbooked use logged by staff is a
    # booking with both set and ``checked_in_via == "logged"``.
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    checked_in_via: Mapped[str | None] = mapped_column(sa.String(20))
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_out_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    checked_out_via: Mapped[str | None] = mapped_column(sa.String(20))
    # The recurring series this booking is one occurrence of (instruments.series); each
    # occurrence is an ordinary booking with its own UID, moved or cancelled on its own.
    series_id: Mapped[int | None] = mapped_column(sa.ForeignKey("booking_series.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    instrument: Mapped[Instrument] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    booked_by: Mapped[User] = relationship(foreign_keys=[booked_by_id])

    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        sa.CheckConstraint(
            "checked_out_at IS NULL OR (checked_in_at IS NOT NULL AND checked_out_at >= checked_in_at)",
            name="checked_out_after_in",
        ),
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

    Kept exact by database triggers on ``booking`` (migration ``0018_booking_day``), in the same
    transaction as every booking write (insert, delete, and updates of instrument, times, status,
    late flag, account, check-in or check-out): each write subtracts the row's old contribution
    and adds its new one, so concurrent writes add up. Booked = confirmed, completed and no-show
    (a waiting-list hold is not a booking until accepted); used = from check-in to check-out (to
    the booked end while nobody checked out) where a confirmed booking records a check-in, else
    the booked time of a completed booking, as ``instruments.reports._used_seconds`` reads it
    live; whole seconds of the full length. ``min_begins_at`` only falls and ``max_ends_at`` only
    grows (bounds of the day's starts and check-ins, and of its ends and check-outs), so a report
    knows which days hold bookings or use crossing its period's ends and reads those days'
    bookings instead. Never written by the application."""

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
    min_begins_at: Mapped[datetime] = mapped_column(UTCDateTime())
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
    """A secret, revocable iCalendar address (bookings or training, by ``kind``); only the
    SHA-256 of its token is stored. ``target_id``: the person, instrument or facility shown."""

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
    # Check-in (instruments.services.usage): it opens this many minutes before a booking starts;
    # a confirmed booking not checked in ``no_show_grace_minutes`` after its start becomes a
    # no-show (None: the facility does not ask for check-in, no automatic no-shows); charges
    # follow the actual use (check-in to check-out) instead of the booked time when asked.
    checkin_opens_minutes: Mapped[int] = mapped_column(default=15, server_default="15")
    no_show_grace_minutes: Mapped[int | None] = mapped_column()
    # When the no-show rule was turned on: bookings starting before it are never no-shows (so
    # turning the rule on does not mark the past, when nobody was asked to check in).
    no_show_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    charge_actual_use: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # A no-show costs this flat amount (in the facility's charging currency) instead of the
    # charging policy's share of the booked time; None: the share applies.
    no_show_fee: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    # How long a waiting-list offer keeps the freed time for the person offered it (minutes).
    waitlist_hold_minutes: Mapped[int] = mapped_column(default=30, server_default=sa.text("30"))

    __table_args__ = (
        sa.CheckConstraint("reminder_hours BETWEEN 0 AND 336", name="reminder_range"),
        sa.CheckConstraint("checkin_opens_minutes BETWEEN 0 AND 1440", name="checkin_opens_range"),
        sa.CheckConstraint(
            "no_show_grace_minutes IS NULL OR no_show_grace_minutes BETWEEN 1 AND 1440",
            name="no_show_grace_range",
        ),
        sa.CheckConstraint("no_show_fee IS NULL OR no_show_fee >= 0", name="no_show_fee_positive"),
        sa.CheckConstraint("waitlist_hold_minutes BETWEEN 5 AND 1440", name="hold_range"),
    )

    def __repr__(self) -> str:
        return f"<FacilityBookingSettings {self.facility_id} {self.reminder_hours}h>"


class WaitlistStatus(enum.StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return _(
            {
                "waiting": N_("Waiting"),
                "offered": N_("Offered: held for you"),
                "accepted": N_("Accepted: booked"),
                "declined": N_("Declined"),
                "expired": N_("Lapsed"),
                "withdrawn": N_("Left the list"),
            }[self.value]
        )


OPEN_WAITLIST = (WaitlistStatus.WAITING, WaitlistStatus.OFFERED)


class WaitlistEntry(db.Model):
    """One person waiting for one taken interval ``[starts_at, ends_at)`` of an instrument.

    First come, first offered (``created_at``, then ``id``). When the whole interval frees, the
    first entry waiting for it is offered a hold: a booking in status ``held`` (``hold_booking``)
    that keeps the time until ``offer_expires_at``; accepting turns that booking into a normal one.
    """

    __tablename__ = "instrument_waitlist_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(sa.ForeignKey("instrument.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[WaitlistStatus] = mapped_column(enum_column(WaitlistStatus, "waitlist_status"))
    purpose: Mapped[str] = mapped_column(sa.Text, default="")
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("billing_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hold_booking_id: Mapped[int | None] = mapped_column(sa.ForeignKey("booking.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    instrument: Mapped[Instrument] = relationship()
    user: Mapped[User] = relationship()
    hold_booking: Mapped[Booking | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        sa.Index("ix_instrument_waitlist_entry_queue", "instrument_id", "status", "starts_at"),
        # Once per slot: one open entry per person and interval (the service says it in words).
        sa.Index(
            "uq_instrument_waitlist_entry_open",
            "instrument_id",
            "user_id",
            "starts_at",
            "ends_at",
            unique=True,
            sqlite_where=sa.text("status IN ('waiting', 'offered')"),
            postgresql_where=sa.text("status IN ('waiting', 'offered')"),
        ),
    )

    def __repr__(self) -> str:
        return f"<WaitlistEntry {self.id} instrument={self.instrument_id} {self.status.value}>"
