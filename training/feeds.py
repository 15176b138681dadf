"""iCalendar feeds: a person's training at a secret, revocable address; a facility's sessions;
one session. Every part keeps one UID for life; SEQUENCE follows the session's changes.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.calendar import build_calendar, ics_response, text_etag
from innocore.errors import NotFound
from innocore.extensions import db
from innocore.facilities.services import get_facility_by_slug
from innocore.links import absolute_url
from innocore.secret_links import digest, find_live
from instruments.models import CalendarFeed, FeedKind
from training import bp, notices, queries
from training.models import SessionStatus, TrainingSession
from training.services.planning import get_session

PREFIX = "itf_"


def rotate_feed(user) -> str:
    """Revoke the person's current training feed address and make a new one (a
    ``CalendarFeed`` of kind ``training`` on the person); returns its secret once."""
    revoke_feed(user)
    raw = PREFIX + secrets.token_urlsafe(24)
    feed = CalendarFeed(
        owner_id=user.id,
        kind=FeedKind.TRAINING,
        target_id=user.id,
        token_hash=digest(raw),
        created_at=clock.now(),
    )
    db.session.add(feed)
    audit.record(user, "training.feed_created", feed, {})
    return raw


def revoke_feed(user) -> int:
    """Revoke the person's live training feed addresses; returns how many there were."""
    now = clock.now()
    return db.session.execute(
        sa.update(CalendarFeed)
        .where(
            CalendarFeed.owner_id == user.id,
            CalendarFeed.kind == FeedKind.TRAINING,
            CalendarFeed.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    ).rowcount


def _ics(sessions: list[TrainingSession], name: str) -> Response:
    """A feed of sessions with an ETag (its text is small, so the tag is its digest: DTSTAMPs
    are the sessions' own, never the time of the request)."""
    events = [e for s in sessions for e in notices.session_events(s)]
    body = build_calendar(events, name=name)
    return ics_response(text_etag(body), lambda: body)


@bp.route("/feeds/<token>.ics")
def user_feed(token: str):
    training_feeds = sa.select(CalendarFeed).where(CalendarFeed.kind == FeedKind.TRAINING)
    row = find_live(CalendarFeed, token, unknown="No such calendar feed.", query=training_feeds)
    person = db.session.get(User, row.owner_id)
    if not person.active:
        raise NotFound("No such calendar feed.")
    return _ics(queries.feed_sessions(person.id), f"Training · {person.name}")


@bp.route("/facilities/<slug>/training.ics")
def facility_feed(slug: str):
    facility = get_facility_by_slug(slug)
    sessions = db.session.scalars(
        sa.select(TrainingSession)
        .where(
            TrainingSession.facility_id == facility.id,
            TrainingSession.status != SessionStatus.CANCELLED,
        )
        .order_by(TrainingSession.id)
    ).all()
    return _ics(list(sessions), f"Training · {facility.name}")


@bp.route("/sessions/<int:session_id>.ics")
def session_feed(session_id: int):
    session = get_session(session_id)
    return _ics([session], session.module.title)


@bp.route("/my/feed", methods=["GET", "POST"])
@login_required
def my_feed():
    from flask import request

    if request.method == "POST":
        raw = rotate_feed(current_user)
        db.session.commit()
        url = absolute_url("training.user_feed", token=raw)
        return render_template("training/feed.html", url=url)
    return render_template("training/feed.html", url=None)


@bp.route("/my/feed/revoke", methods=["POST"])
@login_required
def revoke_my_feed():
    n = revoke_feed(current_user)
    db.session.commit()
    flash(
        "Your calendar feed address no longer works." if n else "You had no feed address.", "info"
    )
    return redirect(url_for("training.my_feed"))
