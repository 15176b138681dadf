"""Pure charging rules: which share of a booking is charged, amounts, periods and period pickers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from innocore.clock import year_in_range
from innocore.errors import Problem
from innocore.ledger.models import ChargeSource
from innocore.marks import N_, T_

CENT = Decimal("0.01")
MAX_MONTHS = 24


# A finished booking is charged in full, a no-show and a late cancellation by the facility's
# share (nothing when the share is zero); other endings are not charged.
def booking_charge(
    status: str, *, cancelled_late: bool, late_share: Decimal, no_show_share: Decimal
) -> tuple[ChargeSource, Decimal] | None:
    if status in ("confirmed", "completed"):
        return ChargeSource.BOOKING, Decimal("1")
    if status == "no_show" and no_show_share > 0:
        return ChargeSource.NO_SHOW, no_show_share
    if status == "cancelled" and cancelled_late and late_share > 0:
        return ChargeSource.LATE_CANCELLATION, late_share
    return None


# An amount is rate x quantity x share, rounded half-up to the cent.
def amount_of(rate: Decimal, quantity: Decimal, share: Decimal = Decimal("1")) -> Decimal:
    return (rate * quantity * share).quantize(CENT, rounding=ROUND_HALF_UP)


# Hours of a booking, to the hundredth (rates are hourly; intervals are true instants, so a DST
# night of 01:00-04:00 local is 2 or 4 hours).
def hours_between(starts_at: datetime, ends_at: datetime) -> Decimal:
    seconds = Decimal(int((ends_at - starts_at).total_seconds()))
    return (seconds / Decimal(3600)).quantize(CENT, rounding=ROUND_HALF_UP)


# A charge belongs to the month in which it was incurred, on the facility's wall clock.
def period_of(instant: datetime, zone: str) -> date:
    local = instant.astimezone(ZoneInfo(zone))
    return date(local.year, local.month, 1)


def parse_month(value: str | None) -> date | None:
    """``2026-03`` -> 2026-03-01; anything else, or a year InnoCore does not serve -> None."""
    try:
        year, month = (int(p) for p in (value or "").split("-"))
        day = date(year, month, 1)
    except ValueError:
        return None
    return day if year_in_range(day) else None


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


# A statement period runs from one month to a later (or the same) month, at most MAX_MONTHS long.
def period_problems(start: date | None, end: date | None) -> list[Problem]:
    if start is None or end is None:
        return [Problem("period", N_("Pick months like 2026-03."), "from")]
    if end < start:
        return [Problem("period_order", N_("The last month must not be before the first."), "to")]
    if add_months(start, MAX_MONTHS) <= end:
        return [
            Problem(
                "period_long",
                T_("A statement covers at most %(max_months)s months.", max_months=MAX_MONTHS),
                "to",
            )
        ]
    return []


# A facility's shares are fractions between 0 and 1 and its currency a three-letter code.
def policy_problems(currency: str, late_share, no_show_share) -> list[Problem]:
    problems = []
    if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        problems.append(
            Problem("currency", N_("Use a three-letter currency code (EUR)."), "currency")
        )
    for value, field in ((late_share, "late_cancel_share"), (no_show_share, "no_show_share")):
        if value is None or not Decimal("0") <= Decimal(value) <= Decimal("1"):
            problems.append(Problem("share", N_("Shares are between 0 and 1 (0.5 = half)."), field))
    return problems
