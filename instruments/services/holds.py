"""Waiting-list offers for instrument time: when time frees, hold it for the first person waiting.

The training waiting list's model (``training.services.enrolment``): one offer at a time per
freed time, a timed offer, and on decline or expiry the next person in line. An offer is a
**hold**: a booking in status ``held`` for the person offered, so the time stays theirs under the
same no-overlap guarantee as bookings (the per-instrument write lock, and on PostgreSQL the
exclusion constraint ``ex_booking_no_overlap``, which covers held bookings).

``slot_freed`` is the one trigger: the booking service calls it after a cancel or a move, and a
no-show does the same. It needs nothing but the instrument and the freed interval. Every write
here runs under ``lock_instrument``, so offers and expiries happen exactly once however many
web workers or schedulers run (each re-reads the entries under the lock, compare-and-set).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from innocore import audit, clock
from innocore.clock import to_zone
from innocore.extensions import db
from innocore.links import absolute_url
from innocore.notifications import kinds
from innocore.notifications.services import queue_email
from instruments.models import (
    Booking,
    BookingStatus,
    FacilityBookingSettings,
    Instrument,
    WaitlistEntry,
    WaitlistStatus,
)
from instruments.queries import busy_between
from instruments.services.common import flush_or_conflict, lock_instrument, record_change

DEFAULT_HOLD_MINUTES = 30


def hold_minutes(facility_id: int) -> int:
    """How long an offer keeps the time (minutes; the facility's setting, default 30)."""
    row = db.session.get(FacilityBookingSettings, facility_id)
    return row.waitlist_hold_minutes if row and row.waitlist_hold_minutes else DEFAULT_HOLD_MINUTES


def slot_freed(
    instrument_id: int, starts_at: datetime, ends_at: datetime, now: datetime | None = None
) -> list[WaitlistEntry]:
    """Time ``[starts_at, ends_at)`` (UTC instants) of an instrument has just freed: offer it on.

    Walks the entries waiting for time overlapping the freed interval, first come first, and
    offers each one whose whole wanted interval is now free (a hold for the facility's
    ``waitlist_hold_minutes``, never past the wanted start). A hold made here is busy time for the
    next entry, so overlapping waiters get one offer at a time. Takes the instrument's write lock;
    flushes, never commits. Returns the entries offered (often none).
    """
    now = now or clock.now()
    instrument = lock_instrument(instrument_id)
    waiting = db.session.scalars(
        sa.select(WaitlistEntry)
        .where(
            WaitlistEntry.instrument_id == instrument_id,
            WaitlistEntry.status == WaitlistStatus.WAITING,
            WaitlistEntry.starts_at < ends_at,
            WaitlistEntry.ends_at > starts_at,
            WaitlistEntry.starts_at > now,
        )
        .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
        .execution_options(populate_existing=True)
    ).all()
    offered = []
    for entry in waiting:
        if not busy_between([instrument_id], entry.starts_at, entry.ends_at):
            offer(instrument, entry, now)
            offered.append(entry)
    return offered


def offer(instrument: Instrument, entry: WaitlistEntry, now: datetime) -> Booking:
    """Hold the entry's interval for its person and tell them (the caller holds the lock)."""
    expires = min(now + timedelta(minutes=hold_minutes(instrument.facility_id)), entry.starts_at)
    hold = Booking(
        instrument=instrument,
        user=entry.user,
        booked_by=entry.user,
        starts_at=entry.starts_at,
        ends_at=entry.ends_at,
        status=BookingStatus.HELD,
        purpose=entry.purpose,
        account_id=entry.account_id,
        uid=f"booking-{uuid.uuid4().hex}@innocore",
        sequence=0,
        created_at=now,
        updated_at=now,
    )
    db.session.add(hold)
    flush_or_conflict()
    entry.status, entry.offered_at, entry.offer_expires_at = WaitlistStatus.OFFERED, now, expires
    entry.hold_booking_id = hold.id
    record_change(hold, None, "held", f"waiting-list offer until {expires.isoformat()}")
    audit.record(
        None,
        "waitlist.offer_made",
        entry,
        audit.changes_of(entry),
        facility_id=instrument.facility_id,
    )
    _offered_mail(entry)
    return hold


def _offered_mail(entry: WaitlistEntry) -> None:
    zone = entry.instrument.facility.timezone
    until = to_zone(entry.offer_expires_at, entry.user.timezone or zone)
    queue_email(
        entry.user,
        _l("Instrument time is free for you: %(name)s", name=entry.instrument.name),
        "waitlist_offer",
        kind=kinds.WAITLIST,
        link=absolute_url("instruments.my_waitlists"),
        dedupe_key=f"instrument-waitlist-offer-{entry.id}",
        instrument=entry.instrument,
        when=f"{clock.span_text(entry.starts_at, entry.ends_at, zone)} ({zone})",
        until=f"{until:%a %d %b %Y, %H:%M} {until.tzname()}",
    )


def end_offer(entry: WaitlistEntry, status: WaitlistStatus, actor=None) -> tuple:
    """End an open offer (declined, expired, withdrawn): release its hold. Returns the freed
    interval ``(starts_at, ends_at)``; the caller offers it on with ``slot_freed``."""
    now = clock.now()
    hold = entry.hold_booking
    if hold is not None and hold.status == BookingStatus.HELD:
        hold.status, hold.updated_at, hold.sequence = BookingStatus.RELEASED, now, hold.sequence + 1
        record_change(hold, actor, "released", status.value)
    entry.status, entry.ended_at = status, now
    return entry.starts_at, entry.ends_at


def expire_offers(now: datetime | None = None) -> int:
    """Job: lapse offers not accepted in time and offer the time to the next person; also close
    entries whose wanted time has begun. Exactly once per offer (compare-and-set under the
    instrument lock, one instrument per transaction). Returns the number of offers lapsed."""
    now = now or clock.now()
    instrument_ids = list(
        db.session.scalars(
            sa.select(WaitlistEntry.instrument_id)
            .where(
                sa.or_(
                    sa.and_(
                        WaitlistEntry.status == WaitlistStatus.OFFERED,
                        WaitlistEntry.offer_expires_at <= now,
                    ),
                    sa.and_(
                        WaitlistEntry.status == WaitlistStatus.WAITING,
                        WaitlistEntry.starts_at <= now,
                    ),
                )
            )
            .distinct()
        )
    )
    lapsed = 0
    for instrument_id in instrument_ids:
        lapsed += _expire_on(instrument_id, now)
        db.session.commit()
    return lapsed


def _expire_on(instrument_id: int, now: datetime) -> int:
    instrument = lock_instrument(instrument_id)
    rows = db.session.scalars(
        sa.select(WaitlistEntry)
        .where(
            WaitlistEntry.instrument_id == instrument_id,
            WaitlistEntry.status.in_((WaitlistStatus.OFFERED, WaitlistStatus.WAITING)),
        )
        .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
        .execution_options(populate_existing=True)
    ).all()
    lapsed = 0
    for entry in rows:
        if entry.status == WaitlistStatus.OFFERED and entry.offer_expires_at <= now:
            freed = end_offer(entry, WaitlistStatus.EXPIRED)
            audit.record(
                None,
                "waitlist.offer_lapsed",
                entry,
                audit.changes_of(entry),
                facility_id=instrument.facility_id,
            )
            flush_or_conflict()
            slot_freed(instrument_id, *freed, now=now)
            lapsed += 1
        elif entry.status == WaitlistStatus.WAITING and entry.starts_at <= now:
            entry.status, entry.ended_at = WaitlistStatus.EXPIRED, now
            audit.record(None, "waitlist.expired", entry, facility_id=instrument.facility_id)
    return lapsed
