"""Across the network: which instruments may I book, and the earliest slot that fits."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from innocore import clock
from innocore.extensions import db
from instruments import free_time, queries
from instruments.eligibility import eligibility_of
from instruments.models import Instrument, InstrumentStatus

BOOKABLE_STATUSES = (InstrumentStatus.AVAILABLE, InstrumentStatus.LIMITED)


def held_levels(user, at: datetime) -> dict[int, int]:
    """Competence id -> level the user holds, for every competence some instrument requires."""
    if not getattr(user, "is_authenticated", False):
        return {}
    required = db.session.scalars(
        sa.select(Instrument.required_competence_id)
        .where(Instrument.required_competence_id.is_not(None))
        .distinct()
    ).all()
    out = {}
    for competence_id in required:
        e = eligibility_of(user.id, competence_id, at)
        if e.holds:
            out[competence_id] = e.level or 0
    return out


def only_bookable(stmt: sa.Select, user) -> sa.Select:
    """Narrow a catalog query to instruments the user may book without a staff override."""
    held = held_levels(user, clock.now())
    allowed = [Instrument.required_competence_id.is_(None)]
    for competence_id, level in held.items():
        allowed.append(
            sa.and_(
                Instrument.required_competence_id == competence_id,
                sa.func.coalesce(Instrument.required_level, 0) <= level,
            )
        )
    return stmt.where(Instrument.status.in_(BOOKABLE_STATUSES), sa.or_(*allowed))


def earliest_slot(
    user, filters: queries.CatalogFilters, minutes: int, starts_at: datetime, ends_at: datetime
) -> tuple[Instrument, datetime, datetime] | None:
    """The earliest slot of ``minutes`` on any matching instrument the user may book.

    Every instrument's own rules apply in its own facility's zone (opening hours, grid, notice,
    horizon, downtime, bookings, the cap on future bookings and the weekly-hours quota); the busy
    time of all candidates comes in one query, the user's own bookings in another.
    """
    candidates = db.session.scalars(only_bookable(queries.catalog_query(filters), user)).all()
    if not candidates:
        return None
    ids = [i.id for i in candidates]
    busy = queries.busy_by_instrument(ids, starts_at, ends_at)
    now = clock.now()
    mine = queries.user_bookings_by_instrument(user.id, ids, min(now, starts_at))
    best = None
    for instrument in candidates:
        policy = queries.policy_of(instrument)
        if policy.min_minutes and minutes < policy.min_minutes:
            continue
        found = free_time.earliest_slot(
            policy,
            busy[instrument.id],
            starts_at=starts_at,
            ends_at=ends_at,
            minutes=minutes,
            now=now,
            mine=mine.get(instrument.id, ()),
        )
        if found and (best is None or found[0] < best[1]):
            best = (instrument, *found)
    return best
