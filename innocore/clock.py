"""The clock and time-zone helpers. Services ask ``clock.now()``; tests set the time explicitly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# The years a date may name anywhere in InnoCore: the month or week after any of them still exists.
FIRST_YEAR, LAST_YEAR = 1900, 2999

_source: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    """The current instant, aware, in UTC."""
    return _source()


def set_source(source: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests); ``None`` restores the system clock."""
    global _source
    _source = source or (lambda: datetime.now(UTC))


def year_in_range(value: date | datetime) -> bool:
    """Whether a date or instant lies in the years InnoCore serves (``FIRST_YEAR``..``LAST_YEAR``)."""
    return FIRST_YEAR <= value.year <= LAST_YEAR


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def is_valid_timezone(name: str) -> bool:
    """True when ``name`` is an IANA zone name (``Europe/Rome``), never a folder of the zone
    database (``Europe``), a path or an over-long string (IANA tz database names)."""
    if not isinstance(name, str) or not name or len(name) > 64 or name not in _zone_names():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def timezone_choices() -> list[str]:
    """Canonical IANA zone names for select boxes, sorted."""
    return sorted(
        z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV"))
    )


def to_zone(instant: datetime, zone: str) -> datetime:
    """The wall-clock time of ``instant`` in ``zone``."""
    return instant.astimezone(ZoneInfo(zone))


def wall_to_instant(wall: datetime, zone: str, field: str) -> datetime:
    """A wall-clock time typed in ``zone`` (naive) as an aware UTC instant.

    A time the clocks skip (the spring gap) does not exist: ``DomainError`` with the problem
    ``nonexistent_local_time`` on ``field``. A time that happens twice (the autumn fold) means its
    first occurrence, summer time (``fold=0``, as RFC 5545 §3.3.5 reads local times); pages that
    take one say so with ``fold_note``.
    """
    from innocore.errors import DomainError, Problem

    tz = ZoneInfo(zone)
    wall = wall.replace(tzinfo=None, fold=0)
    aware = wall.replace(tzinfo=tz)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall:
        skipped = aware.replace(fold=1).utcoffset() - aware.replace(fold=0).utcoffset()
        minutes = abs(int(skipped.total_seconds() // 60))
        message = (
            f"{wall:%H:%M} on {wall:%a %d %b %Y} does not exist in {zone}: the clocks go "
            f"forward {minutes} minutes that night. Choose another time."
        )
        raise DomainError(Problem("nonexistent_local_time", message, field))
    return aware.astimezone(UTC)


def fold_note(instant: datetime, zone: str) -> str | None:
    """A sentence naming which of two equal wall-clock times ``instant`` is (the autumn fold),
    e.g. "02:30 happens twice on Sun 25 Oct 2026 in Europe/Rome; this is the first, 02:30 CEST
    (UTC+02:00)."; ``None`` for a time that happens once."""
    local = instant.astimezone(ZoneInfo(zone))
    other = local.replace(fold=1 - local.fold)
    if other.utcoffset() == local.utcoffset():
        return None
    which = "first" if local.fold == 0 else "second"
    offset = local.strftime("%z")
    return (
        f"{local:%H:%M} happens twice on {local:%a %d %b %Y} in {zone}; this is the {which}, "
        f"{local:%H:%M} {local.tzname()} (UTC{offset[:3]}:{offset[3:]})."
    )


def local_date(instant: datetime, zone: str) -> date:
    """The calendar date of ``instant`` on the wall clock of ``zone``: the date a person there
    reads (1 Nov 00:30 CET is 1 Nov, although it is still 31 Oct in UTC)."""
    return instant.astimezone(ZoneInfo(zone)).date()


def date_text(instant: datetime | None, zone: str, fmt: str = "%d %b %Y") -> str:
    """``instant``'s local date in ``zone`` as text (``"01 Nov 2026"``); "" for None. The one
    helper for every date a person reads: pages, e-mails, CSV and PDF exports."""
    return "" if instant is None else f"{local_date(instant, zone):{fmt}}"


def moment_text(instant: datetime, zone: str, fmt: str = "%d %b %Y %H:%M") -> str:
    """``instant`` as wall-clock text in ``zone``, labelled with the zone's abbreviation
    (``"31 Oct 2026 23:59 CET"``), so a repeated hour is never ambiguous."""
    local = instant.astimezone(ZoneInfo(zone))
    return f"{local:{fmt}} {local.tzname()}"
