"""Recurring series, pure: the recurrence a person may ask for, as an RFC 5545 RRULE, and its
expansion into occurrences on the facility's wall clock.

The rule is expanded in the facility's zone on wall-clock time (``dateutil.rrule`` on naive local
times), then each occurrence becomes UTC instants (``rfc5545_instant``), so
a series at 09:00 stays at 09:00 across the DST changes (pitfalls: never "+7 days" in UTC). An
occurrence whose time the clocks skip, or that happens twice, is resolved as RFC 5545 §3.3.5
says for recurrences (``rfc5545_instant``) and carries a note saying so; a single booking still
asks which time is meant. No Flask, no database, no ``now()``.
"""

from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil import rrule as du

from innocore import clock
from innocore.errors import Problem
from innocore.marks import N_, T_

MAX_OCCURRENCES = 104  # two a week for a year
MAX_SPAN_DAYS = 364  # 52 weeks from the first start to the last
MAX_INTERVAL = 12
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # RFC 5545 weekday codes, Monday = 0
DAY_NAMES = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)


class Frequency(enum.StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"

    @property
    def label(self) -> str:
        return {"daily": N_("Daily"), "weekly": N_("Weekly")}[self.value]


@dataclass(frozen=True)
class Recurrence:
    """What the series form offers: FREQ=DAILY/WEEKLY, INTERVAL, BYDAY, and COUNT or UNTIL.

    ``weekdays`` (0 = Monday) empty means every day (daily) or the first start's weekday
    (weekly, as RFC 5545 reads a WEEKLY rule without BYDAY). ``until`` is the last day, in the
    facility's calendar, inclusive."""

    frequency: Frequency
    interval: int = 1
    weekdays: tuple[int, ...] = ()
    count: int | None = None
    until: date | None = None


@dataclass
class Occurrence:
    """One date of a series: its wall-clock start and end (naive, facility time, as booked:
    moved past a spring gap), the instants they name, its own problems, and ``notes``: marked
    sentences (``T_``) saying how a skipped or repeated local time was resolved."""

    number: int  # 1-based
    wall_start: datetime
    wall_end: datetime
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# A series ends: after a number of times or on a last date, never both, never neither; it
# repeats at least twice, at most MAX_OCCURRENCES times, within MAX_SPAN_DAYS of its start.
def recurrence_problems(rec: Recurrence, first_day: date) -> list[Problem]:
    """Every problem of the recurrence itself (not of its dates), for a series whose first
    start falls on ``first_day`` (facility calendar)."""
    problems = []
    if not 1 <= rec.interval <= MAX_INTERVAL:
        problems.append(
            Problem(
                "interval_invalid",
                T_("Repeat every 1 to %(most)s days or weeks.", most=MAX_INTERVAL),
                "interval",
            )
        )
    if any(d not in range(7) for d in rec.weekdays):
        problems.append(
            Problem("weekday_invalid", N_("Choose days from Monday to Sunday."), "weekdays")
        )
    if rec.count is None and rec.until is None:
        problems.append(
            Problem(
                "end_missing",
                N_("Say when the series ends: a number of times or a last date."),
                "count",
            )
        )
    if rec.count is not None and rec.until is not None:
        problems.append(
            Problem(
                "end_twice", N_("Give either a number of times or a last date, not both."), "until"
            )
        )
    if rec.count is not None and not 2 <= rec.count <= MAX_OCCURRENCES:
        problems.append(
            Problem(
                "count_invalid",
                T_(
                    "A series repeats 2 to %(most)s times (one booking needs no series).",
                    most=MAX_OCCURRENCES,
                ),
                "count",
            )
        )
    if rec.until is not None:
        last = first_day + timedelta(days=MAX_SPAN_DAYS)
        if rec.until <= first_day:
            problems.append(
                Problem(
                    "until_too_early", N_("The last date must come after the first start."), "until"
                )
            )
        elif rec.until > last:
            problems.append(
                Problem(
                    "too_long",
                    T_(
                        "A series spans at most 52 weeks: its last date must be %(last)s at the "
                        "latest.",
                        last=last.isoformat(),
                    ),
                    "until",
                )
            )
    return problems


def rrule_text(rec: Recurrence, zone: str) -> str:
    """The recurrence as an RFC 5545 RRULE value (section 3.3.10), e.g.
    ``FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,WE;COUNT=20``. Its DTSTART is the first start with the
    facility's TZID, so UNTIL is written in UTC (``…Z``), as the RFC requires: the end of the
    last day in ``zone``."""
    parts = [f"FREQ={rec.frequency.value.upper()}", f"INTERVAL={rec.interval}"]
    if rec.weekdays:
        parts.append("BYDAY=" + ",".join(DAY_CODES[d] for d in sorted(set(rec.weekdays))))
    if rec.count is not None:
        parts.append(f"COUNT={rec.count}")
    if rec.until is not None:
        end = clock.day_end(rec.until, zone)
        parts.append(f"UNTIL={end:%Y%m%dT%H%M%SZ}")
    return ";".join(parts)


def parse_rrule(text: str, zone: str) -> Recurrence:
    """The recurrence an ``rrule_text`` wrote (the inverse; ``until`` read back in ``zone``).
    Raises ``ValueError`` for a part the form does not offer."""
    values = dict(part.split("=", 1) for part in text.split(";") if part)
    unknown = set(values) - {"FREQ", "INTERVAL", "BYDAY", "COUNT", "UNTIL"}
    if unknown or values.get("FREQ") not in ("DAILY", "WEEKLY"):
        raise ValueError(f"unsupported RRULE {text!r}")
    until = None
    if "UNTIL" in values:
        instant = datetime.strptime(values["UNTIL"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        until = instant.astimezone(ZoneInfo(zone)).date()
    return Recurrence(
        Frequency(values["FREQ"].lower()),
        int(values.get("INTERVAL", "1")),
        tuple(DAY_CODES.index(c) for c in values["BYDAY"].split(",")) if "BYDAY" in values else (),
        int(values["COUNT"]) if "COUNT" in values else None,
        until,
    )


def in_words(rec: Recurrence) -> str:
    """``"Every 2 weeks on Monday and Wednesday, 10 times"`` (the series page's title line)."""
    unit = "day" if rec.frequency == Frequency.DAILY else "week"
    every = f"Every {unit}" if rec.interval == 1 else f"Every {rec.interval} {unit}s"
    if rec.weekdays:
        names = [DAY_NAMES[d] for d in sorted(set(rec.weekdays))]
        days = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        every += f" on {days}"
    if rec.count is not None:
        return f"{every}, {rec.count} times"
    return f"{every}, until {rec.until:%d %b %Y}" if rec.until else every


def wall_starts(rec: Recurrence, first: datetime) -> list[datetime]:
    """The naive wall-clock starts the rule makes from ``first`` (naive, facility time), at most
    ``MAX_OCCURRENCES + 1`` of them (one more tells that the rule makes too many)."""
    freq = du.DAILY if rec.frequency == Frequency.DAILY else du.WEEKLY
    until = datetime.combine(rec.until, time(23, 59, 59)) if rec.until else None
    rule = du.rrule(
        freq,
        dtstart=first,
        interval=rec.interval,
        byweekday=sorted(set(rec.weekdays)) or None,
        count=min(rec.count, MAX_OCCURRENCES + 1) if rec.count else None,
        until=until,
    )
    return list(islice(rule, MAX_OCCURRENCES + 1))


# Every occurrence has the first one's wall-clock start and length; the series has at least one
# date and at most MAX_OCCURRENCES, within MAX_SPAN_DAYS, and no occurrence overlaps the next.
def expand(
    rec: Recurrence, first_start: datetime, first_end: datetime, zone: str
) -> tuple[list[Occurrence], list[Problem]]:
    """The occurrences of a series whose first booking is ``[first_start, first_end)`` (UTC
    instants) and the problems that refuse the whole series (empty when it may be made).

    Each occurrence keeps the wall-clock start and length of the first (a 09:00-11:00 booking
    is 09:00-11:00 on every date, whatever the UTC offset); its instants follow RFC 5545
    §3.3.5 (``rfc5545_instant``): a repeated time is its first pass, a skipped one is moved
    forward by the gap (with its end), and the occurrence's ``notes`` say so."""
    tz = ZoneInfo(zone)
    wall_start = first_start.astimezone(tz).replace(tzinfo=None)
    wall_end = first_end.astimezone(tz).replace(tzinfo=None)
    problems = recurrence_problems(rec, wall_start.date())
    if problems:
        return [], problems
    length = wall_end - wall_start
    starts = wall_starts(rec, wall_start)
    if not starts:
        return [], [Problem("no_dates", N_("The rule gives no date: check its days."), "weekdays")]
    if len(starts) > MAX_OCCURRENCES:
        message = T_(
            "The rule gives more than %(most)s dates: end it sooner.", most=MAX_OCCURRENCES
        )
        return [], [Problem("too_many", message, "until" if rec.until else "count")]
    if (starts[-1].date() - wall_start.date()).days > MAX_SPAN_DAYS:
        message = T_(
            "A series spans at most 52 weeks: this one ends on %(last)s.",
            last=starts[-1].date().isoformat(),
        )
        return [], [Problem("too_long", message, "count" if rec.count else "until")]
    if length > timedelta(0) and any(b - a < length for a, b in itertools.pairwise(starts)):
        message = N_(
            "Each occurrence must end before the next one starts: shorten it or space them."
        )
        return [], [Problem("overlaps_itself", message, "ends_at")]
    out = [_occurrence(1, wall_start, wall_end, zone, kept=(first_start, first_end))]
    for number, start in enumerate(starts[1:], 2):
        out.append(_occurrence(number, start, start + length, zone))
    return out, []


def rfc5545_instant(wall: datetime, zone: str) -> datetime:
    """The UTC instant a recurrence's wall-clock time (naive) names in ``zone``, as RFC 5545
    §3.3.5 settles it for an occurrence: a time that happens twice (the autumn fold) is its
    FIRST pass (the summer offset); a time the clocks skip (the spring gap) is read with the UTC
    offset before the gap (02:30 Rome on the spring night is 01:30 UTC, i.e. 03:30 CEST). Both
    are Python's ``fold=0`` (PEP 495)."""
    return wall.replace(tzinfo=ZoneInfo(zone), fold=0).astimezone(UTC)


def _resolution_note(wall: datetime, instant: datetime, zone: str, end: bool) -> str | None:
    """The sentence saying how ``wall`` became ``instant`` when it was skipped or repeated."""
    found = clock.passes(wall, zone)
    if len(found) == 1:
        return None
    local = instant.astimezone(ZoneInfo(zone))
    values = {
        "day": f"{wall:%Y-%m-%d}",
        "wall": f"{wall:%H:%M}",
        "time": f"{local:%H:%M} {local.tzname()}",
        "offset": "UTC" + clock.offset_text(local),
    }
    if not found and end:
        return T_("%(day)s: the end %(wall)s does not exist; it ends %(time)s.", **values)
    if not found:
        return T_("%(day)s: %(wall)s does not exist; booked %(time)s.", **values)
    # RFC 5545 always takes the first pass of a repeated time (``rfc5545_instant``).
    if end:
        return T_(
            "%(day)s: the end %(wall)s happens twice; it ends at the first, %(time)s (%(offset)s).",
            **values,
        )
    return T_("%(day)s: %(wall)s happens twice; booked the first, %(time)s (%(offset)s).", **values)


def _occurrence(number, wall_start, wall_end, zone, *, kept=None) -> Occurrence:
    """One date, its instants resolved by RFC 5545 (``rfc5545_instant``); the first date keeps
    the first booking's own instants (``kept``: the pass its person chose). A start moved past
    the spring gap moves its end by as much, so the wall-clock length stays (the start and end
    are each wall-clock times, as for a single booking: an end across a change lasts one hour
    more or less)."""
    tz = ZoneInfo(zone)
    starts_at = kept[0] if kept else rfc5545_instant(wall_start, zone)
    ends_at = kept[1] if kept else None
    shift = starts_at.astimezone(tz).replace(tzinfo=None) - wall_start
    occ = Occurrence(number, wall_start + shift, wall_end + shift, starts_at)
    occ.ends_at = ends_at or rfc5545_instant(occ.wall_end, zone)
    if kept is None:
        start_note = _resolution_note(wall_start, starts_at, zone, end=False)
        end_note = _resolution_note(occ.wall_end, occ.ends_at, zone, end=True)
        occ.notes = [n for n in (start_note, end_note) if n]
    return occ
