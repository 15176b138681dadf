"""The catalog's writes through /api/v1: instruments, problem reports, calendar feeds, reminders.

Each operation calls the service its page calls (``catalog``, ``services``, ``feeds``).
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from flask import url_for
from flask_login import current_user
from pydantic import BaseModel, Field

from innocore.api.core import api_blueprint, operation, signed_in
from innocore.clock import api_time
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.facilities.services import get_facility
from innocore.marks import N_
from innocore.permissions import can_manage_facility, facility_roles, is_network_admin
from innocore.vocab import FacilityRoleKind, Technology, UserCategory
from instruments import feeds, queries, services
from instruments.api import instrument_json
from instruments.models import (
    ApprovalMode,
    CalendarFeed,
    FeedKind,
    InstrumentStatus,
    ProblemReport,
    Severity,
)
from instruments.permissions import (
    can_create_instrument,
    can_manage_instrument,
    can_staff_instrument,
)
from instruments.schemas import InstrumentOut, LimitsIn, Strict
from instruments.services import booking_settings, inventory
from instruments.services.holds import hold_minutes

bp = api_blueprint("instruments_manage_api", __name__)
TAGS = ["instruments"]


class OpeningIn(Strict):
    weekday: int = Field(ge=0, le=6, description="0 = Monday")
    opens: time
    closes: time


class InstrumentIn(LimitsIn):
    """An instrument as a manager gives it; its booking limits come from ``LimitsIn``."""

    name: str = Field(min_length=1, max_length=200)
    technology: Technology
    model: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=10_000)
    location: str = Field(default="", max_length=200)
    status: InstrumentStatus = InstrumentStatus.AVAILABLE
    required_competence_id: int | None = None
    required_level: int | None = Field(default=None, ge=1, le=9)
    approval_mode: ApprovalMode = ApprovalMode.NONE
    out_of_hours_level: int | None = Field(default=None, ge=1, le=9)
    opening: list[OpeningIn] = Field(default_factory=list, max_length=50)
    rates: dict[UserCategory, Decimal] = Field(default_factory=dict)

    def data(self) -> inventory.InstrumentData:
        fields = self.model_dump(exclude={"opening", "rates"})
        return inventory.InstrumentData(
            **fields,
            opening=[(o.weekday, o.opens, o.closes) for o in self.opening],
            rates=dict(self.rates),
        )


class NewInstrumentIn(InstrumentIn):
    facility_id: int

    def data(self) -> inventory.InstrumentData:
        return InstrumentIn.model_validate(self.model_dump(exclude={"facility_id"})).data()


def _creates_somewhere(user, **_) -> bool:
    if is_network_admin(user):
        return True
    return any(FacilityRoleKind.MANAGER in roles for roles in facility_roles(user).values())


def _manages_instrument(user, instrument_id: int) -> bool:
    return can_manage_instrument(user, queries.get_instrument(instrument_id))


@operation(
    bp,
    "/instruments",
    "POST",
    summary="Add an instrument to a facility's catalog (managers)",
    tags=TAGS,
    body=NewInstrumentIn,
    response=InstrumentOut,
    status=201,
    permission=_creates_somewhere,
)
def create_instrument(body: NewInstrumentIn):
    facility = db.session.get(Facility, body.facility_id)
    if facility is not None and not can_create_instrument(current_user, facility):
        raise Forbidden(N_("Only the facility's managers add instruments."))
    instrument = inventory.create_instrument(current_user, body.facility_id, body.data())
    db.session.commit()
    return instrument_json(instrument), 201


@operation(
    bp,
    "/instruments/<int:instrument_id>",
    "PUT",
    tags=TAGS,
    summary="Edit an instrument: policy, opening hours and rates are replaced as a whole",
    body=InstrumentIn,
    response=InstrumentOut,
    permission=_manages_instrument,
)
def update_instrument(instrument_id: int, body: InstrumentIn):
    instrument = inventory.update_instrument(
        current_user, queries.get_instrument(instrument_id), body.data()
    )
    db.session.commit()
    return instrument_json(instrument)


# ---- problem reports -----------------------------------------------------------------------------


class ProblemIn(Strict):
    severity: Severity
    description: str = Field(min_length=1, max_length=5000)


class ResolutionIn(Strict):
    resolution: str = Field(default="", max_length=5000)


class ProblemOut(BaseModel):
    id: int
    instrument_id: int
    severity: Severity
    description: str
    created_at: str
    resolved_at: str | None
    resolution: str | None


def problem_json(report: ProblemReport) -> dict:
    return {
        "id": report.id,
        "instrument_id": report.instrument_id,
        "severity": report.severity.value,
        "description": report.description,
        "created_at": api_time(report.created_at),
        "resolved_at": api_time(report.resolved_at),
        "resolution": report.resolution,
    }


def _sees_instrument(user, instrument_id: int) -> bool:
    return queries.get_instrument(instrument_id) is not None


@operation(
    bp,
    "/instruments/<int:instrument_id>/problems",
    "POST",
    tags=TAGS,
    status=201,
    summary="Report a problem (a high-severity one takes the instrument down)",
    body=ProblemIn,
    response=ProblemOut,
    permission=_sees_instrument,
)
def report_problem(instrument_id: int, body: ProblemIn):
    report = services.report_problem(current_user, instrument_id, body.severity, body.description)
    db.session.commit()
    return problem_json(report), 201


def _staffs_report(user, report_id: int) -> bool:
    report = db.session.get(ProblemReport, report_id)
    if report is None:
        raise NotFound(N_("No such problem report."))
    return can_staff_instrument(user, report.instrument)


@operation(
    bp,
    "/problems/<int:report_id>/resolve",
    "POST",
    tags=TAGS,
    summary="Resolve a problem report (facility staff)",
    body=ResolutionIn,
    response=ProblemOut,
    permission=_staffs_report,
)
def resolve_problem(report_id: int, body: ResolutionIn):
    report = services.resolve_problem(current_user, report_id, body.resolution)
    db.session.commit()
    return problem_json(report)


# ---- calendar feeds ------------------------------------------------------------------------------


class FeedIn(Strict):
    kind: FeedKind = FeedKind.USER
    target_id: int | None = Field(default=None, description="instrument or facility id")


class FeedOut(BaseModel):
    id: int
    kind: FeedKind
    target_id: int
    created_at: str
    url: str | None = Field(description="the secret address: shown once, when created")


def feed_json(feed: CalendarFeed, raw: str | None = None) -> dict:
    return {
        "id": feed.id,
        "kind": feed.kind.value,
        "target_id": feed.target_id,
        "created_at": api_time(feed.created_at),
        "url": url_for("instruments.feed", token=raw, _external=True) if raw else None,
    }


@operation(
    bp,
    "/me/feeds",
    "GET",
    summary="My booking calendar feeds",
    tags=["account"],
    response=FeedOut,
    listed=True,
)
def list_my_feeds():
    return [feed_json(f) for f in feeds.list_feeds(current_user)]


@operation(
    bp,
    "/me/feeds",
    "POST",
    tags=["account"],
    status=201,
    summary="A new secret calendar address: my bookings, an instrument's or a facility's",
    body=FeedIn,
    response=FeedOut,
    permission=signed_in,
)
def create_my_feed(body: FeedIn):
    target = current_user.id if body.kind == FeedKind.USER else body.target_id
    if target is None:
        raise DomainError(
            Problem("target_required", N_("Name the instrument or facility."), "target_id")
        )
    feed, raw = feeds.create_feed(current_user, body.kind, target)
    db.session.commit()
    return feed_json(feed, raw), 201


@operation(
    bp,
    "/me/feeds/<int:feed_id>",
    "DELETE",
    summary="Revoke one of my calendar feeds",
    tags=["account"],
)
def revoke_my_feed(feed_id: int):
    feeds.revoke_feed(current_user, feed_id)
    db.session.commit()
    return {"revoked": True}


# ---- facility booking settings -------------------------------------------------------------------


class RemindersIn(Strict):
    reminder_hours: int = Field(ge=0, le=336, description="0: no reminders")
    waitlist_hold_minutes: int | None = Field(
        None, ge=5, le=1440, description="minutes a waiting-list offer holds freed time"
    )


class RemindersOut(BaseModel):
    facility_id: int
    reminder_hours: int
    waitlist_hold_minutes: int


def _manages_facility(user, facility_id: int) -> bool:
    return can_manage_facility(user, get_facility(facility_id))


@operation(
    bp,
    "/facilities/<int:facility_id>/reminders",
    "PUT",
    tags=["facilities"],
    summary="How long before each booking its reminder goes out (managers)",
    body=RemindersIn,
    response=RemindersOut,
    permission=_manages_facility,
)
def set_reminders(facility_id: int, body: RemindersIn):
    facility = db.session.get(Facility, facility_id)
    booking_settings.set_reminder_hours(
        current_user,
        facility,
        body.reminder_hours,
        waitlist_hold_minutes=body.waitlist_hold_minutes,
    )
    db.session.commit()
    return {
        "facility_id": facility.id,
        "reminder_hours": booking_settings.reminder_hours(facility.id),
        "waitlist_hold_minutes": hold_minutes(facility.id),
    }
