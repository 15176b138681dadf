"""Series pages: the series form with its preview of dates, a series with its occurrences, and
cancelling this / this and following / all."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from innocore.confirm import Confirmation, irreversible
from innocore.forms import attempt, attempt_action, form_status
from innocore.marks import message_text
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
    """The flash after booking a series: whole sentences, counted in the reader's language."""
    words = ngettext(
        "Series booked: %(num)d date.", "Series booked: %(num)d dates.", len(result.booked)
    )
    if result.refused:
        words += " " + ngettext(
            "%(num)d date skipped (listed below).",
            "%(num)d dates skipped (listed below).",
            len(result.refused),
        )
    for outcome in result.resolved:  # RFC 5545: a skipped or repeated time, resolved
        words += " " + " ".join(message_text(n) for n in outcome.notes)
    return words


def series_in_words(rec: rules.Recurrence) -> str:
    """How a series repeats, in the reader's language, as short whole sentences ("Every 2 weeks.
    On Monday and Wednesday. 10 times in all."): day names and the list's "and" from the catalogs
    and CLDR (Babel's ``format_list``), counts with their plural forms. ``rules.in_words`` is the
    same in English for the API."""
    from babel.lists import format_list

    from innocore.clock import reader_locale, wall_text

    n = rec.interval
    if rec.frequency == rules.Frequency.DAILY:
        sentences = [
            _("Every day.") if n == 1 else ngettext("Every %(num)d day.", "Every %(num)d days.", n)
        ]
    else:
        sentences = [
            _("Every week.")
            if n == 1
            else ngettext("Every %(num)d week.", "Every %(num)d weeks.", n)
        ]
    if rec.weekdays:
        names = [_(rules.DAY_NAMES[d]) for d in sorted(set(rec.weekdays))]
        sentences.append(_("On %(days)s.", days=format_list(names, locale=reader_locale())))
    if rec.count is not None:
        sentences.append(ngettext("%(num)d time in all.", "%(num)d times in all.", rec.count))
    elif rec.until:
        sentences.append(_("Until %(date)s.", date=wall_text(rec.until, "%d %b %Y")))
    return " ".join(sentences)


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
        words=series_in_words(rules.parse_rrule(series.rrule, series.timezone)),
        wall_start=clock.wall_text(clock.to_zone(series.first_starts_at, series.timezone), "%H:%M"),
        abbreviations=zone_abbreviations(
            [series.first_starts_at, *(b.starts_at for b in bookings)], series.timezone
        ),
        may_cancel=series.user_id == current_user.id
        or can_staff_instrument(current_user, series.instrument),
        staff=can_staff_instrument(current_user, series.instrument),
        now=clock.now(),
        refusal=refusal,
    ), status


def zone_abbreviations(instants, zone: str) -> str:
    """The zone's abbreviations over ``instants``, each once, in order (``"CET, CEST"``): a
    list of times spanning a clock change is labelled with every offset it has, never with the
    first one's alone."""
    from innocore.clock import to_zone

    names = dict.fromkeys(to_zone(i, zone).tzname() for i in instants)
    return ", ".join(names)


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
    values = {
        "name": instrument.name,
        "first": local_time(doomed[0].starts_at, zone),
        "last": local_time(doomed[-1].starts_at, zone),
        "zone": zone,
    }
    if scope == "this":
        what = _(
            "This occurrence of the series on %(name)s, on %(first)s (%(zone)s time), is "
            "cancelled.",
            **values,
        )
    elif scope == "following":
        what = ngettext(
            "This and the following occurrences of the series on %(name)s: %(num)d booking, "
            "from %(first)s to %(last)s (%(zone)s time), are cancelled.",
            "This and the following occurrences of the series on %(name)s: %(num)d bookings, "
            "from %(first)s to %(last)s (%(zone)s time), are cancelled.",
            len(doomed),
            **values,
        )
    else:
        what = ngettext(
            "Every future occurrence of the series on %(name)s: %(num)d booking, from %(first)s "
            "to %(last)s (%(zone)s time), is cancelled.",
            "Every future occurrence of the series on %(name)s: %(num)d bookings, from %(first)s "
            "to %(last)s (%(zone)s time), are cancelled.",
            len(doomed),
            **values,
        )
    lines = [
        what,
        _("Occurrences that have started or are over are left alone."),
        _(
            "The times become free for others to book; they cannot be restored. The person "
            "booked gets one e-mail for all of them."
        ),
    ]
    return Confirmation(
        _("Cancel these occurrences?"),
        lines,
        _("Cancel them"),
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
    words = ngettext(
        "%(num)d occurrence cancelled.", "%(num)d occurrences cancelled.", len(result.cancelled)
    )
    if result.left:
        words += " " + ngettext(
            "%(num)d left alone (started, over or already cancelled).",
            "%(num)d left alone (started, over or already cancelled).",
            len(result.left),
        )
    flash(words + " " + _("The times are free for others again; one e-mail says so."), "success")
    return redirect(url_for("series.show", series_id=series_id)), 303


@bp.route("/<int:series_id>/approve", methods=["POST"])
@login_required
def approve(series_id: int):
    """Staff approve the series' pending dates in one go (each checked by every rule)."""
    reason = (request.form.get("override_reason") or "").strip()[:1000] or None
    result, err = attempt_action(lambda: services.approve_series(current_user, series_id, reason))
    if err is not None:
        return _show(series_id, refusal=err.problems, status=err.status)
    words = ngettext("%(num)d date approved.", "%(num)d dates approved.", len(result.approved))
    if result.refused:
        words += " " + ngettext(
            "%(num)d date still pending (the rules refuse it: open it).",
            "%(num)d dates still pending (the rules refuse them: open each).",
            len(result.refused),
        )
    flash(words, "success")
    return redirect(url_for("series.show", series_id=series_id)), 303
