"""Recurring series through /api/v1: create (or preview with ``dry_run``), read, list, cancel."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

import sqlalchemy as sa
from flask_login import current_user
from pydantic import AwareDatetime, BaseModel, Field

from innocore.api.core import Strict, api_blueprint, operation, paginated, signed_in
from innocore.clock import api_instant, to_zone
from innocore.extensions import db
from innocore.marks import message_text
from instruments.api import booking_json
from instruments.schemas import BookingOut
from instruments.series import rules, services
from instruments.series.models import BookingSeries, SeriesMode
from instruments.services import BookingInput

bp = api_blueprint("series_api", __name__)
TAGS = ["bookings"]


class SeriesIn(Strict):
    instrument_id: int
    starts_at: AwareDatetime = Field(description="the first occurrence's start")
    ends_at: AwareDatetime = Field(description="the first occurrence's end")
    frequency: rules.Frequency
    interval: int = Field(1, ge=1, le=rules.MAX_INTERVAL)
    weekdays: list[int] = Field([], max_length=7, description="0 = Monday … 6 = Sunday (BYDAY)")
    count: int | None = Field(None, ge=2, le=rules.MAX_OCCURRENCES)
    until: date | None = Field(None, description="the last day (facility calendar), inclusive")
    mode: SeriesMode = SeriesMode.ALL_OR_NOTHING
    dry_run: bool = Field(False, description="say what would become of each date, book nothing")
    purpose: str = ""
    project: str = ""
    user_id: int | None = None
    override_reason: str | None = Field(None, max_length=1000)
    account_id: int | None = Field(None, ge=1, le=2**31 - 1)


class SeriesProblemOut(BaseModel):
    code: str
    message: str
    field: str | None
    overridable: bool


class OccurrenceRefusalOut(BaseModel):
    booking_id: int
    problems: list[SeriesProblemOut]


class OccurrenceOut(BaseModel):
    number: int
    local_start: str
    starts_at: datetime | None
    ends_at: datetime | None
    status: str
    booking_id: int | None
    problems: list[SeriesProblemOut]
    notes: list[str] = Field(
        description="How a local time the clocks skip or repeat that day was booked (RFC 5545 "
        "§3.3.5: a repeated time is its first pass, a skipped one moves forward by the gap)."
    )


class SeriesPlanOut(BaseModel):
    series_id: int | None
    dry_run: bool
    rrule: str
    timezone: str
    mode: SeriesMode
    booked: int
    skipped: int
    occurrences: list[OccurrenceOut]


class SeriesOut(BaseModel):
    id: int
    instrument_id: int
    instrument: str
    user_id: int
    rrule: str
    in_words: str
    timezone: str
    first_local_start: str
    mode: SeriesMode
    skipped: list[dict]
    occurrences: list[BookingOut]


class CancelSeriesIn(Strict):
    scope: Literal["this", "following", "all"]
    from_booking_id: int | None = Field(
        None, description="the occurrence 'this'/'following' start at"
    )
    reason: str = Field("", max_length=1000)


class CancelSeriesOut(BaseModel):
    series_id: int
    cancelled: list[int]
    left_alone: list[int] = Field(description="occurrences in the scope that started or are over")
    already_cancelled: list[int] = Field(
        description="occurrences in the scope cancelled, rejected or released before"
    )


def _sees_series(user, series_id: int) -> bool:
    services.get_series(user, series_id)  # 404 before the body is read
    return True


def series_json(s: BookingSeries) -> dict:
    return {
        "id": s.id,
        "instrument_id": s.instrument_id,
        "instrument": s.instrument.name,
        "user_id": s.user_id,
        "rrule": s.rrule,
        "in_words": rules.in_words(rules.parse_rrule(s.rrule, s.timezone)),
        "timezone": s.timezone,
        "first_local_start": to_zone(s.first_starts_at, s.timezone).isoformat(),
        "mode": s.mode.value,
        "skipped": s.skipped,
        "occurrences": [booking_json(b) for b in services.series_bookings(s.id)],
    }


@operation(
    bp,
    "/series",
    "POST",
    summary="Book a daily or weekly series (dry_run: preview each date, book nothing)",
    description="Every date goes through the rules of a single booking. mode all_or_nothing "
    "refuses the series (422/409, every refused date listed) if any date is refused; "
    "skip_conflicts books the others and lists the skipped dates.",
    tags=TAGS,
    body=SeriesIn,
    response=SeriesPlanOut,
    status=201,
    permission=signed_in,
)
def create_series(body: SeriesIn):
    data = services.SeriesInput(
        BookingInput(
            body.starts_at,
            body.ends_at,
            purpose=body.purpose,
            project=body.project,
            user_id=body.user_id,
            override_reason=body.override_reason,
            account_id=body.account_id,
        ),
        rules.Recurrence(
            body.frequency, body.interval, tuple(body.weekdays), body.count, body.until
        ),
        body.mode,
    )
    result = services.create_series(current_user, body.instrument_id, data, preview=body.dry_run)
    db.session.commit()  # a preview wrote nothing: this only ends its transaction
    payload = {
        "series_id": result.series.id if result.series else None,
        "dry_run": body.dry_run,
        "rrule": result.rrule,
        "timezone": result.timezone,
        "mode": body.mode.value,
        "booked": len(result.booked),
        "skipped": len(result.refused),
        "occurrences": [
            {
                "number": o.number,
                "local_start": o.wall_start.isoformat(timespec="minutes"),
                "starts_at": api_instant(o.starts_at),
                "ends_at": api_instant(o.ends_at),
                "status": o.status,
                "booking_id": o.booking_id,
                "problems": [p.as_json() for p in o.problems],
                "notes": [message_text(n) for n in o.notes],
            }
            for o in result.outcomes
        ],
    }
    return payload, 200 if body.dry_run else 201


@operation(
    bp,
    "/series/mine",
    "GET",
    summary="My series, newest first",
    tags=TAGS,
    paginated=True,
    response=SeriesOut,
)
def my_series():
    stmt = (
        sa.select(BookingSeries)
        .where(BookingSeries.user_id == current_user.id)
        .order_by(BookingSeries.created_at.desc(), BookingSeries.id.desc())
    )
    return paginated(stmt, series_json)


@operation(
    bp,
    "/series/<int:series_id>",
    "GET",
    summary="One series with its occurrences",
    tags=TAGS,
    response=SeriesOut,
)
def get_series(series_id: int):
    return series_json(services.get_series(current_user, series_id))


@operation(
    bp,
    "/series/<int:series_id>/cancel",
    "POST",
    summary="Cancel this / this and following / all occurrences (future ones only)",
    tags=TAGS,
    body=CancelSeriesIn,
    response=CancelSeriesOut,
    permission=_sees_series,
)
def cancel_series(series_id: int, body: CancelSeriesIn):
    result = services.cancel_series(
        current_user, series_id, body.scope, body.from_booking_id, body.reason
    )
    db.session.commit()
    return {
        "series_id": series_id,
        "cancelled": [b.id for b in result.cancelled],
        "left_alone": [b.id for b in result.left],
        "already_cancelled": [b.id for b in result.already_cancelled],
    }


class ApproveSeriesIn(Strict):
    override_reason: str | None = Field(None, max_length=1000)


class ApproveSeriesOut(BaseModel):
    series_id: int
    approved: list[int]
    still_pending: list[OccurrenceRefusalOut]


def _staffs_series(user, series_id: int) -> bool:
    from instruments.permissions import can_staff_instrument

    return can_staff_instrument(user, services.get_series(user, series_id).instrument)


@operation(
    bp,
    "/series/<int:series_id>/approve",
    "POST",
    summary="Approve every pending future occurrence (each checked again; refused ones stay)",
    tags=TAGS,
    body=ApproveSeriesIn,
    response=ApproveSeriesOut,
    permission=_staffs_series,
)
def approve_series(series_id: int, body: ApproveSeriesIn):
    result = services.approve_series(current_user, series_id, body.override_reason)
    db.session.commit()
    return {
        "series_id": series_id,
        "approved": [b.id for b in result.approved],
        "still_pending": [
            {"booking_id": b.id, "problems": [p.as_json() for p in problems]}
            for b, problems in result.refused
        ],
    }
