"""SQL building blocks of report queries that read the same on SQLite and PostgreSQL.

Every report aggregates in the database (``GROUP BY``); these helpers only give the two dialects
one spelling for an instant's Unix epoch, the smaller/larger of two values, and bucket indexes
from boundaries computed in Python (see :mod:`innocore.reports.buckets`).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from innocore.db import UTCDateTime
from innocore.reports.buckets import MONDAY_SHIFT, Bucket


class epoch(FunctionElement):  # noqa: N801  (reads like a SQL function)
    """Whole seconds since 1970-01-01T00:00Z of a UTC instant column (an integer)."""

    type = sa.BigInteger()
    inherit_cache = True


@compiles(epoch)
def _epoch_pg(element, compiler, **kw):
    # date_part answers in double precision; EXTRACT answers NUMERIC, several times slower to
    # sum over a year of bookings. Instants are whole seconds well within a double's precision.
    return f"CAST(FLOOR(date_part('epoch', {compiler.process(element.clauses, **kw)})) AS BIGINT)"


@compiles(epoch, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


class least(FunctionElement):  # noqa: N801
    inherit_cache = True


class greatest(FunctionElement):  # noqa: N801
    inherit_cache = True


@compiles(least)
def _least(element, compiler, **kw):
    return f"LEAST({compiler.process(element.clauses, **kw)})"


@compiles(least, "sqlite")
def _least_sqlite(element, compiler, **kw):
    return f"MIN({compiler.process(element.clauses, **kw)})"


@compiles(greatest)
def _greatest(element, compiler, **kw):
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "sqlite")
def _greatest_sqlite(element, compiler, **kw):
    return f"MAX({compiler.process(element.clauses, **kw)})"


def instant(value: datetime) -> sa.BindParameter:
    """A UTC instant as a bound parameter stored the way the columns store it."""
    return sa.literal(value, UTCDateTime())


def clipped_seconds(starts, ends, lo: datetime, hi: datetime):
    """Seconds of ``[starts, ends)`` inside ``[lo, hi)`` (rows must overlap the window)."""
    return epoch(least(ends, instant(hi))) - epoch(greatest(starts, instant(lo)))


def bucket_index(column, buckets: list[Bucket]):
    """The index of the bucket ``column`` falls in, for values at or after the first bucket's
    start (earlier values read as bucket 0, later than the last as ``NULL``): an ascending
    ``CASE WHEN column < end_0 THEN 0 WHEN column < end_1 THEN 1 ...``, one comparison a branch."""
    whens = [(column < instant(b.ends_at), i) for i, b in enumerate(buckets)]
    return sa.case(*whens, else_=None)


def week_index(column, buckets: list[Bucket], changes: list[tuple[datetime, int]]):
    """The index of the Monday-to-Sunday week (of ``buckets``, from :func:`weeks`) in which
    ``column`` falls, by arithmetic on its local epoch instead of one branch per week; values
    before the first week read as 0."""
    from innocore.reports.buckets import WEEK_SECONDS

    first = buckets[0].starts_at
    offset = next(o for at, o in reversed(changes) if at <= first) if changes else 0
    first_week = (int(first.timestamp()) + offset + MONDAY_SHIFT) // WEEK_SECONDS
    arithmetic = local_epoch(column, changes) // WEEK_SECONDS - first_week
    return sa.case((column < instant(first), 0), else_=arithmetic)


def local_epoch(column, changes: list[tuple[datetime, int]]):
    """``column``'s wall-clock reading in the zone as seconds, shifted so that a week starts on
    Monday 00:00 (``% 604800 // 3600`` is the hour of the week); ``changes`` from
    :func:`innocore.reports.buckets.offset_changes`."""
    if len(changes) == 1:
        offset = sa.literal(changes[0][1])
    else:
        whens = [(column < instant(at), changes[i - 1][1]) for i, (at, _) in enumerate(changes)][1:]
        offset = sa.case(*whens, else_=changes[-1][1])
    return epoch(column) + offset + MONDAY_SHIFT


def category_of(user_org_id, org_kind, institution_id):
    """The user category of :func:`innocore.accounts.rules.user_category`, as SQL: the
    facility's own institution is internal, a company industry, anyone else external academic."""
    from innocore.vocab import OrganisationKind, UserCategory

    return sa.case(
        (user_org_id == institution_id, UserCategory.INTERNAL.value),
        (org_kind == OrganisationKind.COMPANY, UserCategory.INDUSTRY.value),
        else_=UserCategory.EXTERNAL_ACADEMIC.value,
    )


def position_group_of(position, org_kind):
    """The group a person is counted in (a key of :data:`innocore.vocab.POSITION_GROUPS`), as
    SQL over their position and their organisation's kind: anyone of a company is industry;
    otherwise :attr:`innocore.vocab.Position.report_group`; no position reads ``not_stated``."""
    from innocore.vocab import OrganisationKind, Position

    groups: dict[str, list] = {}
    for p in Position:
        groups.setdefault(p.report_group, []).append(p)
    return sa.case(
        (org_kind == OrganisationKind.COMPANY, "industry"),
        *((position.in_(members), key) for key, members in groups.items()),
        else_="not_stated",
    )


def category_label(value: str) -> str:
    from innocore.vocab import UserCategory

    try:
        return UserCategory(value).label
    except ValueError:
        return str(value)
