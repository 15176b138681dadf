"""The notification outbox: e-mails queued in the transaction, delivered after commit by a job."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from innocore.db import UTCDateTime, enum_column
from innocore.extensions import db


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the maximum number of attempts
    SKIPPED = "skipped"  # kept in the person's inbox, not e-mailed: they turned its kind off


class Notification(db.Model):
    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    to_email: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    # What the message is about (innocore.notifications.kinds): decides whether it is e-mailed.
    kind: Mapped[str] = mapped_column(sa.String(32), server_default="general")
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    ics: Mapped[str | None] = mapped_column(sa.Text)
    ics_method: Mapped[str | None] = mapped_column(sa.String(16))
    link: Mapped[str | None] = mapped_column(sa.String(500))
    # Set for messages a job sends, so a second scheduler or a re-run never queues one twice.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, "delivery_status"), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A sender claims one message just before sending it; only the claimant records the outcome.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(sa.String(120))
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (sa.Index("ix_notification_due", "status", "next_attempt_at"),)

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.status.value} to={self.to_email}>"


class NotificationPreference(db.Model):
    """One person's choice for one optional kind of e-mail (no row: they want it)."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    email: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
