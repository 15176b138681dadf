"""Series pages: the series form with its preview of dates, a series with its occurrences, and
cancelling this / this and following / all."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from innocore.confirm import Confirmation, irreversible
from innocore.forms import attempt, attempt_action, form_status
from innocore.template_helpers import local_time
from instruments import queries
from instruments.booking_views import account_choices, booking_input
from instruments.permissions import can_book_for_others, can_staff_instrument
from instruments.series import rules, services
from instruments.series.forms import SeriesForm
from instruments.series.models import SeriesMode

bp = Blueprint("series", __name__, url_prefix="/instruments/series", template_folder="templates")


def _series_input(form: SeriesForm, zone: str) -> services.SeriesInput:
    recurrence = rules.Recurrence(
        rules.Frequency(form.frequency.data or "weekly"),
        form.interval.data or 1,
        tuple(form.weekdays.data or ()),
        form.count.data,
        form.until.data,
    )
    mode = form.mode.data if form.mode.data in SeriesMode._value2member_map_ else "all_or_nothing"
    return services.SeriesInput(booking_input(form, zone), recurrence, SeriesMode(mode))


@bp.route("/new/<int:instrument_id>", methods=["GET", "POST"])
@login_required
def new(instrument_id: int):
    """The series form; "Preview dates" shows each date's fate, "Book the series" books it."""
    instrument = queries.get_instrument(instrument_id)
    zone = instrument.facility.timezone
    form = SeriesForm()
    form.account.choices = account_choices()
    preview = None
    if form.validate_on_submit():
        dry = "preview" in request.form
        ok, result = attempt(
            form,
            lambda: services.create_series(
                current_user, instrument.id, _series_input(form, zone), preview=dry
            ),
        )
        if ok and dry:
            preview = result
        elif ok:
            flash(_booked_words(result), "success")
            return redirect(url_for("series.show", series_id=result.series.id)), 303
    return render_template(
        "series/new.html",
        form=form,
        instrument=instrument,
        preview=preview,
        staff=can_book_for_others(current_user, instrument),
        max_occurrences=rules.MAX_OCCURRENCES,
    ), form_status(form)


def _booked_words(result) -> str:
    words = f"Series booked: {len(result.booked)} dates."
    if result.refused:
        words += f" {len(result.refused)} skipped (listed below)."
    return words


@bp.route("/<int:series_id>")
@login_required
def show(series_id: int):
    return _show(series_id)


def _show(series_id: int, *, refusal=None, status=200):
    from innocore import clock

    series = services.get_series(current_user, series_id)
    bookings = services.series_bookings(series.id)
    return render_template(
        "series/show.html",
        series=series,
        bookings=bookings,
        words=rules.in_words(rules.parse_rrule(series.rrule, series.timezone)),
        may_cancel=series.user_id == current_user.id
        or can_staff_instrument(current_user, series.instrument),
        staff=can_staff_instrument(current_user, series.instrument),
        now=clock.now(),
        refusal=refusal,
    ), status


def _scope_words(series_id: int) -> tuple[str, list]:
    """The scope posted and the occurrences it would cancel now (future, active ones)."""
    from innocore import clock

    series = services.get_series(current_user, series_id)
    scope = request.form.get("scope", "")
    raw = request.form.get("from_booking_id", "")
    start = int(raw) if raw.isdigit() and len(raw) < 10 else None
    bookings = services.series_bookings(series.id)
    first = next((b for b in bookings if b.id == start), None)
    if scope == "all":
        chosen = bookings
    elif scope in ("this", "following") and first is not None:
        chosen = (
            [first] if scope == "this" else [b for b in bookings if b.starts_at >= first.starts_at]
        )
    else:
        chosen = []
    now = clock.now()
    return scope, [b for b in chosen if b.active and b.starts_at > now]


def _confirm_cancel(series_id: int) -> Confirmation | None:
    scope, doomed = _scope_words(series_id)
    if not doomed:
        return None  # the action itself says why nothing can be cancelled
    instrument = doomed[0].instrument
    zone = instrument.facility.timezone
    what = {"this": "This occurrence", "following": "This and the following occurrences"}
    lines = [
        f"{what.get(scope, 'Every future occurrence')} of the series on {instrument.name}: "
        f"{len(doomed)} booking{'s' if len(doomed) != 1 else ''}, from "
        f"{local_time(doomed[0].starts_at, zone)} to {local_time(doomed[-1].starts_at, zone)} "
        f"({zone} time), are cancelled.",
        "Occurrences that have started or are over are left alone.",
        "The times become free for others to book; they cannot be restored. The person booked "
        "gets one e-mail for all of them.",
    ]
    return Confirmation(
        "Cancel these occurrences?",
        lines,
        "Cancel them",
        url_for("series.show", series_id=series_id),
    )


@bp.route("/<int:series_id>/cancel", methods=["POST"])
@login_required
@irreversible(_confirm_cancel)
def cancel(series_id: int):
    raw = request.form.get("from_booking_id", "")
    start = int(raw) if raw.isdigit() and len(raw) < 10 else None
    result, err = attempt_action(
        lambda: services.cancel_series(
            current_user,
            series_id,
            request.form.get("scope", ""),
            start,
            (request.form.get("reason") or "")[:1000],
        )
    )
    if err is not None:
        return _show(series_id, refusal=err.problems, status=err.status)
    words = (
        f"{len(result.cancelled)} occurrence{'s' if len(result.cancelled) != 1 else ''} cancelled"
    )
    if result.left:
        words += f"; {len(result.left)} left alone (started, over or already cancelled)"
    flash(words + ". The times are free for others again; one e-mail says so.", "success")
    return redirect(url_for("series.show", series_id=series_id)), 303


@bp.route("/<int:series_id>/approve", methods=["POST"])
@login_required
def approve(series_id: int):
    """Staff approve the series' pending dates in one go (each checked by every rule)."""
    reason = (request.form.get("override_reason") or "").strip()[:1000] or None
    result, err = attempt_action(lambda: services.approve_series(current_user, series_id, reason))
    if err is not None:
        return _show(series_id, refusal=err.problems, status=err.status)
    words = f"{len(result.approved)} dates approved"
    if result.refused:
        words += f"; {len(result.refused)} still pending (the rules refuse them: open each)"
    flash(words + ".", "success")
    return redirect(url_for("series.show", series_id=series_id)), 303
