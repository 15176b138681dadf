"""The booking engine through /api/v1: instruments, availability, bookings, approvals, downtime."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from innocore import clock
from innocore.api.core import (
    TECHNOLOGY,
    Q,
    api_blueprint,
    operation,
    paginated,
    parse_body,
    signed_in,
)
from innocore.clock import api_instant, is_valid_timezone, to_zone
from innocore.errors import DomainError, Forbidden, Problem
from innocore.extensions import db
from innocore.links import absolute_url
from innocore.marks import N_, T_
from innocore.permissions import is_network_admin, staffed_facility_ids
from innocore.vocab import Technology
from instruments import finder, free_time, queries, rules, services
from instruments.ics import booking_ics
from instruments.mobility.services import hourly_rate
from instruments.models import Booking, IdempotencyKey
from instruments.permissions import can_staff_instrument, may_approve_somewhere
from instruments.schemas import (
    AvailabilityOut,
    BookingIn,
    BookingOut,
    DowntimeIn,
    DowntimeOut,
    InstrumentOut,
    MoveIn,
    OverrideIn,
    ReasonIn,
    SlotOut,
)

bp = api_blueprint("instruments_api", __name__)
INSTANT = Q("ISO-8601 instant", "instant")
CATALOG_QUERY = {
    "technology": TECHNOLOGY,
    "facility": Q("facility id", "integer"),
    "institution": Q("organisation id", "integer"),
    "city": "city",
    "q": "free text",
}
TAGS = ["instruments"]
BOOKING_TAGS = ["bookings"]


def instrument_json(i) -> dict:
    f = i.facility
    competence = i.required_competence
    return {
        "id": i.id,
        "name": i.name,
        "technology": i.technology.value,
        "model": i.model,
        "description": i.description,
        "location": i.location,
        "status": i.status.value,
        "facility_id": f.id,
        "facility": f.name,
        "timezone": f.timezone,
        "institution": f.institution.name,
        "city": f.institution.city,
        "required_competence": competence.code if competence else None,
        "required_level": i.required_level,
        "approval_mode": i.approval_mode.value,
        "rules": rules.policy_in_words(queries.policy_of(i)),
        "rates": {r.category.value: str(r.hourly) for r in i.rates},
        "url": absolute_url("instruments.show", instrument_id=i.id),
    }


def booking_json(b: Booking) -> dict:
    zone = b.instrument.facility.timezone
    hourly, _mobility = hourly_rate(b.user, b.instrument)
    return {
        "id": b.id,
        "uid": b.uid,
        "sequence": b.sequence,
        "instrument_id": b.instrument_id,
        "instrument": b.instrument.name,
        "user_id": b.user_id,
        "booked_by_id": b.booked_by_id,
        "starts_at": api_instant(b.starts_at),
        "ends_at": api_instant(b.ends_at),
        "local_start": to_zone(b.starts_at, zone).isoformat(),
        "local_end": to_zone(b.ends_at, zone).isoformat(),
        "timezone": zone,
        "hours": str(rules.hours_between(b.starts_at, b.ends_at).quantize(rules.Decimal("0.01"))),
        "price": None if hourly is None else str(rules.price(b.starts_at, b.ends_at, hourly)),
        "status": b.status.value,
        "purpose": b.purpose,
        "account_id": b.account_id,
        "account_approval": b.account_approval.value if b.account_approval else None,
        "project": b.project,
        "override_reason": b.override_reason,
        "flagged": b.flagged,
        "cancelled_late": b.cancelled_late,
        "checked_in_at": api_instant(b.checked_in_at),
        "checked_in_via": b.checked_in_via,
        "checked_out_at": api_instant(b.checked_out_at),
        "checked_out_via": b.checked_out_via,
        "series_id": b.series_id,
        "ics": absolute_url("instruments.booking_ics_file", booking_id=b.id),
    }


def _sees_booking(user, booking_id: int) -> bool:
    """Checked before the body is parsed: another person's booking is a 404, never a 422."""
    services.get_booking(user, booking_id)
    return True


def _staffs_instrument(user, instrument_id: int) -> bool:
    return can_staff_instrument(user, queries.get_instrument(instrument_id))


def _bad(code: str, message: str, field: str) -> DomainError:
    return DomainError(Problem(code, message, field))


def parse_instant(name: str, default: datetime | None = None) -> datetime:
    """An ISO-8601 instant with an offset from the query string; a malformed one is a 422."""
    raw = request.args.get(name)
    if not raw:
        if default is None:
            raise _bad("missing", f"Give '{name}' as an ISO-8601 time with offset.", name)
        return default
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise _bad("invalid_datetime", f"'{name}' is not an ISO-8601 time.", name) from None
    if value.tzinfo is None:
        raise _bad("naive_datetime", f"'{name}' needs a UTC offset (e.g. +01:00 or Z).", name)
    return value


def catalog_filters() -> queries.CatalogFilters:
    tech = request.args.get("technology")
    problems = []
    if tech and tech not in Technology._value2member_map_:
        problems.append(Problem("invalid_technology", N_("Unknown technology."), "technology"))
    ints = {}
    for name in ("facility", "institution"):
        raw = request.args.get(name)
        if raw and not raw.isdigit():
            problems.append(
                Problem("invalid_id", T_("'%(name)s' must be a number.", name=name), name)
            )
        ints[name] = int(raw) if raw and raw.isdigit() else None
    if problems:
        raise DomainError(problems)
    return queries.CatalogFilters(
        technology=Technology(tech) if tech else None,
        facility_id=ints["facility"],
        institution_id=ints["institution"],
        city=(request.args.get("city") or "").strip()[:120] or None,
        q=(request.args.get("q") or "").strip()[:100] or None,
    )


@operation(
    bp,
    "/instruments",
    "GET",
    summary="Instruments of the network",
    tags=TAGS,
    paginated=True,
    response=InstrumentOut,
    query={
        **CATALOG_QUERY,
        "bookable": Q("'1': only instruments I may book myself", enum=("0", "1")),
    },
)
def list_instruments():
    stmt = queries.catalog_query(catalog_filters())
    if request.args.get("bookable") == "1":
        stmt = finder.only_bookable(stmt, current_user)
    return paginated(stmt, instrument_json)


@operation(
    bp,
    "/instruments/<int:instrument_id>",
    "GET",
    summary="One instrument",
    tags=TAGS,
    response=InstrumentOut,
)
def get_instrument(instrument_id: int):
    return instrument_json(queries.get_instrument(instrument_id))


@operation(
    bp,
    "/instruments/<int:instrument_id>/availability",
    "GET",
    summary="Free and busy time of an instrument (default: the next 28 days)",
    tags=TAGS,
    response=AvailabilityOut,
    query={"from": INSTANT, "to": INSTANT},
)
def availability(instrument_id: int):
    instrument = queries.get_instrument(instrument_id)
    start = parse_instant("from", clock.now())
    end = parse_instant("to", start + timedelta(days=28))
    if problems := rules.search_problems(start, end):
        raise DomainError(problems)
    busy = queries.busy_between([instrument.id], start, end)
    free = free_time.free_intervals(
        queries.policy_of(instrument), busy, starts_at=start, ends_at=end, now=clock.now()
    )
    me = current_user.id  # read the proxy once, not once per busy item
    return {
        "instrument_id": instrument.id,
        "timezone": instrument.facility.timezone,
        "free": [{"starts_at": api_instant(s), "ends_at": api_instant(e)} for s, e in free],
        "busy": [
            {
                "starts_at": api_instant(b.starts_at),
                "ends_at": api_instant(b.ends_at),
                "kind": b.kind,
                "mine": b.user_id == me,
            }
            for b in busy
        ],
    }


@operation(
    bp,
    "/availability/earliest",
    "GET",
    tags=TAGS,
    response=SlotOut,
    summary="The earliest free slot of N hours on any instrument of a technology I may book",
    query={
        **CATALOG_QUERY,
        "hours": Q("length in hours", "number", minimum=0, maximum=168),
        "from": INSTANT,
        "to": INSTANT,
        "tz": "IANA zone for local_start (default: mine)",
    },
)
def earliest():
    filters = catalog_filters()
    hours = float(request.args.get("hours", "1"))  # its type and range are declared and checked
    start = parse_instant("from", clock.now())
    end = parse_instant("to", start + timedelta(days=14))
    problems = rules.search_problems(start, end, hours)
    zone = request.args.get("tz") or current_user.timezone
    if not is_valid_timezone(zone):
        problems.append(Problem("invalid_timezone", N_("Unknown time zone."), "tz"))
    if problems:
        raise DomainError(problems)
    found = finder.earliest_slot(current_user, filters, int(hours * 60), start, end)
    if found is None:
        return {"instrument": None, "starts_at": None, "ends_at": None, "local_start": None}
    instrument, s, e = found
    return {
        "instrument": instrument_json(instrument),
        "starts_at": api_instant(s),
        "ends_at": api_instant(e),
        "local_start": to_zone(s, zone).isoformat(),
    }


# ---- bookings ------------------------------------------------------------------------------------


def _request_hash() -> str:
    return hashlib.sha256(request.get_data()).hexdigest()


def _replay(key: str):
    row = db.session.scalar(
        sa.select(IdempotencyKey).where(
            IdempotencyKey.user_id == current_user.id, IdempotencyKey.key == key
        )
    )
    if row is None:
        return None
    if row.request_hash != _request_hash():
        raise DomainError(
            Problem(
                "idempotency_key_reused",
                N_("This Idempotency-Key was used for a different request."),
            )
        )
    return row.response, row.status_code


@operation(
    bp,
    "/bookings",
    "POST",
    summary="Book an instrument (send an Idempotency-Key)",
    tags=BOOKING_TAGS,
    body=BookingIn,
    response=BookingOut,
    status=201,
    permission=signed_in,
)
def create_booking(body: BookingIn):
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if len(key) > 200:
        raise _bad("invalid_key", "Idempotency-Key is at most 200 characters.", "Idempotency-Key")
    data = services.BookingInput(**body.model_dump(exclude={"instrument_id"}))
    if key:
        # Lock first: a concurrent retry with the same key waits here, then replays.
        services.lock_instrument(body.instrument_id)
        if (replayed := _replay(key)) is not None:
            db.session.rollback()
            return replayed
    booking = services.create_booking(current_user, body.instrument_id, data)
    payload = booking_json(booking)
    if key:
        db.session.add(
            IdempotencyKey(
                user_id=current_user.id,
                key=key,
                request_hash=_request_hash(),
                status_code=201,
                response=payload,
                created_at=clock.now(),
            )
        )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        replayed = _replay(key) if key else None
        if replayed is None:
            raise
        return replayed
    return payload, 201


@operation(
    bp,
    "/bookings/mine",
    "GET",
    summary="My bookings (upcoming first with ?upcoming=1)",
    tags=BOOKING_TAGS,
    paginated=True,
    response=BookingOut,
    query={"upcoming": Q("'1': only bookings not yet over", enum=("0", "1"))},
)
def my_bookings():
    upcoming = clock.now() if request.args.get("upcoming") == "1" else None
    return paginated(
        queries.my_bookings_query(current_user.id, upcoming_after=upcoming), booking_json
    )


@operation(
    bp,
    "/bookings/<int:booking_id>",
    "GET",
    summary="One booking",
    tags=BOOKING_TAGS,
    response=BookingOut,
)
def get_booking(booking_id: int):
    return booking_json(services.get_booking(current_user, booking_id))


@operation(
    bp,
    "/bookings/<int:booking_id>.ics",
    "GET",
    summary="One booking as iCalendar",
    tags=BOOKING_TAGS,
)
def get_booking_ics(booking_id: int):
    booking = services.get_booking(current_user, booking_id)
    return booking_ics(booking), 200, {"Content-Type": "text/calendar; charset=utf-8"}


@operation(
    bp,
    "/bookings/<int:booking_id>",
    "PUT",
    summary="Move a booking",
    tags=BOOKING_TAGS,
    body=MoveIn,
    response=BookingOut,
    permission=_sees_booking,
)
def move_booking(booking_id: int, body: MoveIn):
    booking = services.move_booking(
        current_user, booking_id, body.starts_at, body.ends_at, override_reason=body.override_reason
    )
    db.session.commit()
    return booking_json(booking)


@operation(
    bp,
    "/bookings/<int:booking_id>/cancel",
    "POST",
    summary="Cancel a booking",
    tags=BOOKING_TAGS,
    body=ReasonIn,
    response=BookingOut,
    permission=_sees_booking,
)
def cancel_booking(booking_id: int, body: ReasonIn):
    booking = services.cancel_booking(current_user, booking_id, body.reason)
    db.session.commit()
    return booking_json(booking)


@operation(
    bp,
    "/approvals",
    "GET",
    summary="Pending requests of the facilities I staff",
    tags=BOOKING_TAGS,
    paginated=True,
    response=BookingOut,
    permission=may_approve_somewhere,
)
def approvals():
    if is_network_admin(current_user):
        from innocore.facilities.models import Facility

        ids = set(db.session.scalars(sa.select(Facility.id)))
    else:
        ids = staffed_facility_ids(current_user)
    return paginated(queries.pending_query(ids), booking_json)


@operation(
    bp,
    "/bookings/<int:booking_id>/end",
    "POST",
    summary="End a running booking now (the time used is charged)",
    tags=BOOKING_TAGS,
    response=BookingOut,
    permission=_sees_booking,
)
def end_early(booking_id: int):
    booking = services.end_booking_early(current_user, booking_id)
    db.session.commit()
    return booking_json(booking)


@operation(
    bp,
    "/bookings/<int:booking_id>/approve",
    "POST",
    summary="Approve a pending request (every rule is checked again; optional JSON body "
    '{"override_reason": "..."} overrides the overridable problems)',
    tags=BOOKING_TAGS,
    response=BookingOut,
)
def approve(booking_id: int):
    body = parse_body(OverrideIn) if request.get_data() else OverrideIn()
    booking = services.approve_booking(current_user, booking_id, body.override_reason)
    db.session.commit()
    return booking_json(booking)


@operation(
    bp,
    "/bookings/<int:booking_id>/reject",
    "POST",
    summary="Reject a pending request",
    tags=BOOKING_TAGS,
    body=ReasonIn,
    response=BookingOut,
    permission=_sees_booking,
)
def reject(booking_id: int, body: ReasonIn):
    booking = services.reject_booking(current_user, booking_id, body.reason)
    db.session.commit()
    return booking_json(booking)


@operation(
    bp,
    "/bookings/<int:booking_id>/no-show",
    "POST",
    summary="Record a no-show (staff)",
    tags=BOOKING_TAGS,
    response=BookingOut,
)
def no_show(booking_id: int):
    booking = services.mark_no_show(current_user, booking_id)
    db.session.commit()
    return booking_json(booking)


def downtime_json(d, affected=()) -> dict:
    return {
        "id": d.id,
        "instrument_id": d.instrument_id,
        "starts_at": api_instant(d.starts_at),
        "ends_at": api_instant(d.ends_at),
        "reason": d.reason,
        "cancel_bookings": d.cancel_bookings,
        "affected_bookings": [b.id for b in affected],
    }


@operation(
    bp,
    "/instruments/<int:instrument_id>/downtime",
    "POST",
    status=201,
    summary="Schedule downtime (overlapping bookings are cancelled or flagged)",
    tags=TAGS,
    body=DowntimeIn,
    response=DowntimeOut,
    permission=_staffs_instrument,
)
def create_downtime(instrument_id: int, body: DowntimeIn):
    downtime, affected = services.schedule_downtime(
        current_user,
        instrument_id,
        body.starts_at,
        body.ends_at,
        body.reason,
        cancel_bookings=body.cancel_bookings,
    )
    db.session.commit()
    return downtime_json(downtime, affected), 201


@operation(
    bp,
    "/instruments/<int:instrument_id>/downtime",
    "GET",
    tags=TAGS,
    summary="Downtime of an instrument from now on (staff)",
    response=DowntimeOut,
    listed=True,
)
def list_downtime(instrument_id: int):
    instrument = queries.get_instrument(instrument_id)
    if not can_staff_instrument(current_user, instrument):
        raise Forbidden(N_("Only the facility's staff see its downtime list."))
    now = clock.now()
    rows = queries.downtimes_between([instrument.id], now, now + timedelta(days=3650))
    return [downtime_json(d) for d in rows]
