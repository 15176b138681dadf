"""Statements: an organisation's charges over a period, a facility's revenue, the network's.

Each statement runs a fixed number of queries whatever the number of charges: lines are paginated,
totals are aggregated in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from innocore.accounts.models import Organisation
from innocore.clock import date_text
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.facilities.services import facility_timezone
from innocore.ledger.models import Charge

# What a charge points to, named by table as its foreign keys do: the ledger reads the names of
# instruments and services without importing the packages that own them.
_instrument = sa.table("instrument", sa.column("id"), sa.column("name"))
_service = sa.table("service", sa.column("id"), sa.column("name"))


@dataclass(frozen=True)
class Period:
    start: date  # first day of the first month
    end: date  # first day of the last month

    @property
    def label(self) -> str:
        a, b = self.start.strftime("%Y-%m"), self.end.strftime("%Y-%m")
        return a if a == b else f"{a} to {b}"


def lines(
    period: Period,
    *,
    organisation_id: int | None = None,
    facility_id: int | None = None,
    user_id: int | None = None,
) -> sa.Select:
    stmt = sa.select(Charge).where(Charge.period_on.between(period.start, period.end))
    if organisation_id is not None:
        stmt = stmt.where(Charge.organisation_id == organisation_id)
    if facility_id is not None:
        stmt = stmt.where(Charge.facility_id == facility_id)
    if user_id is not None:
        stmt = stmt.where(Charge.user_id == user_id)
    return stmt.order_by(Charge.incurred_at, Charge.id)


def _grouped(stmt: sa.Select, *keys) -> list:
    return db.session.execute(
        stmt.with_only_columns(
            *keys, Charge.currency, sa.func.count(Charge.id), sa.func.sum(Charge.amount)
        )
        .order_by(None)
        .group_by(*keys, Charge.currency)
        .order_by(*keys, Charge.currency)
    ).all()


def totals(period: Period, **scope) -> list:
    """(currency, count, total) rows: one query."""
    return _grouped(lines(period, **scope))


def by_month(period: Period, **scope) -> list:
    return _grouped(lines(period, **scope), Charge.period_on)


def by_category(period: Period, **scope) -> list:
    return _grouped(lines(period, **scope), Charge.category)


def by_source(period: Period, **scope) -> list:
    return _grouped(lines(period, **scope), Charge.source)


def by_instrument(period: Period, **scope) -> list:
    stmt = lines(period, **scope).join(_instrument, _instrument.c.id == Charge.instrument_id)
    return _grouped(stmt, _instrument.c.name)


def by_service(period: Period, **scope) -> list:
    stmt = lines(period, **scope).join(_service, _service.c.id == Charge.service_id)
    return _grouped(stmt, _service.c.name)


def by_facility(period: Period) -> list:
    return _grouped(lines(period).join(Facility, Facility.id == Charge.facility_id), Facility.name)


def by_organisation(period: Period) -> list:
    stmt = lines(period).join(Organisation, Organisation.id == Charge.organisation_id)
    return _grouped(stmt, Organisation.id, Organisation.name)


def day_of(charge) -> str:
    """The charge's date as read at its facility (a booking at 00:30 on 1 Nov CET is 1 Nov),
    as ``YYYY-MM-DD``."""
    return date_text(charge.incurred_at, facility_timezone(charge.facility_id), "%Y-%m-%d")
