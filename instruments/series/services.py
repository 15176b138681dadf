"""Recurring series use cases: create (or preview) a series in one transaction, cancel a scope.

Every occurrence is booked through ``instruments.services.bookings.book``, the very path of a
single booking, under the same per-instrument write lock (PostgreSQL row lock and exclusion
constraint, SQLite write transaction): two series made at once cannot overlap, and each date
meets the same rules (competence at that date, policy limits counted with the earlier dates of
the series, opening hours, downtime, documents, billing account, approval).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.calendar import invitation
from innocore.errors import DomainError, Forbidden, NotFound, Problem, raise_problems
from innocore.extensions import db
from innocore.links import absolute_url
from innocore.marks import N_, T_, as_message
from innocore.notifications import kinds
from innocore.notifications.services import queue_email
from instruments import rules as booking_rules
from instruments.ics import booking_event
from instruments.models import ACTIVE_STATUSES, Booking, BookingStatus
from instruments.permissions import can_staff_instrument
from instruments.queries import policy_of
from instruments.series import rules
from instruments.series.models import BookingSeries, SeriesMode
from instruments.services.approvals import confirm_request
from instruments.services.bookings import BookingInput, book, finish, who_books
from instruments.services.common import lock_instrument


@dataclass
class SeriesInput:
    """A series: its first booking (UTC instants and the booking's fields), the recurrence and
    what to do with refused dates."""

    first: BookingInput
    recurrence: rules.Recurrence
    mode: SeriesMode = SeriesMode.ALL_OR_NOTHING


@dataclass
class Outcome:
    """What became of one date: ``status`` is the booking's (``confirmed``/``pending``) or
    ``refused`` with its ``problems``."""

    number: int
    wall_start: datetime  # naive, facility time
    starts_at: datetime | None
    ends_at: datetime | None
    status: str
    problems: list[Problem] = field(default_factory=list)
    booking_id: int | None = None
    notes: list[str] = field(default_factory=list)  # marked: a skipped/repeated time resolved


@dataclass
class SeriesResult:
    series: BookingSeries | None  # None for a preview
    outcomes: list[Outcome]
    rrule: str
    timezone: str

    @property
    def booked(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status != "refused"]

    @property
    def refused(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "refused"]

    @property
    def resolved(self) -> list[Outcome]:
        """The dates whose local time the clocks skip or repeat, booked as RFC 5545 says."""
        return [o for o in self.booked if o.notes]


def _date_words(o: Outcome) -> str:
    return f"{o.wall_start:%Y-%m-%d %H:%M}"  # ISO: the same in every language


def _listed(refused: list[Outcome]) -> list[Problem]:
    """Each refused date's problems, the date first (``field`` = ``occurrences``)."""
    return [
        Problem(
            p.code,
            T_("%(when)s: %(reason)s", when=_date_words(o), reason=as_message(p.message)),
            "occurrences",
            p.overridable,
        )
        for o in refused
        for p in o.problems
    ]


def create_series(actor: User, instrument_id: int, data: SeriesInput, *, preview=False):
    """Book every date of a series, or (``preview``) say what would become of each and write
    nothing. Returns a ``SeriesResult``.

    All or nothing: any refused date refuses the series (``DomainError`` listing every refused
    date with its reasons: 409 when they are all conflicts, else 422). Skip conflicts: refused
    dates are skipped, listed in the result and on the series row; a series none of whose dates
    may be booked is refused (422). ``Forbidden``/``NotFound``/``DomainError`` as
    ``create_booking`` for the person booked and the override. The person booked gets one
    e-mail for the whole series, with one event (own UID) per occurrence."""
    instrument = lock_instrument(instrument_id)
    zone = instrument.facility.timezone
    user, _ = who_books(
        actor, instrument, data.first, lambda: can_staff_instrument(actor, instrument)
    )
    occurrences, problems = rules.expand(
        data.recurrence, data.first.starts_at, data.first.ends_at, zone
    )
    raise_problems(problems)
    now = clock.now()
    savepoint = db.session.begin_nested() if preview else None
    series = BookingSeries(
        instrument_id=instrument.id,
        user_id=user.id,
        created_by_id=actor.id,
        rrule=rules.rrule_text(data.recurrence, zone),
        timezone=zone,
        first_starts_at=data.first.starts_at,
        length_minutes=max(
            1, int((occurrences[0].wall_end - occurrences[0].wall_start).total_seconds() // 60)
        ),
        mode=data.mode,
        skipped=[],
        created_at=now,
    )
    db.session.add(series)
    db.session.flush()
    outcomes = [_book_one(actor, instrument, data.first, occ, series.id) for occ in occurrences]
    result = SeriesResult(None if preview else series, outcomes, series.rrule, zone)
    if savepoint is not None:
        savepoint.rollback()
        for outcome in outcomes:
            outcome.booking_id = None  # rolled back: a preview books nothing
        return result
    if result.refused and (data.mode == SeriesMode.ALL_OR_NOTHING or not result.booked):
        listed = _listed(result.refused)
        if not result.booked and data.mode == SeriesMode.SKIP_CONFLICTS:
            listed.insert(0, Problem("no_date_free", N_("No date of the series can be booked.")))
        conflicts_only = all(p.code == "conflict" for o in result.refused for p in o.problems)
        raise DomainError(listed, status=409 if conflicts_only else 422)
    series.skipped = [
        {"starts_at": _date_words(o), "reason": " ".join(p.message for p in o.problems)}
        for o in result.refused
    ]
    audit.record(
        actor,
        "booking_series.create",
        series,
        {
            "rrule": [None, series.rrule],
            "booked": [None, len(result.booked)],
            "skipped": [None, len(result.refused)],
        },
        facility_id=instrument.facility_id,
    )
    db.session.flush()
    _tell(series, actor, [b for b in series_bookings(series.id) if b.active], "REQUEST")
    return result


def _book_one(actor, instrument, first: BookingInput, occ: rules.Occurrence, series_id: int):
    """One date through the single-booking path; its refusal is kept, not raised."""
    outcome = Outcome(occ.number, occ.wall_start, occ.starts_at, occ.ends_at, "refused")
    outcome.notes = occ.notes
    if occ.problems:
        outcome.problems = occ.problems
        return outcome
    try:
        booking = book(
            actor,
            instrument,
            replace(first, starts_at=occ.starts_at, ends_at=occ.ends_at),
            series_id=series_id,
        )
    except DomainError as err:
        if booking_rules.RACE_CONFLICT in err.problems or err.status in (403, 404):
            raise  # the transaction is spoilt (PostgreSQL) or the actor may not: no series
        outcome.problems = err.problems
        return outcome
    outcome.status, outcome.booking_id = booking.status.value, booking.id
    return outcome


def series_bookings(series_id: int) -> list[Booking]:
    """The occurrences of a series, earliest first (every status)."""
    return list(
        db.session.scalars(
            sa.select(Booking)
            .where(Booking.series_id == series_id)
            .order_by(Booking.starts_at, Booking.id)
        )
    )


def get_series(actor: User, series_id: int) -> BookingSeries:
    """A series the actor may see (theirs, or at a facility they staff); else ``NotFound``."""
    series = db.session.get(BookingSeries, series_id)
    if series is None or not may_see_series(actor, series):
        raise NotFound(N_("No such series."))
    return series


def may_see_series(actor: User, series: BookingSeries) -> bool:
    """Its person, who made it, and the facility's staff see a series (as its bookings)."""
    if actor.id in (series.user_id, series.created_by_id):
        return True
    return can_staff_instrument(actor, series.instrument)


SCOPES = ("this", "following", "all")
# Occurrences that ended without taking place: a cancel leaves them be and says so apart.
CLOSED_BEFORE = (BookingStatus.CANCELLED, BookingStatus.REJECTED, BookingStatus.RELEASED)


@dataclass
class CancelResult:
    series: BookingSeries
    cancelled: list[Booking]
    left: list[Booking]  # in the scope, still standing but started or over: left alone
    already_cancelled: list[Booking] = field(default_factory=list)  # cancelled/refused before


def cancel_series(
    actor: User, series_id: int, scope: str, from_booking_id: int | None = None, reason: str = ""
) -> CancelResult:
    """Cancel the occurrences of a series in a scope: ``this`` (the occurrence
    ``from_booking_id``), ``following`` (it and every later one) or ``all``. Only future,
    not-started, active occurrences are cancelled (each recorded late or not as a single
    cancellation); those started or over are left alone and returned in ``left``, those
    cancelled, rejected or released before in ``already_cancelled``. One e-mail with one
    CANCEL event per occurrence (RFC 5546 §3.2.5). Raises ``NotFound`` (404), ``Forbidden``
    (403: only its person and the facility's staff), ``DomainError`` (422) for an unknown scope
    or occurrence, or when nothing in the scope can be cancelled."""
    series = get_series(actor, series_id)
    staff = can_staff_instrument(actor, series.instrument)
    if actor.id != series.user_id and not staff:
        raise Forbidden(N_("Only the person booked and the facility's staff cancel a series."))
    if scope not in SCOPES:
        raise DomainError(Problem("scope_invalid", N_("Choose this, following or all."), "scope"))
    reason = (reason or "").strip()[:1000]
    occurrences = series_bookings(series.id)
    if scope != "all":
        start = next((b for b in occurrences if b.id == from_booking_id), None)
        if start is None:
            message = N_("Choose an occurrence of this series.")
            raise DomainError(Problem("occurrence_unknown", message, "from_booking_id"))
        in_scope = (
            [start]
            if scope == "this"
            else [b for b in occurrences if b.starts_at >= start.starts_at]
        )
    else:
        in_scope = occurrences
    now = clock.now()
    cancellable = [b for b in in_scope if b.status in ACTIVE_STATUSES and b.starts_at > now]
    already = [b for b in in_scope if b.status in CLOSED_BEFORE]
    left = [b for b in in_scope if b not in cancellable and b not in already]
    if not cancellable:
        message = N_(
            "Nothing to cancel: every occurrence in this scope has started, is over or was "
            "already cancelled."
        )
        raise DomainError(Problem("nothing_to_cancel", message, "scope"))
    policy = policy_of(series.instrument)
    for booking in cancellable:
        late = booking.user_id == actor.id and booking_rules.cancellation_is_late(
            booking.starts_at, policy, now
        )
        finish(booking, actor, BookingStatus.CANCELLED, reason, late=late)
    audit.record(
        actor,
        "booking_series.cancel",
        series,
        {"scope": [None, scope], "cancelled": [None, [b.id for b in cancellable]]},
        facility_id=series.instrument.facility_id,
    )
    db.session.flush()
    _tell(series, actor, cancellable, "CANCEL", reason=reason or None, left=left)
    return CancelResult(series, cancellable, left, already)


@dataclass
class ApproveResult:
    series: BookingSeries
    approved: list[Booking]
    refused: list[tuple[Booking, list[Problem]]]  # still pending, with the reasons


def approve_series(actor: User, series_id: int, override_reason: str | None = None):
    """Staff approve every pending, future occurrence of a series at once. Each is checked again
    by every rule, as ``approve_booking`` does (an overlapping pending request loses); a date the
    rules refuse stays pending and is returned with its problems. One e-mail for the approved
    dates. Raises ``NotFound`` (404), ``Forbidden`` (403: the facility's staff only) and
    ``DomainError`` (422) when no occurrence is pending, or none could be approved."""
    series = get_series(actor, series_id)
    if not can_staff_instrument(actor, series.instrument):
        raise Forbidden(N_("Only the facility's staff decide on booking requests."))
    now = clock.now()
    pending = [
        b
        for b in series_bookings(series.id)
        if b.status == BookingStatus.PENDING and b.starts_at > now
    ]
    if not pending:
        message = N_("No future occurrence of this series waits for approval.")
        raise DomainError(Problem("nothing_pending", message))
    approved, refused = [], []
    for booking in pending:
        try:
            approved.append(confirm_request(actor, booking.id, override_reason))
        except DomainError as err:
            if err.status in (403, 404):
                raise
            refused.append((booking, err.problems))
    if not approved:
        zone = series.timezone
        raise DomainError(
            [
                Problem(
                    p.code,
                    T_(
                        "%(when)s: %(reason)s",
                        when=b.starts_at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M"),
                        reason=as_message(p.message),
                    ),
                    "occurrences",
                    p.overridable,
                )
                for b, problems in refused
                for p in problems
            ]
        )
    audit.record(
        actor,
        "booking_series.approve",
        series,
        {"approved": [None, [b.id for b in approved]]},
        facility_id=series.instrument.facility_id,
    )
    db.session.flush()
    _tell(series, actor, approved, "REQUEST", approved=True)
    return ApproveResult(series, approved, refused)


def _tell(series: BookingSeries, actor: User, bookings: list[Booking], method: str, **extra):
    """One e-mail for the series (never one per date), with every occurrence as its own event."""
    if not bookings:
        return
    facility = series.instrument.facility
    ics = invitation(
        [booking_event(b) for b in bookings],
        method,
        attendee=(series.user.email, series.user.name),
        organizer=(facility.contact_email, facility.name),
        stamp=clock.now(),
    )
    kind = kinds.BOOKINGS if actor.id == series.user_id else kinds.STAFF_CHANGES
    n = len(bookings)
    if extra.get("approved"):
        subject = _l("Series approved: %(name)s", name=series.instrument.name)
        message = lazy_ngettext(
            "The facility approved %(num)d date.", "The facility approved %(num)d dates.", n
        )
        kind = kinds.BOOKINGS
    elif method == "CANCEL":
        subject = _l("Series cancelled: %(name)s", name=series.instrument.name)
        message = lazy_ngettext(
            "%(num)d occurrence of your series is cancelled.",
            "%(num)d occurrences of your series are cancelled.",
            n,
        )
    elif any(b.status == BookingStatus.PENDING for b in bookings):
        subject = _l("Series requested: %(name)s", name=series.instrument.name)
        message = _l("Your series waits for the facility's approval; the times are held for you.")
    else:
        subject = _l("Series booked: %(name)s", name=series.instrument.name)
        message = lazy_ngettext(
            "Your series of %(num)d booking is confirmed.",
            "Your series of %(num)d bookings is confirmed.",
            n,
        )
    queue_email(
        series.user,
        subject,
        "series_notice",
        kind=kind,
        link=absolute_url("series.show", series_id=series.id),
        ics=ics,
        ics_method=method,
        series=series,
        bookings=bookings,
        message=message,
        **extra,
    )
