"""The clock and time-zone helpers. Services ask ``clock.now()``; tests set the time explicitly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

_source: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    """The current instant, aware, in UTC."""
    return _source()


def set_source(source: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests); ``None`` restores the system clock."""
    global _source
    _source = source or (lambda: datetime.now(UTC))


def is_valid_timezone(name: str) -> bool:
    """True when ``name`` is an IANA zone we can load (``Europe/Rome``)."""
    if not name or name != name.strip() or name.startswith("/") or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
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
