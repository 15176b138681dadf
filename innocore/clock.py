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
