"""Calendars out: secret, revocable iCalendar feeds, and the reminder job."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.calendar import CALENDAR_FORMAT, CalendarEvent, build_calendar, text_etag
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.links import absolute_url
from innocore.notifications import kinds
from innocore.notifications.services import queue_email
from innocore.permissions import can_manage_facility, can_staff_facility
from innocore.secret_links import digest, find_live
from instruments.ics import BookingFacts, booking_event_of, booking_ics
from instruments.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingStatus,
    CalendarFeed,
    FacilityBookingSettings,
    FeedKind,
    Instrument,
)
from instruments.permissions import booking_visible_in_full

FEED_PAST_DAYS = 60
DEFAULT_REMINDER_HOURS = 24


def create_feed(actor: User, kind: FeedKind, target_id: int) -> tuple[CalendarFeed, str]:
    """A new secret feed address; the raw token is shown once and only its hash is kept."""
    if kind == FeedKind.USER and target_id != actor.id:
        raise Forbidden("You subscribe to your own bookings only.")
    if kind == FeedKind.INSTRUMENT and db.session.get(Instrument, target_id) is None:
        raise NotFound("No such instrument.")
    if kind == FeedKind.FACILITY and db.session.get(Facility, target_id) is None:
        raise NotFound("No such facility.")
    raw = secrets.token_urlsafe(24)
    feed = CalendarFeed(
        owner_id=actor.id,
        kind=kind,
        target_id=target_id,
        token_hash=digest(raw),
        created_at=clock.now(),
    )
    db.session.add(feed)
    audit.record(actor, "feed.create", feed, {"kind": [None, kind.value]})
    return feed, raw


def revoke_feed(actor: User, feed_id: int) -> None:
    feed = db.session.get(CalendarFeed, feed_id)
    if feed is None or feed.owner_id != actor.id:
        raise NotFound("No such calendar feed.")
    if feed.revoked_at is None:
        feed.revoked_at = clock.now()
        audit.record(
            actor, "feed.revoke", feed, {"revoked_at": [None, feed.revoked_at.isoformat()]}
        )


def list_feeds(actor: User) -> list[CalendarFeed]:
    return list(
        db.session.scalars(
            sa.select(CalendarFeed)
            .where(CalendarFeed.owner_id == actor.id, CalendarFeed.revoked_at.is_(None))
            .order_by(CalendarFeed.created_at)
        )
    )


def feed_for_token(raw: str) -> CalendarFeed:
    """The live feed a secret address names; NotFound when unknown or revoked."""
    return find_live(CalendarFeed, raw, unknown="This calendar address is unknown or was revoked.")


def _feed_query(feed: CalendarFeed) -> sa.Select:
    since = clock.now() - timedelta(days=FEED_PAST_DAYS)
    stmt = sa.select(Booking).where(Booking.ends_at > since)
    if feed.kind == FeedKind.USER:
        return stmt.where(Booking.user_id == feed.target_id)
    if feed.kind == FeedKind.INSTRUMENT:
        where = Booking.instrument_id == feed.target_id
    else:  # a subquery, not a join: the feed's own query joins the instrument once
        of_facility = sa.select(Instrument.id).where(Instrument.facility_id == feed.target_id)
        where = Booking.instrument_id.in_(of_facility)
    return stmt.where(where, Booking.status.in_(ACTIVE_STATUSES))


@dataclass(frozen=True)
class FeedContent:
    """Everything a feed's body is made of: the same content gives the same bytes."""

    name: str
    rows: list  # FEED_COLUMNS rows, in feed order
    reader_id: int  # the feed's owner: their own bookings show in full
    staff_of: frozenset[int]  # facilities whose bookings the owner sees in full (staff there)
    url: str  # booking page address with "{}" for the id


def feed_content(feed: CalendarFeed) -> FeedContent:
    """The feed's bookings (past 60 days onwards), read in one query of just the columns an
    event needs (booking, instrument, facility, user): no ORM objects, no per-event lazy load."""
    rows = db.session.execute(
        _feed_query(feed)
        .with_only_columns(*FEED_COLUMNS)
        .join_from(Booking, Instrument, Booking.instrument_id == Instrument.id)
        .join(Facility, Instrument.facility_id == Facility.id)
        .join(User, Booking.user_id == User.id)
        .order_by(Booking.starts_at, Booking.id)
    ).all()
    owner = db.session.get(User, feed.owner_id)
    facilities = {r.facility_id for r in rows if r.user_id != owner.id}
    staff_of = frozenset(
        f for f in facilities if can_staff_facility(owner, db.session.get(Facility, f))
    )
    return FeedContent(_feed_name(feed), rows, owner.id, staff_of, _booking_url_template())


def feed_etag(content: FeedContent) -> str:
    """An entity tag that changes whenever the body would (it is a digest of what the body is
    made of: names, times, people, visibility), without writing the body."""
    facts = repr((CALENDAR_FORMAT, content.name, content.reader_id, sorted(content.staff_of),
                  content.url, [tuple(r) for r in content.rows]))  # fmt: skip
    return text_etag(facts)


def feed_calendar(content: FeedContent) -> str:
    """The feed as one VCALENDAR. Others' bookings are busy blocks without name, e-mail or
    purpose unless the owner is staff of that booking's facility (``booking_visible_in_full``)."""
    events = [
        _row_event(r, content.url, full=booking_visible_in_full(
            content.reader_id, r.user_id, r.facility_id in content.staff_of),
            show_user=r.user_id != content.reader_id)
        for r in content.rows
    ]  # fmt: skip
    return build_calendar(events, name=content.name)


FEED_COLUMNS = (
    Booking.id,
    Booking.uid,
    Booking.sequence,
    Booking.starts_at,
    Booking.ends_at,
    Booking.status,
    Booking.purpose,
    Booking.updated_at,
    Booking.user_id,
    Instrument.name.label("instrument_name"),
    Instrument.location,
    Facility.id.label("facility_id"),
    Facility.name.label("facility_name"),
    Facility.timezone,
    Facility.contact_email,
    User.name.label("user_name"),
    User.email.label("user_email"),
)
_URL_MARK = 987654321987


def _booking_url_template() -> str:
    """The booking page's address with ``{}`` for the id: routed once, not once per event."""
    url = absolute_url("instruments.booking_page", booking_id=_URL_MARK)
    return url.replace("{", "{{").replace("}", "}}").replace(str(_URL_MARK), "{}")


def _row_event(r, url: str, *, full: bool, show_user: bool) -> CalendarEvent:
    return booking_event_of(
        BookingFacts(
            uid=r.uid, sequence=r.sequence, starts_at=r.starts_at, ends_at=r.ends_at,
            status=r.status, purpose=r.purpose, updated_at=r.updated_at,
            instrument_name=r.instrument_name, location=r.location,
            facility_name=r.facility_name, timezone=r.timezone, contact_email=r.contact_email,
            user_name=r.user_name, user_email=r.user_email, url=url.format(r.id),
        ),
        full=full,
        show_user=show_user,
    )  # fmt: skip


def _feed_name(feed: CalendarFeed) -> str:
    if feed.kind == FeedKind.USER:
        return "My instrument bookings"
    if feed.kind == FeedKind.INSTRUMENT:
        instrument = db.session.get(Instrument, feed.target_id)
        return f"{instrument.name} bookings" if instrument else "Instrument bookings"
    facility = db.session.get(Facility, feed.target_id)
    return f"{facility.name} bookings" if facility else "Facility bookings"


def reminder_hours(facility_id: int) -> int:
    row = db.session.get(FacilityBookingSettings, facility_id)
    return row.reminder_hours if row else DEFAULT_REMINDER_HOURS


def cancels_on_certificate_end(facility_id: int) -> bool:
    """Whether the facility cancels (True) or flags (False) bookings whose certificate ended."""
    row = db.session.get(FacilityBookingSettings, facility_id)
    return bool(row and row.cancel_on_certificate_end)


def set_reminder_hours(
    actor: User, facility: Facility, hours: int | None, *, cancel_on_certificate_end=None
) -> None:
    """A facility's managers set how long before each booking its reminder goes out (0: none)
    and, optionally, whether bookings whose user's certificate ends are cancelled or flagged."""
    if not can_manage_facility(actor, facility):
        raise Forbidden("Only the facility's managers change its reminder time.")
    if hours is None or not 0 <= hours <= 336:
        raise DomainError(Problem("out_of_range", "Use 0 to 336 hours.", "reminder_hours"))
    row = db.session.get(FacilityBookingSettings, facility.id)
    old = row.reminder_hours if row else DEFAULT_REMINDER_HOURS
    if row is None:
        row = FacilityBookingSettings(facility_id=facility.id)
        db.session.add(row)
    row.reminder_hours = hours
    changes = {"reminder_hours": [old, hours]}
    if cancel_on_certificate_end is not None:
        was = bool(row.cancel_on_certificate_end)
        row.cancel_on_certificate_end = bool(cancel_on_certificate_end)
        changes["cancel_on_certificate_end"] = [was, bool(cancel_on_certificate_end)]
    audit.record(actor, "facility.reminder_hours", row, changes, facility_id=facility.id)


def send_reminders() -> int:
    """Queue one reminder per confirmed booking, ``reminder_hours`` before it (per facility).

    Exactly once: the dedupe key names the booking and its start, so re-runs and a second
    scheduler queue nothing twice, while a moved booking gets a reminder for its new time.
    """
    now = clock.now()
    leads = dict(
        db.session.execute(
            sa.select(FacilityBookingSettings.facility_id, FacilityBookingSettings.reminder_hours)
        ).all()
    )
    horizon = max([DEFAULT_REMINDER_HOURS, *leads.values()])
    bookings = db.session.scalars(
        sa.select(Booking)
        .where(
            Booking.status == BookingStatus.CONFIRMED,
            Booking.starts_at > now,
            Booking.starts_at <= now + timedelta(hours=horizon),
            Booking.for_training.is_(False),
        )
        .options(selectinload(Booking.user), selectinload(Booking.instrument))
    ).all()
    queued = 0
    for booking in bookings:
        lead = leads.get(booking.instrument.facility_id, DEFAULT_REMINDER_HOURS)
        if lead == 0 or booking.starts_at > now + timedelta(hours=lead):
            continue
        note = queue_email(
            booking.user,
            f"Reminder: {booking.instrument.name}",
            "booking_notice",
            kind=kinds.REMINDERS,
            link=absolute_url("instruments.booking_page", booking_id=booking.id),
            ics=booking_ics(booking, "REQUEST"),
            ics_method="REQUEST",
            dedupe_key=f"booking-reminder:{booking.id}:{booking.starts_at.isoformat()}",
            booking=booking,
            message="A reminder of your upcoming booking.",
            reason=None,
        )
        queued += note is not None
    return queued
