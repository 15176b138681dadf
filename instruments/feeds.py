"""Calendars out: secret, revocable iCalendar feeds of bookings (a person's, an instrument's, a
facility's)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.calendar import CALENDAR_FORMAT, CalendarEvent, build_calendar, text_etag
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.links import absolute_url
from innocore.permissions import can_staff_facility
from innocore.secret_links import digest, find_live
from instruments.ics import BookingFacts, booking_event_of
from instruments.models import (
    ACTIVE_STATUSES,
    BOOKING_FEED_KINDS,
    Booking,
    CalendarFeed,
    FeedKind,
    Instrument,
)
from instruments.permissions import booking_visible_in_full

FEED_PAST_DAYS = 60


def create_feed(actor: User, kind: FeedKind, target_id: int) -> tuple[CalendarFeed, str]:
    """A new secret feed address of bookings; the raw token is shown once and only its hash is
    kept. A training feed is not made here (``training.feeds.rotate_feed``): ``DomainError``."""
    if kind not in BOOKING_FEED_KINDS:
        msg = "Choose your bookings, an instrument's or a facility's."
        raise DomainError(Problem("kind", msg, "kind"))
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
    if feed is None or feed.owner_id != actor.id or feed.kind not in BOOKING_FEED_KINDS:
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
            .where(
                CalendarFeed.owner_id == actor.id,
                CalendarFeed.kind.in_(BOOKING_FEED_KINDS),
                CalendarFeed.revoked_at.is_(None),
            )
            .order_by(CalendarFeed.created_at)
        )
    )


def feed_for_token(raw: str) -> CalendarFeed:
    """The live feed of bookings a secret address names; NotFound when unknown or revoked."""
    return find_live(
        CalendarFeed,
        raw,
        unknown="This calendar address is unknown or was revoked.",
        query=sa.select(CalendarFeed).where(CalendarFeed.kind.in_(BOOKING_FEED_KINDS)),
    )


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
    facts = repr(
        (
            CALENDAR_FORMAT,
            content.name,
            content.reader_id,
            sorted(content.staff_of),
            content.url,
            [tuple(r) for r in content.rows],
        )
    )
    return text_etag(facts)


def feed_calendar(content: FeedContent) -> str:
    """The feed as one VCALENDAR. Others' bookings are busy blocks without name, e-mail or
    purpose unless the owner is staff of that booking's facility (``booking_visible_in_full``)."""
    events = [
        _row_event(
            r,
            content.url,
            full=booking_visible_in_full(
                content.reader_id, r.user_id, r.facility_id in content.staff_of
            ),
            show_user=r.user_id != content.reader_id,
        )
        for r in content.rows
    ]
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
            uid=r.uid,
            sequence=r.sequence,
            starts_at=r.starts_at,
            ends_at=r.ends_at,
            status=r.status,
            purpose=r.purpose,
            updated_at=r.updated_at,
            instrument_name=r.instrument_name,
            location=r.location,
            facility_name=r.facility_name,
            timezone=r.timezone,
            contact_email=r.contact_email,
            user_name=r.user_name,
            user_email=r.user_email,
            url=url.format(r.id),
        ),
        full=full,
        show_user=show_user,
    )


def _feed_name(feed: CalendarFeed) -> str:
    if feed.kind == FeedKind.USER:
        return "My instrument bookings"
    if feed.kind == FeedKind.INSTRUMENT:
        instrument = db.session.get(Instrument, feed.target_id)
        return f"{instrument.name} bookings" if instrument else "Instrument bookings"
    facility = db.session.get(Facility, feed.target_id)
    return f"{facility.name} bookings" if facility else "Facility bookings"
