"""HTML pages of the waiting list for instrument time: join from a refused booking, my waiting
lists with offers to accept or decline, and an instrument's waiting list for its staff."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from innocore import clock
from innocore.confirm import Confirmation, irreversible
from innocore.errors import DomainError, Problem
from innocore.forms import attempt, attempt_action
from innocore.marks import N_, T_
from innocore.template_helpers import local_time
from instruments import bp, queries
from instruments.booking_views import account_choices, booking_input, render_book
from instruments.forms import BookingForm
from instruments.permissions import can_staff_instrument
from instruments.services import waitlist

# The waiting list keeps time for the person who joins it: staff who typed someone else's
# e-mail are told so (the booking form has that field) instead of joining themselves.
WAIT_FOR_YOURSELF = Problem(
    "waitlist_for_yourself",
    N_(
        "The waiting list keeps time for yourself only: leave “Book for” empty to wait for "
        "this time, or book another time for this person."
    ),
    "user_email",
)


@bp.route("/<int:instrument_id>/waitlist/join", methods=["POST"])
@login_required
def join_waitlist(instrument_id: int):
    """Join the waiting list of the time typed in the booking form (the book page's button)."""
    instrument = queries.get_instrument(instrument_id)
    form = BookingForm()
    form.account.choices = account_choices()
    if form.validate_on_submit():

        def join():
            data = booking_input(form, instrument.facility.timezone)
            if data.user_id not in (None, current_user.id):
                raise DomainError(WAIT_FOR_YOURSELF)
            return waitlist.join_waitlist(
                current_user,
                instrument.id,
                data.starts_at,
                data.ends_at,
                purpose=data.purpose,
                account_id=data.account_id,
            )

        ok, _entry = attempt(form, join)
        if ok:
            flash(
                N_(
                    "You are on the waiting list: if the time frees, it is held for you and you "
                    "are told by e-mail."
                ),
                "success",
            )
            return redirect(url_for("instruments.my_waitlists"))
    return render_book(instrument, form)


@bp.route("/waitlist/mine")
@login_required
def my_waitlists(refusal=None, status=200):
    """My waiting-list entries: offers (with the time left) first, then the ones waiting."""
    entries = queries.list_my_waitlist(current_user.id)
    positions = {e.id: queries.waitlist_position(e) for e in entries}
    return render_template(
        "instruments/my_waitlists.html",
        entries=entries,
        positions=positions,
        now=clock.now(),
        refusal=refusal,
    ), status


@bp.route("/<int:instrument_id>/waitlist")
@login_required
def instrument_waitlist(instrument_id: int):
    """The open waiting list of an instrument, in offer order (its facility's staff)."""
    instrument = queries.get_instrument(instrument_id)
    if not can_staff_instrument(current_user, instrument):
        abort(403)
    entries = queries.list_instrument_waitlist(instrument.id, clock.now())
    return render_template(
        "instruments/instrument_waitlist.html",
        instrument=instrument,
        entries=entries,
        positions={e.id: queries.waitlist_position(e) for e in entries},
    )


def _after(action, done: str):
    entry, error = attempt_action(action)
    if error is not None:
        return my_waitlists(refusal=error.problems, status=error.status)
    flash(done, "success")
    if entry.user_id != current_user.id:  # staff removed someone's entry
        return redirect(
            url_for("instruments.instrument_waitlist", instrument_id=entry.instrument_id)
        )
    return redirect(url_for("instruments.my_waitlists"))


@bp.route("/waitlist/<int:entry_id>/accept", methods=["POST"])
@login_required
def accept_waitlist_offer(entry_id: int):
    return _after(
        lambda: waitlist.accept_offer(current_user, entry_id),
        N_("Offer accepted: the time is booked for you (see My bookings)."),
    )


def _words(entry_id: int, *, staff_may: bool = False) -> str:
    entry = waitlist.get_entry(current_user, entry_id, staff_may=staff_may)
    zone = entry.instrument.facility.timezone
    return (
        f"{entry.instrument.name}, {local_time(entry.starts_at, zone)} – "
        f"{local_time(entry.ends_at, zone, '%H:%M')} ({zone})"
    )


def _confirm_decline(entry_id: int) -> Confirmation:
    return Confirmation(
        _("Decline this offer?"),
        [
            T_(
                "The time held for you on %(words)s goes to the next person waiting.",
                words=_words(entry_id),
            ),
            N_(
                "You leave the waiting list for this time; to wait again, join it again at the end."
            ),
        ],
        _("Decline the offer"),
        url_for("instruments.my_waitlists"),
    )


@bp.route("/waitlist/<int:entry_id>/decline", methods=["POST"])
@login_required
@irreversible(_confirm_decline)
def decline_waitlist_offer(entry_id: int):
    return _after(
        lambda: waitlist.decline_offer(current_user, entry_id),
        N_("Offer declined: the time goes to the next person waiting."),
    )


def _confirm_withdraw(entry_id: int) -> Confirmation:
    return Confirmation(
        _("Leave this waiting list?"),
        [
            T_(
                "The entry for %(words)s is removed; an open offer goes to the next person waiting.",
                words=_words(entry_id, staff_may=True),
            ),
            N_("Joining again puts the person at the end of the list."),
        ],
        _("Leave the waiting list"),
        url_for("instruments.my_waitlists"),
    )


@bp.route("/waitlist/<int:entry_id>/withdraw", methods=["POST"])
@login_required
@irreversible(_confirm_withdraw)
def withdraw_waitlist_entry(entry_id: int):
    return _after(
        lambda: waitlist.withdraw_entry(current_user, entry_id),
        N_("Removed from the waiting list."),
    )
