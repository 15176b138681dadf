"""Pydantic shapes of the booking engine's JSON API."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from decimal import Decimal
from typing import get_type_hints

from pydantic import AwareDatetime, BaseModel, Field, create_model

from innocore.api.core import Strict
from innocore.vocab import Technology
from instruments.models import ApprovalMode, BookingStatus, InstrumentStatus, WaitlistStatus
from instruments.rules import LIMIT_MAX, Limits

# An instrument's booking limits in a request body, made from their one declaration
# (``instruments.rules.Limits``): the same names, types, defaults and labels.
LimitsIn = create_model(
    "LimitsIn",
    __base__=Strict,
    **{
        f.name: (
            get_type_hints(Limits)[f.name],
            Field(default=f.default, ge=0, le=LIMIT_MAX, description=f.metadata["label"]),
        )
        for f in fields(Limits)
    },
)


class InstrumentOut(BaseModel):
    id: int
    name: str
    technology: Technology
    model: str
    description: str
    location: str
    status: InstrumentStatus
    facility_id: int
    facility: str
    timezone: str
    institution: str
    city: str | None
    required_competence: str | None
    required_level: int | None
    approval_mode: ApprovalMode
    rules: list[str]
    rates: dict[str, Decimal]
    url: str


class IntervalOut(BaseModel):
    starts_at: datetime
    ends_at: datetime


class BusyOut(IntervalOut):
    kind: str
    mine: bool


class AvailabilityOut(BaseModel):
    instrument_id: int
    timezone: str
    free: list[IntervalOut]
    busy: list[BusyOut]


class SlotOut(BaseModel):
    instrument: InstrumentOut | None
    starts_at: datetime | None
    ends_at: datetime | None
    local_start: str | None


class BookingIn(Strict):
    instrument_id: int
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    purpose: str = ""
    project: str = ""
    user_id: int | None = None
    override_reason: str | None = Field(None, max_length=1000)
    account_id: int | None = Field(None, ge=1, le=2**31 - 1, description="billing account charged")


class MoveIn(Strict):
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    override_reason: str | None = Field(None, max_length=1000)


class OverrideIn(Strict):
    override_reason: str | None = Field(None, max_length=1000)


class ReasonIn(Strict):
    reason: str = Field("", max_length=1000)


class BookingOut(BaseModel):
    id: int
    uid: str
    sequence: int
    instrument_id: int
    instrument: str
    user_id: int
    booked_by_id: int
    starts_at: datetime
    ends_at: datetime
    local_start: str
    local_end: str
    timezone: str
    hours: Decimal
    price: Decimal | None
    status: BookingStatus
    purpose: str
    account_id: int | None = None
    account_approval: str | None = Field(
        None, description="awaiting, approved or refused by the account's owner; null: not needed"
    )
    project: str
    override_reason: str | None
    flagged: str | None
    cancelled_late: bool
    checked_in_at: datetime | None = None
    checked_in_via: str | None = None
    checked_out_at: datetime | None = None
    checked_out_via: str | None = None
    series_id: int | None = Field(None, description="the recurring series it belongs to")
    ics: str


class DowntimeIn(Strict):
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: str = Field(..., min_length=1, max_length=500)
    cancel_bookings: bool = True


class DowntimeOut(BaseModel):
    id: int
    instrument_id: int
    starts_at: datetime
    ends_at: datetime
    reason: str
    cancel_bookings: bool
    affected_bookings: list[int] = []


class WaitlistIn(Strict):
    instrument_id: int = Field(ge=1, le=2**31 - 1)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    purpose: str = Field("", max_length=2000)
    account_id: int | None = Field(None, ge=1, le=2**31 - 1, description="billing account charged")


class WaitlistEntryOut(BaseModel):
    id: int
    instrument_id: int
    instrument: str
    user_id: int
    starts_at: datetime
    ends_at: datetime
    local_start: str
    local_end: str
    timezone: str
    status: WaitlistStatus
    position: int | None = Field(description="1 = first in line for this time; None unless waiting")
    created_at: datetime
    offered_at: datetime | None
    offer_expires_at: datetime | None
    booking_id: int | None = Field(
        description="the held booking of an offer, the booking once accepted"
    )
