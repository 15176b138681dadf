"""Pure booking rules: no Flask, no session, no clock. Every wall-clock rule uses the facility zone.

Each rule returns every problem it finds; ``booking_problems`` gathers them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from innocore.errors import Problem
from innocore.marks import N_, T_, TN_, Message
from innocore.status import status_word
from instruments.eligibility import Eligibility
from instruments.models import InstrumentStatus

MAX_PURPOSE = 2000
MAX_PROJECT = 200


@dataclass(frozen=True)
class Window:
    """A wall-clock opening window on a weekday (0 = Monday)."""

    weekday: int
    opens: time
    closes: time


LIMIT_MAX = 100_000  # the largest number any booking limit takes


def _limit(label: str):
    """A booking limit: a whole number from 0 to ``LIMIT_MAX``, ``None`` meaning "no limit";
    ``label`` is what a manager reads beside it on the instrument form and in the API's schema."""
    return field(default=None, metadata={"label": label})


@dataclass(frozen=True, kw_only=True)
class Limits:
    """An instrument's booking limits. The one declaration of them: ``Policy`` and the
    service's ``InstrumentData`` inherit them, and the instrument form's fields
    (``instruments.forms``) and the API's ``LimitsIn`` (``instruments.schemas``) are made from
    ``LIMITS``; only the database columns (``Instrument``) are written out, checked against it
    by ``tests/instruments/test_policy_fields.py``."""

    slot_minutes: int | None = _limit(N_("Slot grid (minutes)"))
    min_minutes: int | None = _limit(N_("Shortest booking (minutes)"))
    max_minutes: int | None = _limit(N_("Longest booking (minutes)"))
    horizon_days: int | None = _limit(N_("Bookable days ahead"))
    notice_minutes: int | None = _limit(N_("Minimum notice (minutes)"))
    cancel_cutoff_minutes: int | None = _limit(N_("Cancellation cut-off (minutes before start)"))
    max_future_bookings: int | None = _limit(N_("Future bookings per person"))
    max_hours_week: int | None = _limit(N_("Hours per person per week"))


# The limits' names in the order a manager reads them, with their labels.
LIMITS: dict[str, str] = {f.name: f.metadata["label"] for f in fields(Limits)}


@dataclass(frozen=True)
class Policy(Limits):
    """An instrument's booking policy: its ``Limits`` (``None`` means "no limit"), the facility's
    zone, the instrument's status, opening hours and who may book."""

    timezone: str
    status: InstrumentStatus = InstrumentStatus.AVAILABLE
    opening: tuple[Window, ...] = ()
    out_of_hours_level: int | None = None
    requires_competence: bool = False
    required_level: int | None = None


@dataclass(frozen=True)
class Busy:
    """Something occupying the instrument: an active booking or a downtime."""

    starts_at: datetime
    ends_at: datetime
    kind: str = "booking"  # "booking" | "downtime"
    id: int | None = None
    user_id: int | None = None
    instrument_id: int | None = None


@dataclass(frozen=True)
class BookingRequest:
    starts_at: datetime
    ends_at: datetime
    user_id: int
    booking_id: int | None = None  # set when moving an existing booking
    purpose: str = ""
    project: str = ""
    # The booked person's name when someone else acts for them (staff booking, moving or logging
    # use for them, an approver): the problems name that person instead of saying "you".
    for_name: str | None = None


@dataclass
class Interval:
    starts_at: datetime
    ends_at: datetime
    extra: dict = field(default_factory=dict)


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open intervals overlap when each starts before the other ends."""
    return a_start < b_end and b_start < a_end


def find_conflicts(
    starts_at: datetime, ends_at: datetime, busy: Iterable[Busy], *, exclude_id: int | None = None
) -> list[Busy]:
    """The one conflict test, for availability and for writes: busy items overlapping the interval."""
    return [
        b
        for b in busy
        if overlaps(starts_at, ends_at, b.starts_at, b.ends_at)
        and not (b.kind == "booking" and exclude_id is not None and b.id == exclude_id)
    ]


def local_day_start(day: date, zone: ZoneInfo) -> datetime:
    """The instant a local calendar day begins (zoneinfo, never "+24 h")."""
    return datetime.combine(day, time(0), tzinfo=zone)


def opening_intervals(policy: Policy, first: date, last: date) -> list[tuple[datetime, datetime]]:
    """Opening windows of the local days ``first``..``last`` as aware instants, merged."""
    zone = ZoneInfo(policy.timezone)
    out: list[tuple[datetime, datetime]] = []
    day = first
    while day <= last:
        if policy.opening:
            for w in policy.opening:
                if w.weekday == day.weekday():
                    out.append(
                        (
                            datetime.combine(day, w.opens, tzinfo=zone),
                            datetime.combine(day, w.closes, tzinfo=zone),
                        )
                    )
        else:
            out.append((local_day_start(day, zone), local_day_start(day + timedelta(1), zone)))
        day += timedelta(days=1)
    return merge(out)


def merge(intervals: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Union of intervals (as UTC instants), sorted; touching intervals join."""
    out: list[tuple[datetime, datetime]] = []
    utc = ((s.astimezone(UTC), e.astimezone(UTC)) for s, e in intervals)
    for start, end in sorted(utc):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def within_opening_hours(policy: Policy, starts_at: datetime, ends_at: datetime) -> bool:
    """The whole interval lies inside the wall-clock opening hours of the facility zone."""
    if not policy.opening:
        return True
    zone = ZoneInfo(policy.timezone)
    first = starts_at.astimezone(zone).date()
    last = ends_at.astimezone(zone).date()
    return any(s <= starts_at and ends_at <= e for s, e in opening_intervals(policy, first, last))


def on_grid(instant: datetime, zone: ZoneInfo, slot_minutes: int) -> bool:
    """A local time whose minutes since local midnight are a multiple of the slot."""
    local = instant.astimezone(zone)
    minutes = local.hour * 60 + local.minute
    return local.second == 0 and local.microsecond == 0 and minutes % slot_minutes == 0


def hours_between(starts_at: datetime, ends_at: datetime) -> Decimal:
    """Real elapsed hours (UTC arithmetic: a DST night really is shorter or longer)."""
    seconds = Decimal(int((ends_at.astimezone(UTC) - starts_at.astimezone(UTC)).total_seconds()))
    return seconds / Decimal(3600)


def price(starts_at: datetime, ends_at: datetime, hourly: Decimal | None) -> Decimal | None:
    """Price of an interval at an hourly rate, from real elapsed time, to the cent."""
    if hourly is None:
        return None
    return (hours_between(starts_at, ends_at) * hourly).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def week_start(instant: datetime, zone: ZoneInfo) -> datetime:
    """Local Monday 00:00 of the week containing ``instant``."""
    day = instant.astimezone(zone).date()
    return local_day_start(day - timedelta(days=day.weekday()), zone)


def hours_per_week(
    intervals: Iterable[tuple[datetime, datetime]], zone: ZoneInfo
) -> dict[date, Decimal]:
    """Real hours booked per local week (keyed by the local Monday), splitting at week borders."""
    out: dict[date, Decimal] = {}
    for start, end in intervals:
        cursor = start
        while cursor < end:
            monday = week_start(cursor, zone)
            next_monday = local_day_start(monday.date() + timedelta(days=7), zone)
            piece_end = min(end, next_monday)
            key = monday.date()
            out[key] = out.get(key, Decimal(0)) + hours_between(cursor, piece_end)
            cursor = piece_end
    return out


# ---- the individual rules -------------------------------------------------------------------


def interval_problems(req: BookingRequest) -> list[Problem]:
    """A booking ends after it starts."""
    if req.ends_at <= req.starts_at:
        return [Problem("end_before_start", N_("The booking must end after it starts."), "ends_at")]
    return []


def text_problems(req: BookingRequest) -> list[Problem]:
    """Purpose and project are short free texts."""
    problems = []
    if len(req.purpose) > MAX_PURPOSE:
        msg = T_(
            "Describe the purpose in at most %(max_purpose)s characters.", max_purpose=MAX_PURPOSE
        )
        problems.append(Problem("purpose_too_long", msg, "purpose"))
    if len(req.project) > MAX_PROJECT:
        msg = T_("Name the project in at most %(max_project)s characters.", max_project=MAX_PROJECT)
        problems.append(Problem("project_too_long", msg, "project"))
    return problems


def status_problems(policy: Policy) -> list[Problem]:
    """Retired instruments and instruments that are down cannot be booked."""
    if policy.status == InstrumentStatus.RETIRED:
        return [
            Problem("instrument_retired", N_("This instrument is retired and cannot be booked."))
        ]
    if policy.status == InstrumentStatus.DOWN:
        msg = N_("This instrument is out of service until staff resolve a problem.")
        return [Problem("instrument_down", msg)]
    return []


def timing_problems(req: BookingRequest, policy: Policy, now: datetime) -> list[Problem]:
    """Not in the past, with enough notice, within the horizon (days counted in the facility zone)."""
    zone = ZoneInfo(policy.timezone)
    problems = []
    if req.starts_at < now:
        problems.append(
            Problem("in_past", N_("The booking cannot start in the past."), "starts_at")
        )
    elif policy.notice_minutes and req.starts_at < now + timedelta(minutes=policy.notice_minutes):
        msg = T_(
            "Book at least %(duration_words)s in advance.",
            duration_words=_duration_words(policy.notice_minutes),
        )
        problems.append(Problem("short_notice", msg, "starts_at", overridable=True))
    if policy.horizon_days is not None:
        last_day = now.astimezone(zone).date() + timedelta(days=policy.horizon_days)
        if req.starts_at.astimezone(zone).date() > last_day:
            msg = T_(
                "Bookings open at most %(horizon_days)s days ahead.",
                horizon_days=policy.horizon_days,
            )
            problems.append(Problem("beyond_horizon", msg, "starts_at", overridable=True))
    return problems


def shape_problems(req: BookingRequest, policy: Policy) -> list[Problem]:
    """Start and end lie on the slot grid; the length is between the minimum and maximum."""
    zone = ZoneInfo(policy.timezone)
    problems = []
    slot = policy.slot_minutes
    if slot:
        for name, instant in (("starts_at", req.starts_at), ("ends_at", req.ends_at)):
            if not on_grid(instant, zone, slot):
                msg = T_(
                    "Times must fall on the %(duration_words)s grid of this instrument.",
                    duration_words=_duration_words(slot),
                )
                problems.append(Problem("off_grid", msg, name, overridable=True))
    minutes = float(hours_between(req.starts_at, req.ends_at)) * 60
    if policy.min_minutes and minutes < policy.min_minutes:
        msg = T_(
            "Book at least %(duration_words)s.", duration_words=_duration_words(policy.min_minutes)
        )
        problems.append(Problem("too_short", msg, "ends_at", overridable=True))
    if policy.max_minutes and minutes > policy.max_minutes:
        msg = T_(
            "Book at most %(duration_words)s at a time.",
            duration_words=_duration_words(policy.max_minutes),
        )
        problems.append(Problem("too_long", msg, "ends_at", overridable=True))
    return problems


def opening_problems(
    req: BookingRequest, policy: Policy, eligibility: Eligibility
) -> list[Problem]:
    """Inside opening hours (wall clock, facility zone), unless the user may work out of hours."""
    if within_opening_hours(policy, req.starts_at, req.ends_at):
        return []
    level = policy.out_of_hours_level
    if level is not None and eligibility.holds and (eligibility.level or 0) >= level:
        return []
    msg = N_("The booking falls outside the instrument's opening hours.")
    if level is not None:
        msg = T_(
            "The booking falls outside the instrument's opening hours. Out-of-hours use needs "
            "competence level %(level)s.",
            level=level,
        )
    return [Problem("outside_opening_hours", msg, "starts_at", overridable=True)]


def quota_problems(
    req: BookingRequest, policy: Policy, mine: Sequence[Busy], now: datetime
) -> list[Problem]:
    """At most N future bookings and H hours per local week (the request included)."""
    others = [b for b in mine if req.booking_id is None or b.id != req.booking_id]
    problems = []
    if policy.max_future_bookings is not None:
        future = sum(1 for b in others if b.ends_at > now)
        if future + 1 > policy.max_future_bookings:
            msg = (
                T_(
                    "You may hold at most %(max_future_bookings)s future bookings here.",
                    max_future_bookings=policy.max_future_bookings,
                )
                if req.for_name is None
                else T_(
                    "%(name)s may hold at most %(max_future_bookings)s future bookings here.",
                    name=req.for_name,
                    max_future_bookings=policy.max_future_bookings,
                )
            )
            problems.append(Problem("too_many_bookings", msg, overridable=True))
    if policy.max_hours_week is not None:
        zone = ZoneInfo(policy.timezone)
        wanted = hours_per_week([(req.starts_at, req.ends_at)], zone)
        held = hours_per_week([(b.starts_at, b.ends_at) for b in others], zone)
        if any(h + held.get(w, Decimal(0)) > policy.max_hours_week for w, h in wanted.items()):
            msg = (
                T_(
                    "You may book at most %(max_hours_week)s hours per week here.",
                    max_hours_week=policy.max_hours_week,
                )
                if req.for_name is None
                else T_(
                    "%(name)s may book at most %(max_hours_week)s hours per week here.",
                    name=req.for_name,
                    max_hours_week=policy.max_hours_week,
                )
            )
            problems.append(Problem("weekly_quota", msg, "ends_at", overridable=True))
    return problems


def competence_problems(
    req: BookingRequest, policy: Policy, eligibility: Eligibility
) -> list[Problem]:
    """The user holds the required competence at the required level for the whole booking."""
    if not policy.requires_competence:
        return []
    if eligibility.meets(policy.required_level, req.ends_at):
        return []
    msg = (
        N_("You do not yet hold the competence this instrument requires; staff may book for you.")
        if req.for_name is None
        else T_(
            "%(name)s does not yet hold the competence this instrument requires.",
            name=req.for_name,
        )
    )
    return [Problem("competence_missing", msg, overridable=True)]


def conflict_problems(req: BookingRequest, busy: Sequence[Busy]) -> list[Problem]:
    """Nothing else (booking or downtime) holds the instrument during the interval."""
    hits = find_conflicts(req.starts_at, req.ends_at, busy, exclude_id=req.booking_id)
    problems = []
    if any(b.kind == "downtime" for b in hits):
        msg = N_("The instrument is scheduled for maintenance or downtime then.")
        problems.append(Problem("downtime", msg, "starts_at"))
    bookings = [b for b in hits if b.kind == "booking"]
    if any(b.user_id != req.user_id for b in bookings):
        problems.append(CONFLICT)
    if any(b.user_id == req.user_id for b in bookings):
        problems.append(OWN_CONFLICT if req.for_name is None else _their_conflict(req.for_name))
    return problems


CONFLICT = Problem(
    "conflict", N_("Someone else has booked the instrument at that time."), "starts_at"
)
OWN_CONFLICT = Problem(
    "conflict", N_("You already have a booking of this instrument at that time."), "starts_at"
)


def _their_conflict(name: str) -> Problem:
    """``OWN_CONFLICT`` told to someone acting for the booked person."""
    msg = T_("%(name)s already has a booking of this instrument at that time.", name=name)
    return Problem("conflict", msg, "starts_at")


# When the database's last line of defence refuses an overlap, whose booking won is not known.
RACE_CONFLICT = Problem(
    "conflict", N_("The instrument has just been booked for that time; pick another."), "starts_at"
)

MAX_SEARCH_DAYS = 92
MAX_SLOT_HOURS = 168


# A search for free time looks forward over at most 92 days, for a slot of more than 0 and at most
# 168 hours: the finder page, the earliest-slot API and the availability API share this rule.
def search_problems(
    starts_at: datetime, ends_at: datetime, hours: float | None = None
) -> list[Problem]:
    problems = []
    if hours is not None and not 0 < hours <= MAX_SLOT_HOURS:
        msg = T_(
            "A slot lasts more than 0 and at most %(max_slot_hours)s hours.",
            max_slot_hours=MAX_SLOT_HOURS,
        )
        problems.append(Problem("invalid_hours", msg, "hours"))
    if ends_at <= starts_at:
        problems.append(Problem("bad_window", N_("'to' must come after 'from'."), "to"))
    elif ends_at - starts_at > timedelta(days=MAX_SEARCH_DAYS):
        msg = T_(
            "Search at most %(max_search_days)s days at a time.", max_search_days=MAX_SEARCH_DAYS
        )
        problems.append(Problem("bad_window", msg, "to"))
    return problems


def booking_problems(
    req: BookingRequest,
    *,
    busy: Sequence[Busy],
    policy: Policy,
    eligibility: Eligibility,
    now: datetime,
    mine: Sequence[Busy] = (),
) -> list[Problem]:
    """Every reason the requested booking cannot be made, at once."""
    # Aware datetimes sharing one tzinfo compare and subtract as wall clocks: work in UTC.
    req = replace(req, starts_at=req.starts_at.astimezone(UTC), ends_at=req.ends_at.astimezone(UTC))
    problems = interval_problems(req) + text_problems(req) + status_problems(policy)
    if problems and problems[0].code == "end_before_start":
        return problems
    return (
        problems
        + timing_problems(req, policy, now)
        + shape_problems(req, policy)
        + opening_problems(req, policy, eligibility)
        + quota_problems(req, policy, mine, now)
        + competence_problems(req, policy, eligibility)
        + conflict_problems(req, busy)
    )


def cancellation_is_late(starts_at: datetime, policy: Policy, now: datetime) -> bool:
    """A cancellation is late when it comes after the cut-off before the start."""
    if policy.cancel_cutoff_minutes is None:
        return False
    return now > starts_at - timedelta(minutes=policy.cancel_cutoff_minutes)


def started_problems(
    starts_at: datetime, now: datetime, *, staff: bool, reason: str | None, action: str
) -> list[Problem]:
    """Once a booking has started, its owner can no longer move or cancel it (they end it early
    instead); the facility's staff may still correct it, giving a written reason."""
    if starts_at > now:
        return []
    if not staff:
        msg = T_(
            "This booking has already started, so it can no longer be "
            "%(action)s. End it early if you are done, or ask the "
            "facility's staff to correct it.",
            action=action,
        )
        return [Problem("already_started", msg, "starts_at")]
    if not (reason or "").strip():
        msg = N_("This booking has already started: give the reason for correcting it.")
        return [Problem("correction_reason_required", msg, "override_reason")]
    return []


# A correction of a started booking may put times in the past; every other rule still holds.
CORRECTION_WAIVES = frozenset({"in_past", "short_notice", "beyond_horizon"})


def end_early_problems(starts_at: datetime, ends_at: datetime, now: datetime) -> list[Problem]:
    """Only a booking that is running (started, not yet ended) can be ended early."""
    if now < starts_at:
        return [Problem("not_started", N_("The booking has not started yet: cancel it instead."))]
    if now >= ends_at:
        return [Problem("already_ended", N_("The booking has already ended."))]
    return []


# ---- usage as it happened: check-in, check-out, no-shows -----------------------------------


@dataclass(frozen=True)
class UsageSettings:
    """A facility's check-in settings (minutes; ``no_show_grace_minutes`` None: no no-shows;
    ``no_show_fee`` a flat charge for a no-show instead of the policy's share of the booked time)."""

    checkin_opens_minutes: int = 15
    no_show_grace_minutes: int | None = None
    charge_actual_use: bool = False
    no_show_fee: Decimal | None = None  # flat, in the facility's currency; None: booked share


def no_show_deadline(starts_at: datetime, settings: UsageSettings) -> datetime | None:
    """The instant after which a booking not checked in is a no-show (None: never)."""
    if settings.no_show_grace_minutes is None:
        return None
    return starts_at + timedelta(minutes=settings.no_show_grace_minutes)


# A confirmed booking is checked in once, from ``checkin_opens_minutes`` before its start until
# its no-show deadline (or its end when the facility has none); staff may still check a person
# in after the deadline, until the end, as long as the booking was not yet marked a no-show.
def checkin_problems(
    status: str,
    starts_at: datetime,
    ends_at: datetime,
    checked_in_at: datetime | None,
    settings: UsageSettings,
    now: datetime,
    *,
    staff: bool = False,
) -> list[Problem]:
    if status != "confirmed":
        word = status.replace("_", "-")
        return [
            Problem(
                "not_confirmed",
                T_("Only a confirmed booking is checked in (this one is %(word)s).", word=word),
            )
        ]
    if checked_in_at is not None:
        return [Problem("already_checked_in", N_("This booking is already checked in."))]
    opens = starts_at - timedelta(minutes=settings.checkin_opens_minutes)
    if now < opens:
        return [
            Problem(
                "checkin_not_open",
                T_(
                    "Check-in opens %(value)s before the start.",
                    value=_duration_words(settings.checkin_opens_minutes),
                ),
            )
        ]
    if now >= ends_at:
        return [Problem("already_ended", N_("The booking has already ended."))]
    deadline = no_show_deadline(starts_at, settings)
    if deadline is not None and now >= deadline and not staff:
        msg = T_(
            "Check-in closed %(value)s after the start; ask the facility's staff to check you in.",
            value=_duration_words(settings.no_show_grace_minutes),
        )
        return [Problem("checkin_closed", msg)]
    return []


# A booking is checked out once, after its check-in and once its booked time has begun (before
# that nothing of the booked time was used: the person cancels it instead).
def checkout_problems(
    checked_in_at: datetime | None,
    checked_out_at: datetime | None,
    starts_at: datetime,
    now: datetime,
) -> list[Problem]:
    if checked_in_at is None:
        return [Problem("not_checked_in", N_("Check in first: this booking is not checked in."))]
    if checked_out_at is not None:
        return [Problem("already_checked_out", N_("This booking is already checked out."))]
    if now < starts_at:
        msg = N_(
            "The booked time has not begun: check out once it has, or cancel the booking if "
            "the instrument is no longer needed."
        )
        return [Problem("checkout_before_start", msg)]
    return []


# A confirmed booking not checked in by its deadline is a no-show (never without a deadline).
def is_no_show(
    status: str,
    starts_at: datetime,
    checked_in_at: datetime | None,
    settings: UsageSettings,
    now: datetime,
) -> bool:
    deadline = no_show_deadline(starts_at, settings)
    return (
        status == "confirmed" and checked_in_at is None and deadline is not None and now >= deadline
    )


# Check-out before the end frees the rest: the booking ends at the next whole minute (never
# before its start plus one minute, never after its booked end).
def early_end(starts_at: datetime, ends_at: datetime, now: datetime) -> datetime:
    end = now.replace(second=0, microsecond=0)
    end = end + timedelta(minutes=1) if end < now else end
    return min(ends_at, max(end, starts_at + timedelta(minutes=1)))


# Unbooked use logged by staff: a past interval that has ended, at most a week long.
def logged_use_problems(starts_at: datetime, ends_at: datetime, now: datetime) -> list[Problem]:
    problems = []
    if ends_at <= starts_at:
        problems.append(
            Problem("ends_before_start", N_("The end must come after the start."), "ends_at")
        )
    elif ends_at - starts_at > timedelta(hours=MAX_SLOT_HOURS):
        problems.append(Problem("too_long", N_("Log at most a week of use at once."), "ends_at"))
    if ends_at > now:
        problems.append(
            Problem("in_future", N_("Log use that has ended; book future time instead."), "ends_at")
        )
    return problems


# ---- plain words ----------------------------------------------------------------------------


def _duration_words(minutes: int) -> Message:
    """``"2 hours"``: a counted phrase (``TN_``) put into a sentence as a value and translated,
    with its plural form, where the sentence is shown (``innocore.errors.message_text``)."""
    if minutes % 1440 == 0:
        return TN_("%(num)d day", "%(num)d days", minutes // 1440)
    if minutes % 60 == 0:
        return TN_("%(num)d hour", "%(num)d hours", minutes // 60)
    return TN_("%(num)d minute", "%(num)d minutes", minutes)


# One whole sentence per weekday (a day's name inside a translated sentence takes the
# language's own preposition and case), Monday = 0.
OPEN_ON = (
    N_("Open Monday %(hours)s (%(timezone)s time)."),
    N_("Open Tuesday %(hours)s (%(timezone)s time)."),
    N_("Open Wednesday %(hours)s (%(timezone)s time)."),
    N_("Open Thursday %(hours)s (%(timezone)s time)."),
    N_("Open Friday %(hours)s (%(timezone)s time)."),
    N_("Open Saturday %(hours)s (%(timezone)s time)."),
    N_("Open Sunday %(hours)s (%(timezone)s time)."),
)


def policy_in_words(policy: Policy) -> list[str]:
    """The booking rules of an instrument as sentences a user can read."""
    words = []
    if policy.opening:
        days: dict[int, list[str]] = {}
        for w in policy.opening:
            days.setdefault(w.weekday, []).append(
                f"{w.opens.strftime('%H:%M')}–{w.closes.strftime('%H:%M')}"
            )
        for d, hours in sorted(days.items()):
            words.append(T_(OPEN_ON[d], hours=", ".join(hours), timezone=policy.timezone))
        if policy.out_of_hours_level:
            words.append(
                T_(
                    "Out-of-hours use from competence level %(out_of_hours_level)s.",
                    out_of_hours_level=policy.out_of_hours_level,
                )
            )
    else:
        words.append(N_("Bookable at any hour."))
    if policy.slot_minutes:
        words.append(
            T_(
                "Bookings start and end on a %(duration_words)s grid.",
                duration_words=_duration_words(policy.slot_minutes),
            )
        )
    if policy.min_minutes:
        words.append(
            T_(
                "Shortest booking: %(duration_words)s.",
                duration_words=_duration_words(policy.min_minutes),
            )
        )
    if policy.max_minutes:
        words.append(
            T_(
                "Longest booking: %(duration_words)s.",
                duration_words=_duration_words(policy.max_minutes),
            )
        )
    if policy.notice_minutes:
        words.append(
            T_(
                "Book at least %(duration_words)s ahead.",
                duration_words=_duration_words(policy.notice_minutes),
            )
        )
    if policy.horizon_days is not None:
        words.append(
            T_("Bookings open %(horizon_days)s days ahead.", horizon_days=policy.horizon_days)
        )
    if policy.cancel_cutoff_minutes:
        cut = _duration_words(policy.cancel_cutoff_minutes)
        words.append(
            T_(
                "Cancelling later than %(cut)s before the start counts as a late cancellation.",
                cut=cut,
            )
        )
    if policy.max_future_bookings:
        words.append(
            T_(
                "At most %(max_future_bookings)s future bookings per person.",
                max_future_bookings=policy.max_future_bookings,
            )
        )
    if policy.max_hours_week:
        words.append(
            T_(
                "At most %(max_hours_week)s hours per person per week.",
                max_hours_week=policy.max_hours_week,
            )
        )
    return words


# A booker has accepted the current version of every document that covers the instrument;
# ``pending`` names the others as (title, version number). Never overridable: staff cannot
# accept a safety instruction on someone's behalf.
def document_problems(
    pending: Sequence[tuple[str, int]], for_name: str | None = None
) -> list[Problem]:
    return [
        Problem(
            "document_not_accepted",
            T_(
                "Read and accept “%(title)s” (version %(number)s) before booking this instrument.",
                title=title,
                number=number,
            )
            if for_name is None
            else T_(
                "%(name)s has not yet accepted “%(title)s” (version %(number)s), which this "
                "instrument's bookings need.",
                name=for_name,
                title=title,
                number=number,
            ),
            "documents",
        )
        for title, number in pending
    ]


# A document version has text or a file, a title, and a note of bounded length.
def document_version_problems(
    *, title: str | None, text: str | None, has_file: bool, note: str = ""
) -> list[Problem]:
    problems = []
    if title is not None and not (0 < len(title.strip()) <= 200):
        problems.append(Problem("title_required", N_("Give the document a title."), "title"))
    if not (text or "").strip() and not has_file:
        problems.append(Problem("content_required", N_("Write the text or attach a file."), "text"))
    if len(text or "") > 100_000:
        problems.append(
            Problem("text_too_long", N_("Keep the text under 100,000 characters."), "text")
        )
    if len(note or "") > 500:
        problems.append(Problem("note_too_long", N_("Keep the note under 500 characters."), "note"))
    return problems


# ---- the waiting list for instrument time ----------------------------------------------------


# A person joins the waiting list of a time only when that time is taken by someone else and
# everything else about booking it would pass (competence, policy, documents, account).
def waitlist_join_problems(booking_problems: Sequence[Problem], *, already_waiting: bool) -> list:
    taken = CONFLICT in booking_problems
    problems = [p for p in booking_problems if p != CONFLICT]
    if not taken and not problems:
        problems.append(
            Problem("slot_free", N_("This time is free: book it instead."), "starts_at")
        )
    if already_waiting:
        problems.append(
            Problem("already_waiting", N_("You are already on the waiting list for this time."))
        )
    return problems


# An offer can be taken or turned down only while it is open: offered, and before it lapses.
def waitlist_offer_problems(status: str, expires_at: datetime | None, now: datetime) -> list:
    if status != "offered":
        return [
            Problem(
                "offer_closed",
                T_(
                    "This waiting-list entry has no open offer (status: %(status)s).",
                    status=status_word(status, "waitlist"),
                ),
            )
        ]
    if expires_at is None or expires_at <= now:
        return [
            Problem("offer_lapsed", N_("This offer has lapsed; the time went to the next person."))
        ]
    return []
