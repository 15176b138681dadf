"""The clock and time-zone helpers. Services ask ``clock.now()``; tests set the time explicitly."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from innocore.marks import T_

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


def passes(wall: datetime, zone: str) -> list[datetime]:
    """The UTC instants a wall-clock time (naive) names in ``zone``: none for a time the clocks
    skip (the spring gap), two for a time that happens twice (the autumn fold; summer time
    first), else one."""
    tz = ZoneInfo(zone)
    wall = wall.replace(tzinfo=None, fold=0)
    out = []
    for fold in (0, 1):
        aware = wall.replace(tzinfo=tz, fold=fold).astimezone(UTC)
        if aware.astimezone(tz).replace(tzinfo=None) == wall and aware not in out:
            out.append(aware)
    return out


def pass_label(instant: datetime, zone: str) -> str:
    """One pass of a repeated hour as a person reads it: ``"02:30 CEST (UTC+02:00, first)"``."""
    local = instant.astimezone(ZoneInfo(zone))
    which = "first" if local.fold == 0 else "second"
    return f"{local:%H:%M} {local.tzname()} (UTC{offset_text(local)}, {which})"


def offset_text(instant: datetime) -> str:
    """An aware time's UTC offset as ``+02:00`` (the form the pages and the API accept)."""
    offset = instant.strftime("%z")
    return f"{offset[:3]}:{offset[3:5]}"


def wall_to_instant(
    wall: datetime,
    zone: str,
    field: str,
    *,
    offset: str | None = None,
    keep: Iterable[datetime | None] = (),
) -> datetime:
    """A wall-clock time typed in ``zone`` (naive) as an aware UTC instant, or ``DomainError``
    with the one problem ``resolve_wall`` finds (``nonexistent_local_time``,
    ``ambiguous_local_time``, ``wrong_offset``) on ``field``."""
    from innocore.errors import DomainError, Problem

    found = resolve_wall(wall, zone, field, offset=offset, keep=keep)
    if isinstance(found, Problem):
        raise DomainError(found)
    return found


def resolve_wall(
    wall: datetime,
    zone: str,
    field: str,
    *,
    offset: str | None = None,
    keep: Iterable[datetime | None] = (),
):
    """A wall-clock time typed in ``zone`` (naive) as an aware UTC instant, or the ``Problem``
    (on ``field``) that keeps it from being one; ``wall_to_instant`` raises it.

    A time the clocks skip (the spring gap) does not exist: ``nonexistent_local_time``. A time
    that happens twice (the autumn fold) is the pass named by ``offset`` (``"+01:00"``, or the
    zone's abbreviation ``"CET"``), else the pass among ``keep`` (the stored instants of the
    record being edited: an unchanged time keeps its instant), else ``ambiguous_local_time``
    naming both passes (``pass_label``), so the page can ask which one. An ``offset`` that is
    not one of the time's own is ``wrong_offset``. Returns ``datetime | Problem``.
    """
    from innocore.errors import Problem

    wall = wall.replace(tzinfo=None, fold=0)
    found = passes(wall, zone)
    when = f"{wall:%H:%M} on {wall:%a %d %b %Y}"
    if not found:
        tz = ZoneInfo(zone)
        skipped = wall.replace(tzinfo=tz, fold=1).utcoffset() - wall.replace(tzinfo=tz).utcoffset()
        minutes = abs(int(skipped.total_seconds() // 60))
        message = T_(
            "%(when)s does not exist in %(zone)s: the clocks go forward "
            "%(minutes)s minutes that night. Choose another time.",
            when=when,
            zone=zone,
            minutes=minutes,
        )
        return Problem("nonexistent_local_time", message, field)
    if offset:
        chosen = [p for p in found if _names_pass(offset.strip(), p, zone)]
        if not chosen:
            tz = ZoneInfo(zone)
            named = " or ".join(f"UTC{offset_text(p.astimezone(tz))}" for p in found)
            message = f"{when} in {zone} is {named}, not {offset.strip()[:12]}."
            return Problem("wrong_offset", message, field)
        return chosen[0]
    if len(found) == 1:
        return found[0]
    kept = [p for p in found if p in set(keep)]
    if len(kept) == 1:
        return kept[0]
    message = T_(
        "%(when)s happens twice in %(zone)s (the clocks go back that "
        "night): choose %(pass_label)s or %(pass_label2)s.",
        when=when,
        zone=zone,
        pass_label=pass_label(found[0], zone),
        pass_label2=pass_label(found[1], zone),
    )
    return Problem("ambiguous_local_time", message, field)


def _names_pass(offset: str, instant: datetime, zone: str) -> bool:
    local = instant.astimezone(ZoneInfo(zone))
    text = offset.upper().removeprefix("UTC")
    return text in (offset_text(local), local.tzname().upper()) or (
        text == "Z" and local.utcoffset().total_seconds() == 0
    )


def fold_note(instant: datetime, zone: str) -> str | None:
    """A sentence naming which of two equal wall-clock times ``instant`` is (the autumn fold),
    e.g. "02:30 happens twice on Sun 25 Oct 2026 in Europe/Rome; this is the first, 02:30 CEST
    (UTC+02:00)."; ``None`` for a time that happens once."""
    local = instant.astimezone(ZoneInfo(zone))
    other = local.replace(fold=1 - local.fold)
    if other.utcoffset() == local.utcoffset():
        return None
    which = "first" if local.fold == 0 else "second"
    return (
        f"{local:%H:%M} happens twice on {local:%a %d %b %Y} in {zone}; this is the {which}, "
        f"{local:%H:%M} {local.tzname()} (UTC{offset_text(local)})."
    )


def local_date(instant: datetime, zone: str) -> date:
    """The calendar date of ``instant`` on the wall clock of ``zone``: the date a person there
    reads (1 Nov 00:30 CET is 1 Nov, although it is still 31 Oct in UTC)."""
    return instant.astimezone(ZoneInfo(zone)).date()


def today(zone: str) -> date:
    """The current date on the wall clock of ``zone`` (the facility's for facility rules, the
    reader's for what a person calls "today"); never ``now().date()``, the date in UTC."""
    return local_date(now(), zone)


def day_start(day: date, zone: str) -> datetime:
    """The UTC instant the calendar day ``day`` begins on the wall clock of ``zone`` (local
    00:00; where the clocks skip midnight, the first instant that exists that day)."""
    return datetime.combine(day, time(0), ZoneInfo(zone)).astimezone(UTC)


def day_end(day: date, zone: str) -> datetime:
    """The UTC instant of the last second of ``day`` on the wall clock of ``zone``: how a date a
    person types ("valid until 30 Jun 2027", "applications close on ...") becomes an instant.
    Local 23:59:59, i.e. one second before ``day_start(day + 1)``, so the instant's local date
    (``local_date``, every page and e-mail) is the date typed, never the next one; a check
    ``now < day_end(...)`` loses only that last second. Never end a typed day in UTC: 30 Jun
    23:59:59 UTC is 1 Jul 01:59 in Rome."""
    return day_start(day + timedelta(days=1), zone) - timedelta(seconds=1)


# strftime directives and their Unicode CLDR date-field patterns (UTS #35, "Date Field Symbol
# Table"): the house's formats are written as strftime and shown in the reader's language.
_CLDR = {
    "a": "EEE",
    "A": "EEEE",
    "d": "dd",
    "-d": "d",
    "e": "d",
    "b": "MMM",
    "B": "MMMM",
    "m": "MM",
    "-m": "M",
    "Y": "y",
    "y": "yy",
    "H": "HH",
    "-H": "H",
    "M": "mm",
    "S": "ss",
    "I": "hh",
    "p": "a",
    "Z": "zzz",
}


def cldr_pattern(fmt: str) -> str:
    """A strftime format (``"%d %b %Y"``) as a CLDR pattern (``"dd MMM y"``), literal text quoted.
    Raises ``ValueError`` on a directive without a CLDR equivalent."""
    out, literal, i = [], "", 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            key = fmt[i + 1 : i + 3] if fmt[i + 1] == "-" else fmt[i + 1]
            if key == "%":
                literal += "%"
            elif key in _CLDR:
                if literal:
                    out.append("'" + literal.replace("'", "''") + "'")
                    literal = ""
                out.append(_CLDR[key])
            else:
                raise ValueError(f"no CLDR pattern for %{key}")
            i += 1 + len(key)
        else:
            literal += fmt[i]
            i += 1
    if literal:
        out.append("'" + literal.replace("'", "''") + "'")
    return "".join(out)


def reader_locale() -> str:
    """The CLDR locale to format for in the current request (Flask-Babel's language, as its
    variant in ``innocore.i18n.FORMAT_LOCALES``: ``"pt"`` -> ``"pt_PT"``), or ``"en"`` outside one."""
    try:
        from flask_babel import get_locale

        loc = get_locale()
    except RuntimeError:  # pragma: no cover - outside an application
        loc = None
    if loc is None:
        return "en"
    from innocore.i18n import FORMAT_LOCALES

    return FORMAT_LOCALES.get(str(loc), str(loc))


def wall_text(value: datetime | date, fmt: str) -> str:
    """A wall-clock datetime (or date) written with strftime format ``fmt`` in the reader's
    language (month and day names from CLDR through Babel); the zone is never changed."""
    from babel.dates import format_date
    from babel.dates import format_datetime as babel_datetime

    pattern = cldr_pattern(fmt)
    if isinstance(value, datetime):
        return babel_datetime(value, pattern, tzinfo=value.tzinfo, locale=reader_locale())
    return format_date(value, pattern, locale=reader_locale())


def date_text(instant: datetime | None, zone: str, fmt: str = "%d %b %Y") -> str:
    """``instant``'s local date in ``zone`` as text (``"01 Nov 2026"``, month names in the
    reader's language); "" for None. The one helper for every date a person reads: pages,
    e-mails, CSV and PDF exports."""
    return "" if instant is None else wall_text(local_date(instant, zone), fmt)


def moment_text(instant: datetime, zone: str, fmt: str = "%d %b %Y %H:%M") -> str:
    """``instant`` as wall-clock text in ``zone``, labelled with the zone's abbreviation
    (``"31 Oct 2026 23:59 CET"``), so a repeated hour is never ambiguous."""
    local = instant.astimezone(ZoneInfo(zone))
    return f"{wall_text(local, fmt)} {local.tzname()}"


def span_text(start: datetime, end: datetime, zone: str, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    """An interval on ``zone``'s wall clock for a mail line: ``"Mon 16 Mar 2026, 09:00–10:00 CET"``;
    each end carries its own abbreviation when they differ (``"Sun 25 Oct 2026, 02:00 CEST–03:00
    CET"`` on the autumn night), never the start's alone. ``fmt`` writes the start (strftime)."""
    a, b = to_zone(start, zone), to_zone(end, zone)
    if a.tzname() == b.tzname():
        return f"{wall_text(a, fmt)}–{b:%H:%M} {a.tzname()}"
    return f"{wall_text(a, fmt)} {a.tzname()}–{b:%H:%M} {b.tzname()}"


def message_moment(instant: datetime, zone: str) -> str:
    """An instant as a problem message or notice shows it: the wall-clock time in ``zone`` (the
    facility's) with the zone's abbreviation, ``"Mon 21 Dec 2026, 09:00 CET"``. Rules call it
    with the zone they are given; no message writes an instant in UTC of its own."""
    return moment_text(instant, zone, "%a %d %b %Y, %H:%M")


def api_instant(instant: datetime | None) -> str | None:
    """An aware instant as ISO 8601 (RFC 3339) text in UTC with a ``Z``
    (``2026-12-14T11:00:00Z``; fractions of a second kept when there are any), as every API
    answer writes instants whatever offset the caller sent; ``None`` stays ``None``."""
    if instant is None:
        return None
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def api_time(value: date | datetime | None) -> str | None:
    """An API answer's date or instant: a date as ``YYYY-MM-DD``, an instant as
    ``api_instant`` (UTC, ``Z``); ``None`` stays ``None``. For builders whose fields hold either."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return api_instant(value)
    return value.isoformat()


def iso_utc(instant: datetime) -> str:
    """An aware instant as ISO 8601 in UTC to the second with a ``Z`` (``2026-03-29T01:00:00Z``),
    as credentials and exports write it."""
    return instant.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
