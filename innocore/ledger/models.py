"""Charges (one per billable source, rate frozen) and each facility's charging policy."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column, relationship

from innocore.accounts.models import Organisation, User
from innocore.db import UTCDateTime, enum_column
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.vocab import UserCategory


class ChargeSource(enum.StrEnum):
    BOOKING = "booking"
    NO_SHOW = "no_show"
    LATE_CANCELLATION = "late_cancellation"
    TRAINING = "training"
    QUOTE = "quote"

    @property
    def label(self) -> str:
        return {
            "booking": _("Instrument use"),
            "no_show": _("No-show"),
            "late_cancellation": _("Late cancellation"),
            "training": _("Training fee"),
            "quote": _("Service (accepted quote)"),
        }[self.value]


class ChargePolicy(db.Model):
    """What share of the booked time a facility charges for late cancellations and no-shows."""

    __tablename__ = "charge_policy"

    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id"), primary_key=True)
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    late_cancel_share: Mapped[Decimal] = mapped_column(sa.Numeric(4, 3), default=Decimal("0"))
    no_show_share: Mapped[Decimal] = mapped_column(sa.Numeric(4, 3), default=Decimal("1"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.CheckConstraint("late_cancel_share BETWEEN 0 AND 1", name="late_share_range"),
        sa.CheckConstraint("no_show_share BETWEEN 0 AND 1", name="no_show_share_range"),
    )

    def __repr__(self) -> str:
        return f"<ChargePolicy {self.facility_id} {self.currency}>"


class Charge(db.Model):
    """One billable line. ``source_key`` is unique, so turning a source into a charge is idempotent.

    The rate and category in force when the charge was made are copied here and never recomputed.
    """

    __tablename__ = "charge"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[ChargeSource] = mapped_column(enum_column(ChargeSource, "charge_source"))
    source_id: Mapped[int] = mapped_column()
    source_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id"))
    instrument_id: Mapped[int | None] = mapped_column(sa.ForeignKey("instrument.id"))
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service.id"))
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("billing_account.id"), index=True)
    category: Mapped[UserCategory] = mapped_column(enum_column(UserCategory, "user_category"))
    description: Mapped[str] = mapped_column(sa.String(300))
    unit: Mapped[str] = mapped_column(sa.String(40))
    rate: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))
    share: Mapped[Decimal] = mapped_column(sa.Numeric(4, 3), default=Decimal("1"))
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    currency: Mapped[str] = mapped_column(sa.String(3))
    incurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    period_on: Mapped[date] = mapped_column(sa.Date())  # first day of the month, facility zone
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    facility: Mapped[Facility] = relationship()

    __table_args__ = (
        sa.CheckConstraint("quantity >= 0", name="quantity_positive"),
        sa.CheckConstraint("amount >= 0", name="amount_positive"),
        sa.CheckConstraint("share BETWEEN 0 AND 1", name="share_range"),
        sa.Index("ix_charge_org_period", "organisation_id", "period_on"),
        sa.Index("ix_charge_facility_period", "facility_id", "period_on"),
    )

    def __repr__(self) -> str:
        return f"<Charge {self.id} {self.source_key} {self.amount} {self.currency}>"
