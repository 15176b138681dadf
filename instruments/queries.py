"""Reads of the catalog and the schedule (no writes here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from innocore.accounts.models import Organisation
from innocore.db import UTCDateTime
from innocore.errors import NotFound
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.vocab import Technology
from instruments.models import (
    ACTIVE_STATUSES,
    BLOCKING_STATUSES,
    OPEN_WAITLIST,
    AccountApproval,
    Booking,
    BookingStatus,
    Downtime,
    Instrument,
    InstrumentStatus,
    ProblemReport,
    WaitlistEntry,
    WaitlistStatus,
)
from instruments.rules import LIMITS, Busy, Policy, Window, local_day_start


def instrument_stmt() -> sa.Select:
    """Instruments with their facility, without the facility's technology list (not needed)."""
    return sa.select(Instrument).options(
        joinedload(Instrument.facility).lazyload(Facility.technology_rows)
    )


def get_instrument(instrument_id: int) -> Instrument:
    """One instrument with its facility and opening hours (one query), or 404."""
    instrument = (
        db.session.execute(
            instrument_stmt()
            .where(Instrument.id == instrument_id)
            .options(joinedload(Instrument.opening_hours))
        )
        .unique()
        .scalar_one_or_none()
    )
    if instrument is None:
        raise NotFound("No such instrument.")
    return instrument


def policy_of(instrument: Instrument) -> Policy:
    """The pure policy value of an instrument (facility zone included)."""
    return Policy(
        timezone=instrument.facility.timezone,
        status=instrument.status,
        **{name: getattr(instrument, name) for name in LIMITS},
        opening=tuple(Window(o.weekday, o.opens, o.closes) for o in instrument.opening_hours),
        out_of_hours_level=instrument.out_of_hours_level,
        requires_competence=instrument.required_competence_id is not None,
        required_level=instrument.required_level,
    )


def busy_between(instrument_ids: list[int], starts_at: datetime, ends_at: datetime) -> list[Busy]:
    """Active bookings and downtimes overlapping ``[starts_at, ends_at)``, in one query."""
    params = {"ids": list(instrument_ids), "starts_at": starts_at, "ends_at": ends_at}
    return [_busy(r) for r in db.session.execute(_busy_stmt(), params)]


@cache
def _busy_stmt() -> sa.Select:
    """Built once; the ids and the window are bound at execution. Holds of waiting-list offers
    are busy time like bookings (``BLOCKING_STATUSES``)."""
    ids = sa.bindparam("ids", expanding=True)
    start, end = (
        sa.bindparam("starts_at", type_=UTCDateTime()),
        sa.bindparam("ends_at", type_=UTCDateTime()),
    )
    bookings = sa.select(
        Booking.instrument_id.label("iid"),
        Booking.starts_at.label("s"),
        Booking.ends_at.label("e"),
        sa.literal("booking").label("kind"),
        Booking.id.label("id"),
        Booking.user_id.label("uid"),
    ).where(
        Booking.instrument_id.in_(ids),
        Booking.status.in_(BLOCKING_STATUSES),
        Booking.starts_at < end,
        Booking.ends_at > start,
    )
    downtimes = sa.select(
        Downtime.instrument_id,
        Downtime.starts_at,
        Downtime.ends_at,
        sa.literal("downtime"),
        Downtime.id,
        sa.null(),
    ).where(
        Downtime.instrument_id.in_(ids),
        Downtime.starts_at < end,
        Downtime.ends_at > start,
    )
    return sa.select(sa.union_all(bookings, downtimes).subquery())


def _busy(row) -> Busy:
    return Busy(row.s, row.e, row.kind, row.id, row.uid, row.iid)


def busy_by_instrument(
    instrument_ids: list[int], starts_at: datetime, ends_at: datetime
) -> dict[int, list[Busy]]:
    out: dict[int, list[Busy]] = {i: [] for i in instrument_ids}
    for b in busy_between(instrument_ids, starts_at, ends_at):
        out[b.instrument_id].append(b)
    return out


def user_active_bookings(user_id: int, instrument_id: int, since: datetime) -> list[Busy]:
    """The user's active bookings on an instrument ending after ``since`` (for quotas)."""
    rows = db.session.execute(
        sa.select(Booking.id, Booking.starts_at, Booking.ends_at).where(
            Booking.user_id == user_id,
            Booking.instrument_id == instrument_id,
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.ends_at > since,
        )
    ).all()
    return [Busy(r.starts_at, r.ends_at, "booking", r.id, user_id) for r in rows]


def user_bookings_by_instrument(
    user_id: int, instrument_ids: list[int], since: datetime
) -> dict[int, list[Busy]]:
    """The user's active bookings ending after ``since``, per instrument (quotas), in one query."""
    rows = db.session.execute(
        sa.select(Booking.id, Booking.instrument_id, Booking.starts_at, Booking.ends_at).where(
            Booking.user_id == user_id,
            Booking.instrument_id.in_(instrument_ids),
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.ends_at > since,
        )
    ).all()
    out: dict[int, list[Busy]] = {}
    for r in rows:
        out.setdefault(r.instrument_id, []).append(
            Busy(r.starts_at, r.ends_at, "booking", r.id, user_id, r.instrument_id)
        )
    return out


@dataclass
class CatalogFilters:
    technology: Technology | None = None
    facility_id: int | None = None
    institution_id: int | None = None
    city: str | None = None
    q: str | None = None
    include_retired: bool = False


def catalog_query(filters: CatalogFilters) -> sa.Select:
    """Instruments matching the filters, by facility and name (facility and institution joined)."""
    stmt = (
        sa.select(Instrument)
        .join(Instrument.facility)
        .join(Facility.institution)
        .where(Facility.active.is_(True))
        .options(selectinload(Instrument.required_competence), selectinload(Instrument.rates))
        .order_by(Facility.name, Instrument.name, Instrument.id)
    )
    if not filters.include_retired:
        stmt = stmt.where(Instrument.status != InstrumentStatus.RETIRED)
    if filters.technology:
        stmt = stmt.where(Instrument.technology == filters.technology)
    if filters.facility_id:
        stmt = stmt.where(Instrument.facility_id == filters.facility_id)
    if filters.institution_id:
        stmt = stmt.where(Facility.institution_id == filters.institution_id)
    if filters.city:
        stmt = stmt.where(sa.func.lower(Organisation.city) == filters.city.lower())
    if filters.q:
        like = f"%{filters.q.lower().replace('%', '').replace('_', '')}%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Instrument.name).like(like),
                sa.func.lower(Instrument.model).like(like),
                sa.func.lower(Instrument.description).like(like),
                sa.func.lower(Facility.name).like(like),
            )
        )
    return stmt


def bookings_between(
    instrument_ids: list[int], starts_at: datetime, ends_at: datetime
) -> list[Booking]:
    """Active bookings (with their users) of instruments in a window, for calendars."""
    return list(
        db.session.scalars(
            sa.select(Booking)
            .where(
                Booking.instrument_id.in_(instrument_ids),
                Booking.status.in_(ACTIVE_STATUSES),
                Booking.starts_at < ends_at,
                Booking.ends_at > starts_at,
            )
            .options(selectinload(Booking.user))
            .order_by(Booking.starts_at)
        )
    )


def downtimes_between(instrument_ids: list[int], starts_at: datetime, ends_at: datetime):
    return list(
        db.session.scalars(
            sa.select(Downtime)
            .where(
                Downtime.instrument_id.in_(instrument_ids),
                Downtime.starts_at < ends_at,
                Downtime.ends_at > starts_at,
            )
            .order_by(Downtime.starts_at)
        )
    )


def my_bookings_query(user_id: int, *, upcoming_after: datetime | None = None) -> sa.Select:
    stmt = (
        sa.select(Booking)
        # a released waiting-list hold was never the person's booking (My waiting lists has it)
        .where(Booking.user_id == user_id, Booking.status != BookingStatus.RELEASED)
        .options(selectinload(Booking.instrument))
    )
    if upcoming_after is not None:
        stmt = stmt.where(Booking.ends_at > upcoming_after).order_by(Booking.starts_at)
    else:
        stmt = stmt.order_by(Booking.starts_at.desc())
    return stmt


def pending_query(facility_ids: set[int]) -> sa.Select:
    return (
        sa.select(Booking)
        .join(Booking.instrument)
        .where(
            Instrument.facility_id.in_(facility_ids),
            Booking.status == BookingStatus.PENDING,
            # the account's owner decides first (instruments/services/account_approvals.py)
            sa.or_(
                Booking.account_approval.is_(None),
                Booking.account_approval != AccountApproval.AWAITING,
            ),
        )
        .options(selectinload(Booking.user), selectinload(Booking.instrument))
        .order_by(Booking.starts_at)
    )


def open_problems(instrument_id: int) -> list[ProblemReport]:
    return list(
        db.session.scalars(
            sa.select(ProblemReport)
            .where(
                ProblemReport.instrument_id == instrument_id, ProblemReport.resolved_at.is_(None)
            )
            .order_by(ProblemReport.created_at.desc())
        )
    )


def instruments_of_facility(facility_id: int) -> list[Instrument]:
    return list(
        db.session.scalars(
            sa.select(Instrument)
            .where(Instrument.facility_id == facility_id)
            .options(selectinload(Instrument.rates))
            .order_by(Instrument.name)
        )
    )


class CalendarItem(NamedTuple):
    """A booking or downtime as a calendar draws it (UTC instants). ``who``/``purpose`` are the
    booker's name and purpose (downtime: its reason); the page decides who may read them.
    A named tuple: a busy week is thousands of them."""

    instrument_id: int
    starts_at: datetime
    ends_at: datetime
    kind: str  # booking | downtime
    id: int
    user_id: int | None = None
    pending: bool = False
    training: bool = False
    who: str = ""
    purpose: str = ""

    def busy(self) -> Busy:
        return Busy(
            self.starts_at, self.ends_at, self.kind, self.id, self.user_id, self.instrument_id
        )


def calendar_items(
    instrument_ids: list[int], starts_at: datetime, ends_at: datetime, *, details: bool
) -> dict[int, list[CalendarItem]]:
    """Per instrument, active bookings and downtimes overlapping ``[starts_at, ends_at)``, sorted
    by start (two queries). With ``details`` the booker's name and the purpose are read too."""
    from innocore.accounts.models import User

    out: dict[int, list[CalendarItem]] = {i: [] for i in instrument_ids}
    cols = [
        Booking.instrument_id,
        Booking.starts_at,
        Booking.ends_at,
        Booking.id,
        Booking.user_id,
        Booking.status,
        Booking.for_training,
    ]
    stmt = sa.select(*cols, *([User.name, Booking.purpose] if details else []))
    if details:
        stmt = stmt.join(User, User.id == Booking.user_id)
    stmt = stmt.where(
        Booking.instrument_id.in_(instrument_ids),
        Booking.status.in_(BLOCKING_STATUSES),
        Booking.starts_at < ends_at,
        Booking.ends_at > starts_at,
    )
    tentative = (BookingStatus.PENDING, BookingStatus.HELD)  # a hold shows as a pending request
    for iid, s, e, bid, uid, status, training, *more in db.session.execute(stmt):
        who, purpose = more or ("", "")
        out[iid].append(
            CalendarItem(
                iid, s, e, "booking", bid, uid, status in tentative, training, who, purpose
            )
        )
    downtimes = sa.select(
        Downtime.instrument_id, Downtime.starts_at, Downtime.ends_at, Downtime.id, Downtime.reason
    ).where(
        Downtime.instrument_id.in_(instrument_ids),
        Downtime.starts_at < ends_at,
        Downtime.ends_at > starts_at,
    )
    for r in db.session.execute(downtimes):
        out[r.instrument_id].append(
            CalendarItem(
                r.instrument_id, r.starts_at, r.ends_at, "downtime", r.id, purpose=r.reason
            )
        )
    for items in out.values():
        items.sort()  # by start, then end (the tuple's order)
    return out


def kiosk_bookings(facility_id: int, zone: str, now: datetime) -> list[Booking]:
    """The facility's confirmed and no-show bookings of today (its local day, from midnight to
    midnight in ``zone``, zoneinfo: 23 or 25 hours on DST days), by start; for the kiosk."""
    tz = ZoneInfo(zone)
    day = now.astimezone(tz).date()
    start, end = local_day_start(day, tz), local_day_start(day + timedelta(days=1), tz)
    return list(
        db.session.scalars(
            sa.select(Booking)
            .join(Instrument, Instrument.id == Booking.instrument_id)
            .where(
                Instrument.facility_id == facility_id,
                Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.NO_SHOW]),
                Booking.for_training.is_(False),
                Booking.starts_at < end,
                Booking.ends_at > start,
            )
            .order_by(Booking.starts_at, Instrument.name, Booking.id)
            .options(selectinload(Booking.instrument), selectinload(Booking.user))
        )
    )


# ---- the waiting list for instrument time ---------------------------------------------------


def list_my_waitlist(user_id: int, limit: int = 100) -> list:
    """A person's waiting-list entries: open ones (offers first, soonest wanted time first),
    then the latest ended ones."""
    open_first = sa.case((WaitlistEntry.status.in_(OPEN_WAITLIST), 0), else_=1)
    offers_first = sa.case((WaitlistEntry.status == WaitlistStatus.OFFERED, 0), else_=1)
    return list(
        db.session.scalars(
            sa.select(WaitlistEntry)
            .where(WaitlistEntry.user_id == user_id)
            .order_by(open_first, offers_first, WaitlistEntry.starts_at, WaitlistEntry.id.desc())
            .limit(limit)
        )
    )


def list_instrument_waitlist(instrument_id: int, since: datetime) -> list:
    """The open entries of an instrument wanting time that ends after ``since``, in the order
    they are offered (first come first), with their people."""
    return list(
        db.session.scalars(
            sa.select(WaitlistEntry)
            .where(
                WaitlistEntry.instrument_id == instrument_id,
                WaitlistEntry.status.in_(OPEN_WAITLIST),
                WaitlistEntry.ends_at > since,
            )
            .options(selectinload(WaitlistEntry.user))
            .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
        )
    )


def current_booking_of(user_id: int, instrument_id: int, now: datetime, opens_minutes: int):
    """The user's booking on the instrument that check-in or check-out concerns now: a confirmed
    one running or starting within ``opens_minutes``, or one checked in and not out (ended at
    most 12 hours ago); else None."""
    soon = now + timedelta(minutes=opens_minutes)
    return db.session.scalar(
        sa.select(Booking)
        .where(
            Booking.user_id == user_id,
            Booking.instrument_id == instrument_id,
            Booking.status == BookingStatus.CONFIRMED,
            Booking.checked_out_at.is_(None),
            Booking.starts_at <= soon,
            Booking.ends_at > now - timedelta(hours=12),  # a forgotten check-out, not last week's
            sa.or_(Booking.ends_at > now, Booking.checked_in_at.is_not(None)),
        )
        .order_by(Booking.starts_at.desc())
        .limit(1)
    )


def waitlist_position(entry) -> int | None:
    """1 for the first person waiting for time overlapping this entry's; None once offered or
    ended."""
    if entry.status != WaitlistStatus.WAITING:
        return None
    ahead = db.session.scalar(
        sa.select(sa.func.count()).where(
            WaitlistEntry.instrument_id == entry.instrument_id,
            WaitlistEntry.status == WaitlistStatus.WAITING,
            WaitlistEntry.starts_at < entry.ends_at,
            WaitlistEntry.ends_at > entry.starts_at,
            sa.or_(
                WaitlistEntry.created_at < entry.created_at,
                sa.and_(WaitlistEntry.created_at == entry.created_at, WaitlistEntry.id < entry.id),
            ),
        )
    )
    return ahead + 1
