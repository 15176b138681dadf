"""Requestable services, service and collaboration requests, quotes, deliverables and expertise."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from innocore.accounts.models import Organisation, User
from innocore.db import UTCDateTime, enum_column
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.ledger.approvals import AccountApproval
from innocore.marks import N_
from innocore.vocab import UserCategory
from instruments.models import Instrument


class ServiceUnit(enum.StrEnum):
    SAMPLE = "sample"
    HOUR = "hour"
    PROJECT = "project"

    @property
    def label(self) -> str:
        return {"sample": _("per sample"), "hour": _("per hour"), "project": _("per project")}[
            self.value
        ]


class RequestStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    QUOTED = "quoted"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    LAPSED = "lapsed"
    IN_PROGRESS = "in_progress"
    DELIVERED = "delivered"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return _(
            {
                "submitted": N_("Submitted"),
                "quoted": N_("Quoted"),
                "accepted": N_("Accepted"),
                "declined": N_("Declined"),
                "lapsed": N_("Lapsed"),
                "in_progress": N_("In progress"),
                "delivered": N_("Delivered"),
                "closed": N_("Closed"),
                "withdrawn": N_("Withdrawn"),
                "rejected": N_("Rejected"),
            }[self.value]
        )


OPEN_STATUSES = (
    RequestStatus.SUBMITTED,
    RequestStatus.QUOTED,
    RequestStatus.ACCEPTED,
    RequestStatus.IN_PROGRESS,
    RequestStatus.DELIVERED,
)


class QuoteStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    SUPERSEDED = "superseded"
    LAPSED = "lapsed"

    @property
    def label(self) -> str:
        return _(
            {
                "open": N_("Open"),
                "accepted": N_("Accepted"),
                "declined": N_("Declined"),
                "superseded": N_("Superseded"),
                "lapsed": N_("Lapsed"),
            }[self.value]
        )


class FileKind(enum.StrEnum):
    ATTACHMENT = "attachment"
    DELIVERABLE = "deliverable"

    @property
    def label(self) -> str:
        return _({"attachment": N_("Attachment"), "deliverable": N_("Deliverable")}[self.value])


service_instrument = sa.Table(
    "service_instrument",
    db.metadata,
    sa.Column("service_id", sa.ForeignKey("service.id"), primary_key=True),
    sa.Column("instrument_id", sa.ForeignKey("instrument.id"), primary_key=True),
)


class Service(db.Model):
    """A service a facility offers on request, priced per unit and user category."""

    __tablename__ = "service"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    deliverables: Mapped[str] = mapped_column(sa.Text, default="")
    expertise: Mapped[str] = mapped_column(sa.Text, default="")
    turnaround_days: Mapped[int | None] = mapped_column()
    unit: Mapped[ServiceUnit] = mapped_column(enum_column(ServiceUnit, "service_unit"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    facility: Mapped[Facility] = relationship(lazy="joined", innerjoin=True)
    prices: Mapped[list[ServicePrice]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ServicePrice.category"
    )
    instruments: Mapped[list[Instrument]] = relationship(
        secondary=service_instrument, lazy="selectin", order_by=Instrument.name
    )

    __table_args__ = (
        sa.CheckConstraint(
            "turnaround_days IS NULL OR turnaround_days BETWEEN 0 AND 3650", name="turnaround_range"
        ),
    )

    def __repr__(self) -> str:
        return f"<Service {self.id} {self.name!r}>"

    def price_for(self, category: UserCategory) -> Decimal | None:
        for price in self.prices:
            if price.category == category:
                return price.price
        return None


class ServicePrice(db.Model):
    __tablename__ = "service_price"

    service_id: Mapped[int] = mapped_column(sa.ForeignKey("service.id"), primary_key=True)
    category: Mapped[UserCategory] = mapped_column(
        enum_column(UserCategory, "user_category"), primary_key=True
    )
    price: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))

    __table_args__ = (sa.CheckConstraint("price >= 0", name="price_positive"),)

    def __repr__(self) -> str:
        return f"<ServicePrice {self.service_id} {self.category.value} {self.price}>"


class Expertise(db.Model):
    """A line of a facility's expertise profile, optionally naming the staff member behind it."""

    __tablename__ = "facility_expertise"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    topic: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Expertise {self.id} {self.topic!r}>"


class ServiceRequest(db.Model):
    """A request for a listed service, or a free collaboration request when ``service_id`` is empty.

    ``organisation_id`` and ``category`` are frozen at submission: the request stays its company's.
    """

    __tablename__ = "service_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id"))
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service.id"), index=True)
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    # The billing account an accepted quote is charged to (innocore.ledger.accounts).
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("billing_account.id"), index=True)
    category: Mapped[UserCategory] = mapped_column(enum_column(UserCategory, "user_category"))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    samples: Mapped[int | None] = mapped_column()
    desired_start_on: Mapped[date | None] = mapped_column(sa.Date())
    desired_end_on: Mapped[date | None] = mapped_column(sa.Date())
    status: Mapped[RequestStatus] = mapped_column(enum_column(RequestStatus, "request_status"))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    closing_note: Mapped[str | None] = mapped_column(sa.Text)
    feedback_rating: Mapped[int | None] = mapped_column()
    feedback_text: Mapped[str | None] = mapped_column(sa.Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    facility: Mapped[Facility] = relationship(lazy="joined", innerjoin=True)
    service: Mapped[Service | None] = relationship()
    requester: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    organisation: Mapped[Organisation] = relationship()

    __table_args__ = (
        sa.CheckConstraint("samples IS NULL OR samples BETWEEN 0 AND 100000", name="samples_range"),
        sa.CheckConstraint(
            "feedback_rating IS NULL OR feedback_rating BETWEEN 1 AND 5", name="rating_range"
        ),
        sa.Index("ix_service_request_inbox", "facility_id", "status", "submitted_at"),
        sa.Index("ix_service_request_org", "organisation_id", "submitted_at"),
    )

    def __repr__(self) -> str:
        return f"<ServiceRequest {self.id} {self.status.value}>"

    @property
    def is_collaboration(self) -> bool:
        return self.service_id is None


class RequestEvent(db.Model):
    """History of a request: every transition, with who, when and a note."""

    __tablename__ = "service_request_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("service_request.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    from_status: Mapped[RequestStatus | None] = mapped_column(
        enum_column(RequestStatus, "request_from_status")
    )
    to_status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, "request_to_status")
    )
    note: Mapped[str] = mapped_column(sa.Text, default="")

    actor: Mapped[User | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<RequestEvent {self.id} {self.to_status.value}>"


class RequestMessage(db.Model):
    __tablename__ = "service_request_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("service_request.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    def __repr__(self) -> str:
        return f"<RequestMessage {self.id} request={self.request_id}>"


class RequestFile(db.Model):
    """An attachment of the requester or a deliverable of the facility: a stored file or a link."""

    __tablename__ = "service_request_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("service_request.id"), index=True)
    kind: Mapped[FileKind] = mapped_column(enum_column(FileKind, "request_file_kind"))
    label: Mapped[str] = mapped_column(sa.String(200))
    url: Mapped[str | None] = mapped_column(sa.String(500))
    filename: Mapped[str | None] = mapped_column(sa.String(200))
    content_type: Mapped[str | None] = mapped_column(sa.String(100))
    size_bytes: Mapped[int | None] = mapped_column()
    data: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.CheckConstraint("url IS NOT NULL OR filename IS NOT NULL", name="file_or_link"),
    )

    def __repr__(self) -> str:
        return f"<RequestFile {self.id} {self.kind.value} {self.label!r}>"


class Quote(db.Model):
    """A priced offer for a request; a newer revision supersedes the open one."""

    __tablename__ = "quote"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("service_request.id"), index=True)
    revision: Mapped[int] = mapped_column()
    status: Mapped[QuoteStatus] = mapped_column(enum_column(QuoteStatus, "quote_status"))
    category: Mapped[UserCategory] = mapped_column(enum_column(UserCategory, "user_category"))
    currency: Mapped[str] = mapped_column(sa.String(3))
    valid_until_on: Mapped[date] = mapped_column(sa.Date())
    terms: Mapped[str] = mapped_column(sa.Text, default="")
    total: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # An accepted total above the account's approval threshold waits for its owner
    # (instruments.requests.quote_approvals): None when no approval was needed.
    account_approval: Mapped[AccountApproval | None] = mapped_column(
        enum_column(AccountApproval, "account_approval")
    )

    request: Mapped[ServiceRequest] = relationship()
    lines: Mapped[list[QuoteLine]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="QuoteLine.position"
    )

    __table_args__ = (
        sa.UniqueConstraint("request_id", "revision"),
        sa.CheckConstraint("total >= 0", name="total_positive"),
    )

    def __repr__(self) -> str:
        return f"<Quote {self.id} request={self.request_id} r{self.revision} {self.status.value}>"


class QuoteLine(db.Model):
    __tablename__ = "quote_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(sa.ForeignKey("quote.id"), index=True)
    position: Mapped[int] = mapped_column()
    description: Mapped[str] = mapped_column(sa.String(300))
    unit: Mapped[str] = mapped_column(sa.String(40))
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))
    unit_price: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))

    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("unit_price >= 0", name="unit_price_positive"),
    )

    def __repr__(self) -> str:
        return f"<QuoteLine {self.id} quote={self.quote_id} {self.amount}>"


class RequestBooking(db.Model):
    """Instrument time that facility staff booked to carry out a request."""

    __tablename__ = "service_request_booking"

    request_id: Mapped[int] = mapped_column(sa.ForeignKey("service_request.id"), primary_key=True)
    booking_id: Mapped[int] = mapped_column(
        sa.ForeignKey("booking.id"), primary_key=True, unique=True
    )

    def __repr__(self) -> str:
        return f"<RequestBooking request={self.request_id} booking={self.booking_id}>"
