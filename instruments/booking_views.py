"""HTML pages of bookings: book, my bookings, one booking, approvals, downtime, problems, feeds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from innocore import clock
from innocore.accounts.services import get_user_by_email
from innocore.calendar import ics_response, text_etag
from innocore.confirm import Confirmation, irreversible
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.forms import attempt, attempt_action, form_status
from innocore.links import absolute_url
from innocore.marks import N_
from innocore.permissions import is_network_admin, require, staffed_facility_ids
from innocore.template_helpers import local_time
from instruments import bp, feeds, free_time, queries, rules, services
from instruments.documents.services import pending_for
from instruments.forms import BookingForm, DowntimeForm, MoveForm, ProblemForm, ReasonForm
from instruments.ics import booking_ics
from instruments.mobility.services import hourly_rate
from instruments.models import BOOKING_FEED_KINDS, BookingChange, FeedKind, Severity
from instruments.permissions import can_book_for_others, can_staff_instrument, may_approve_somewhere


def to_instant(field, zone: str, keep=()) -> datetime:
    """A ``LocalDateTimeField`` typed in the facility zone as an instant: a time skipped by DST is
    refused, a repeated one is the pass the person chose (or kept from ``keep``, the stored
    instants), else the page asks which (``LocalDateTimeField.instant``)."""
    value = instant_or_problem(field, zone, keep)
    if isinstance(value, Problem):
        raise DomainError(value)
    return value


def instant_or_problem(field, zone: str, keep=()) -> datetime | Problem:
    """``to_instant`` that returns its problem instead of raising it (every field's problem is
    shown at once)."""
    value = field.resolve(zone, keep)
    if value is None:
        return Problem("invalid_datetime", N_("Give a date and time."), field.short_name)
    return value


def _say_folds(zone: str, *instants: datetime) -> None:
    """Tell the person which pass of a repeated local hour we took (the autumn night)."""
    for instant in instants:
        note = clock.fold_note(instant, zone)
        if note:
            flash(note, "info")


@bp.route("/<int:instrument_id>/book", methods=["GET", "POST"])
@login_required
def book(instrument_id: int):
    instrument = queries.get_instrument(instrument_id)
    zone = instrument.facility.timezone
    form = BookingForm()
    form.account.choices = account_choices()
    if request.method == "GET" and request.args.get("start"):
        _prefill(form, instrument)
    if form.validate_on_submit():
        ok, booking = attempt(
            form,
            lambda: services.create_booking(current_user, instrument.id, booking_input(form, zone)),
        )
        if ok:
            flash(
                _("Booking requested: it waits for the facility's approval.")
                if booking.status.value == "pending"
                else _("Booking confirmed."),
                "success",
            )
            _say_folds(zone, booking.starts_at, booking.ends_at)
            return redirect(url_for("instruments.booking_page", booking_id=booking.id))
    return render_book(instrument, form)


def render_book(instrument, form: BookingForm):
    """The booking form with its price; a refusal because the time is taken offers to join
    the time's waiting list (``instruments.join_waitlist``)."""
    zone = instrument.facility.timezone
    price = None
    rate, _mobility = hourly_rate(current_user, instrument)
    if form.starts_at.data and form.ends_at.data and not form.errors:
        start, end = (instant_or_problem(x, zone) for x in (form.starts_at, form.ends_at))
        if isinstance(start, datetime) and isinstance(end, datetime) and end > start:
            price = rules.price(start, end, rate)
    return render_template(
        "instruments/book.html",
        form=form,
        instrument=instrument,
        rate=rate,
        price=price,
        staff=can_book_for_others(current_user, instrument),
        to_accept=pending_for(current_user.id, instrument),
        taken=_taken(form),
    ), form_status(form)


def _taken(form: BookingForm) -> bool:
    """The form was refused only because someone else has the time, for the person signed in
    (so they may wait for it). Any other problem would refuse the wait too, and the waiting list
    keeps time for oneself, so the offer is not made then."""
    refusal = getattr(form, "refusal", None)
    if refusal is None or set(refusal.problems) != {rules.CONFLICT}:
        return False
    typed = (form.user_email.data or "").strip().casefold()
    return not typed or typed == current_user.email.casefold()


def _prefill(form: BookingForm, instrument) -> None:
    """Open the form on a clicked or linked slot (``?start=…[&end=…]``, ISO 8601 with an offset),
    moved within the instrument's rules (grid, shortest and longest booking, free time): a link
    never opens a booking the same page then refuses. Unreadable times leave the form empty."""
    zone = instrument.facility.timezone
    try:
        start = _instant_arg("start")
        end = _instant_arg("end") if request.args.get("end") else None
    except ValueError:
        return
    policy = queries.policy_of(instrument)
    horizon = start + timedelta(minutes=max(policy.max_minutes or 0, 24 * 60))
    busy = queries.busy_between([instrument.id], start, horizon)
    start, end = free_time.prefill(policy, busy, starts_at=start, ends_at=end, now=clock.now())
    form.starts_at.show(start, zone)  # with its pass, on the night a time happens twice
    form.ends_at.show(end, zone)


def _instant_arg(name: str) -> datetime:
    """An ISO 8601 instant with an offset (``2026-03-04T08:00Z``) in InnoCore's years."""
    instant = datetime.fromisoformat(request.args.get(name, ""))
    if instant.tzinfo is None or not clock.year_in_range(instant.date()):
        raise ValueError(name)
    return instant.astimezone(UTC)


def account_choices() -> list:
    """The accounts the signed-in person may charge today (the service re-checks the day)."""
    from innocore.forms import choices
    from innocore.ledger.accounts import chargeable_accounts

    accounts = chargeable_accounts(current_user)
    first = ("", N_("Choose…")) if accounts else ("", N_("None: your organisation's statement"))
    return choices([first] + [(str(a.id), a.label) for a in accounts])


def booking_input(form: BookingForm, zone: str) -> services.BookingInput:
    """The booking form's fields as a ``BookingInput`` (times read in the facility's ``zone``);
    raises ``DomainError`` with every unreadable field (the series form reads the same)."""
    problems = []
    instants = {}
    for name in ("starts_at", "ends_at"):
        value = instant_or_problem(getattr(form, name), zone)
        if isinstance(value, Problem):
            problems.append(value)
        else:
            instants[name] = value
    user_id = None
    if form.user_email.data:
        user = get_user_by_email(form.user_email.data)
        if user is None:
            problems.append(Problem("unknown_user", N_("Nobody with this e-mail."), "user_email"))
        else:
            user_id = user.id
    raw_account = (form.account.data or "").strip()
    if raw_account and not (raw_account.isdigit() and len(raw_account) < 10):
        problems.append(
            Problem("account_invalid", N_("Choose an account from the list."), "account")
        )
    if problems:
        raise DomainError(problems)
    return services.BookingInput(
        instants["starts_at"],
        instants["ends_at"],
        purpose=form.purpose.data or "",
        project=form.project.data or "",
        user_id=user_id,
        override_reason=(form.override_reason.data or "").strip() or None,
        account_id=int(raw_account) if raw_account else None,
    )


@bp.route("/bookings/mine")
@login_required
def my_bookings():
    """Upcoming bookings soonest first and past ones latest first, 25 a page each
    (``?upcoming=N`` and ``?page=N``)."""
    now = clock.now()
    upcoming = db.paginate(
        queries.my_bookings_query(current_user.id, upcoming_after=now),
        page=request.args.get("upcoming", 1, type=int),
        per_page=25,
        error_out=False,
    )
    page = db.paginate(
        queries.my_bookings_query(current_user.id).where(
            sa.literal_column("booking.ends_at") <= now
        ),
        per_page=25,
        error_out=False,
    )
    return render_template("instruments/my_bookings.html", upcoming=upcoming, page=page)


@bp.route("/bookings/<int:booking_id>")
@login_required
def booking_page(booking_id: int):
    return _booking_page(booking_id)


def _booking_page(booking_id: int, *, move=None, cancel=None, refusal=None, status=200):
    """The booking with its history; a refused action shows its reasons here (422/409)."""
    booking = services.get_booking(current_user, booking_id)
    history = db.session.scalars(
        sa.select(BookingChange)
        .where(BookingChange.booking_id == booking.id)
        .order_by(BookingChange.changed_at, BookingChange.id)
    ).all()
    zone = booking.instrument.facility.timezone
    if move is None:
        move = MoveForm(formdata=None)
        move.starts_at.show(booking.starts_at, zone)
        move.ends_at.show(booking.ends_at, zone)
    rate, _mobility = hourly_rate(booking.user, booking.instrument)
    return render_template(
        "instruments/booking.html",
        booking=booking,
        history=history,
        move=move,
        cancel=cancel or ReasonForm(),
        price=rules.price(booking.starts_at, booking.ends_at, rate),
        hours=rules.hours_between(booking.starts_at, booking.ends_at),
        now=clock.now(),
        refusal=refusal,
    ), status


@bp.route("/bookings/<int:booking_id>.ics")
@login_required
def booking_ics_file(booking_id: int):
    booking = services.get_booking(current_user, booking_id)
    body = booking_ics(booking)
    return ics_response(text_etag(body), lambda: body, filename=f"booking-{booking.id}.ics")


@bp.route("/bookings/<int:booking_id>/move", methods=["POST"])
@login_required
def move(booking_id: int):
    booking = services.get_booking(current_user, booking_id)
    zone = booking.instrument.facility.timezone
    form = MoveForm()

    def act():
        if not form.validate_on_submit():
            msg = N_("Give the new start and end.")
            raise DomainError(Problem("invalid_datetime", msg, "starts_at"))
        kept = (booking.starts_at, booking.ends_at)  # an unchanged time keeps its instant
        return services.move_booking(
            current_user,
            booking.id,
            to_instant(form.starts_at, zone, kept),
            to_instant(form.ends_at, zone, kept),
            override_reason=(form.override_reason.data or "").strip() or None,
        )

    ok, _result = attempt(form, act)
    if not ok:
        err = form.refusal
        return _booking_page(booking_id, move=form, refusal=err.problems, status=err.status)
    flash(_("Booking moved."), "success")
    _say_folds(zone, booking.starts_at, booking.ends_at)
    return redirect(url_for("instruments.booking_page", booking_id=booking_id)), 303


def _post_action(booking_id: int, action, done: str, back: str | None = None):
    """A button on the booking page: done, back to the page; refused, the page with reasons."""
    _result, err = attempt_action(action)
    if err is not None:
        return _booking_page(booking_id, refusal=err.problems, status=err.status)
    flash(done, "success")
    return redirect(back or url_for("instruments.booking_page", booking_id=booking_id)), 303


def _confirm_cancel(booking_id: int) -> Confirmation | None:
    """The confirmation step of a cancellation: which booking, and what cancelling costs."""
    from instruments.queries import policy_of
    from instruments.rules import cancellation_is_late

    reason = (request.form.get("reason") or "").strip()[:1000]
    booking = services.get_booking(current_user, booking_id)
    staff = can_staff_instrument(current_user, booking.instrument)
    now = clock.now()
    started = booking.starts_at <= now and rules.started_problems(
        booking.starts_at, now, staff=staff, reason=reason, action="cancelled"
    )
    if not booking.active or started:
        return None  # nothing to confirm: the action itself says why it is refused
    zone = booking.instrument.facility.timezone
    when = f"{local_time(booking.starts_at, zone)} – {local_time(booking.ends_at, zone, '%H:%M')}"
    lines = [f"{booking.instrument.name}, {when}, booked by {booking.user.name}, is cancelled."]
    lines.append(N_("The time becomes free for others to book; it cannot be restored."))
    if booking.user_id == current_user.id and cancellation_is_late(
        booking.starts_at, policy_of(booking.instrument), now
    ):
        lines.append(
            N_(
                "This is a late cancellation (after the facility's cut-off): "
                "it is recorded, and the facility may charge part of the "
                "booking."
            )
        )
    else:
        lines.append(N_("The owner is told by e-mail."))
    return Confirmation(
        _("Cancel this booking?"),
        lines,
        _("Cancel the booking"),
        url_for("instruments.booking_page", booking_id=booking_id),
    )


@bp.route("/bookings/<int:booking_id>/cancel", methods=["POST"])
@login_required
@irreversible(_confirm_cancel)
def cancel(booking_id: int):
    reason = (request.form.get("reason") or "").strip()[:1000]
    return _post_action(
        booking_id,
        lambda: services.cancel_booking(current_user, booking_id, reason),
        N_("Booking cancelled: the time is free for others again and you are told by e-mail."),
    )


def _booking_words(booking) -> str:
    zone = booking.instrument.facility.timezone
    when = f"{local_time(booking.starts_at, zone)} – {local_time(booking.ends_at, zone, '%H:%M')}"
    return f"{booking.instrument.name}, {when} ({zone} time), booked by {booking.user.name}"


def _confirm_end(booking_id: int) -> Confirmation | None:
    booking = services.get_booking(current_user, booking_id)
    now = clock.now()
    if booking.status.value != "confirmed" or not booking.starts_at <= now < booking.ends_at:
        return None  # the action says why it is refused
    return Confirmation(
        _("End this booking now?"),
        [
            _(
                "%(booking_words)s ends now, at %(local_time)s: the rest of "
                "the time becomes free for others to book.",
                booking_words=_booking_words(booking),
                local_time=local_time(now, booking.instrument.facility.timezone, "%H:%M"),
            ),
            _("The time used so far is what is charged; the booking cannot be resumed."),
        ],
        _("End the booking now"),
        url_for("instruments.booking_page", booking_id=booking_id),
    )


@bp.route("/bookings/<int:booking_id>/end", methods=["POST"])
@login_required
@irreversible(_confirm_end)
def end_early(booking_id: int):
    return _post_action(
        booking_id,
        lambda: services.end_booking_early(current_user, booking_id),
        N_("Booking ended: the time you used is what will be charged."),
    )


@bp.route("/bookings/<int:booking_id>/approve", methods=["POST"])
@login_required
def approve(booking_id: int):
    reason = (request.form.get("override_reason") or "").strip()[:1000] or None
    return _inbox_action(
        booking_id, lambda: services.approve_booking(current_user, booking_id, reason), "Approved."
    )


def _confirm_reject(booking_id: int) -> Confirmation | None:
    booking = services.get_booking(current_user, booking_id)
    if not can_staff_instrument(current_user, booking.instrument):
        raise Forbidden(N_("Only the facility's staff decide booking requests."))
    if booking.status.value != "pending" or not request.form.get("reason", "").strip():
        return None  # the action says why it is refused
    return Confirmation(
        _("Reject this booking request?"),
        [
            _(
                "The request for %(booking_words)s is rejected: the time is "
                "free for others and it cannot be approved later.",
                booking_words=_booking_words(booking),
            ),
            f"{booking.user.name} is told by e-mail"
            + (
                f", with your reason: “{r}”."
                if (r := request.form.get("reason", "").strip())
                else "."
            ),
        ],
        _("Reject the request"),
        url_for("instruments.approvals"),
    )


@bp.route("/bookings/<int:booking_id>/reject", methods=["POST"])
@login_required
@irreversible(_confirm_reject)
def reject(booking_id: int):
    reason = (request.form.get("reason") or "").strip()
    return _inbox_action(
        booking_id,
        lambda: services.reject_booking(current_user, booking_id, reason),
        N_("Booking request rejected: the time is free again and the requester is told."),
    )


def _inbox_action(booking_id: int, action, done: str):
    """A decision in the approvals inbox: refused, the inbox with the reasons next to it."""
    _result, err = attempt_action(action)
    if err is not None:
        return _approvals_page(refusal=err.problems, refused_id=booking_id, status=err.status)
    flash(done, "success")
    return redirect(url_for("instruments.approvals")), 303


@bp.route("/bookings/<int:booking_id>/no-show", methods=["POST"])
@login_required
def no_show(booking_id: int):
    return _post_action(
        booking_id,
        lambda: services.mark_no_show(current_user, booking_id),
        N_("Recorded as no-show."),
    )


@bp.route("/approvals")
@require(may_approve_somewhere, N_("Only facility staff see booking requests."))
def approvals():
    return _approvals_page()


def _approvals_page(*, refusal=None, refused_id=None, status=200):
    if is_network_admin(current_user):
        ids = set(db.session.scalars(sa.select(Facility.id)))
    else:
        ids = staffed_facility_ids(current_user)
    page = db.paginate(queries.pending_query(ids), per_page=50, error_out=False)
    overridable = bool(refusal) and all(p.overridable for p in refusal)
    return render_template(
        "instruments/approvals.html",
        page=page,
        refusal=refusal,
        refused_id=refused_id,
        overridable=overridable,
    ), status


@bp.route("/<int:instrument_id>/downtime", methods=["GET", "POST"])
@login_required
def downtime(instrument_id: int):
    instrument = queries.get_instrument(instrument_id)
    if not can_staff_instrument(current_user, instrument):
        raise Forbidden(N_("Only the facility's staff schedule downtime."))
    zone = instrument.facility.timezone
    form = DowntimeForm()
    preview = None
    if form.validate_on_submit():
        ok, step = attempt(form, lambda: _downtime_step(form, instrument, zone))
        preview, affected = step if ok else (None, None)
        if ok and preview is None:
            flash(_downtime_done(affected, form.cancel_bookings.data), "success")
            return redirect(url_for("instruments.show", instrument_id=instrument.id))
    return render_template(
        "instruments/downtime.html", form=form, instrument=instrument, preview=preview
    ), form_status(form)


def _downtime_step(form: DowntimeForm, instrument, zone: str):
    """``(preview, None)``: the bookings the downtime overlaps, shown with what will happen and
    nothing written yet (until ``confirmed=1``); else ``(None, affected)`` once scheduled."""
    starts = to_instant(form.starts_at, zone)
    ends = to_instant(form.ends_at, zone)
    affected = services.overlapping_bookings(instrument.id, starts, ends)
    if affected and request.form.get("confirmed") != "1":
        return affected, None
    _downtime, affected = services.schedule_downtime(
        current_user,
        instrument.id,
        starts,
        ends,
        form.reason.data,
        cancel_bookings=form.cancel_bookings.data,
    )
    return None, affected


def _downtime_done(affected, cancelled: bool) -> str:
    """The message after scheduling downtime: one whole sentence per case, counted in the
    reader's language (plural forms from the catalog)."""
    if not affected:
        return _("Downtime scheduled. No booking overlapped it.")
    if cancelled:
        return ngettext(
            "Downtime scheduled. %(num)d overlapping booking cancelled; its owner is told by "
            "e-mail.",
            "Downtime scheduled. %(num)d overlapping bookings cancelled; their owners are told by "
            "e-mail.",
            len(affected),
        )
    return ngettext(
        "Downtime scheduled. %(num)d overlapping booking flagged (it stays booked); its owner is "
        "told by e-mail.",
        "Downtime scheduled. %(num)d overlapping bookings flagged (they stay booked); their owners "
        "are told by e-mail.",
        len(affected),
    )


@bp.route("/<int:instrument_id>/report", methods=["GET", "POST"])
@login_required
def report(instrument_id: int):
    instrument = queries.get_instrument(instrument_id)
    form = ProblemForm()
    if form.validate_on_submit():
        ok, _result = attempt(
            form,
            lambda: services.report_problem(
                current_user, instrument.id, Severity(form.severity.data), form.description.data
            ),
        )
        if ok:
            flash(_("Thank you: the facility staff have been told."), "success")
            return redirect(url_for("instruments.show", instrument_id=instrument.id))
    return render_template(
        "instruments/report.html", form=form, instrument=instrument
    ), form_status(form)


@bp.route("/problems/<int:report_id>/resolve", methods=["POST"])
@login_required
def resolve(report_id: int):
    resolution = (request.form.get("resolution") or "").strip()
    problem = services.resolve_problem(current_user, report_id, resolution)
    db.session.commit()
    flash(_("Problem resolved."), "success")
    return redirect(url_for("instruments.show", instrument_id=problem.instrument_id)), 303


# ---- calendar feeds -----------------------------------------------------------------------------


@bp.route("/feeds", methods=["GET", "POST"])
@login_required
def my_feeds():
    new_url = None
    if request.method == "POST":
        kind = request.form.get("kind", "user")
        target = request.form.get("target_id", "")
        if kind not in BOOKING_FEED_KINDS or (kind != "user" and not target.isdigit()):
            abort(400, N_("Choose what to subscribe to."))
        target_id = current_user.id if kind == "user" else int(target)
        _feed, raw = feeds.create_feed(current_user, FeedKind(kind), target_id)
        db.session.commit()
        new_url = absolute_url("instruments.feed", token=raw)
    return render_template(
        "instruments/feeds.html", feeds=feeds.list_feeds(current_user), new_url=new_url
    )


def _confirm_revoke_feed(feed_id: int) -> Confirmation | None:
    from instruments.models import CalendarFeed

    feed = db.session.get(CalendarFeed, feed_id)
    if feed is None or feed.owner_id != current_user.id or feed.kind not in BOOKING_FEED_KINDS:
        raise NotFound(N_("No such calendar feed."))
    if feed.revoked_at is not None:
        return None
    return Confirmation(
        _("Revoke this calendar address?"),
        [
            _(
                "Calendar programs subscribed to this address stop receiving "
                "updates: the next refresh is refused, and the bookings "
                "already copied stay there as they are."
            ),
            _("It cannot be switched back on; you would subscribe again with a new address."),
        ],
        _("Revoke the address"),
        url_for("instruments.my_feeds"),
    )


@bp.route("/feeds/<int:feed_id>/revoke", methods=["POST"])
@login_required
@irreversible(_confirm_revoke_feed)
def revoke_feed(feed_id: int):
    feeds.revoke_feed(current_user, feed_id)
    db.session.commit()
    flash(_("Calendar address revoked: subscribed calendars no longer receive updates."), "success")
    return redirect(url_for("instruments.my_feeds")), 303


@bp.route("/feeds/<token>.ics")
def feed(token: str):
    content = feeds.feed_content(feeds.feed_for_token(token))
    return ics_response(feeds.feed_etag(content), lambda: feeds.feed_calendar(content))
