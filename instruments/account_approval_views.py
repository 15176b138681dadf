"""HTML pages of account approvals: the bookings a billing account's owner (a group's PI, a
company's administrators) approves or refuses because their estimate passed the account's
approval threshold."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from innocore.confirm import Confirmation, irreversible
from innocore.forms import attempt_action
from instruments import bp
from instruments.services import account_approvals as decisions
from instruments.services.account_owner import estimate


@bp.route("/account-approvals")
@login_required
def account_approvals(refusal=None, status=200):
    """Bookings awaiting my approval as an account's owner, soonest first, with estimates."""
    bookings = decisions.list_account_approvals(current_user)
    return render_template(
        "instruments/account_approvals.html",
        bookings=bookings,
        estimates={b.id: estimate(b) for b in bookings},
        refusal=refusal,
    ), status


def _after(action, done: str):
    _booking, error = attempt_action(action)
    if error is not None:
        return account_approvals(refusal=error.problems, status=error.status)
    flash(done, "success")
    return redirect(url_for("instruments.account_approvals"))


@bp.route("/account-approvals/<int:booking_id>/approve", methods=["POST"])
@login_required
def approve_for_account(booking_id: int):
    return _after(
        lambda: decisions.approve_for_account(current_user, booking_id),
        "Approved: the booking goes ahead and its person is told by e-mail.",
    )


def _confirm_refuse(booking_id: int) -> Confirmation:
    decisions.get_awaiting(current_user, booking_id)  # someone else's is a 404, not a question
    return Confirmation(
        "Refuse this charge?",
        [
            "The booking is cancelled and its time is free for others.",
            "Its person is told by e-mail, with your reason.",
        ],
        "Refuse the booking",
        url_for("instruments.account_approvals"),
        fields={"reason": request.form.get("reason", "")},
    )


@bp.route("/account-approvals/<int:booking_id>/refuse", methods=["POST"])
@login_required
@irreversible(_confirm_refuse)
def refuse_for_account(booking_id: int):
    reason = (request.form.get("reason") or "").strip()[:1000]
    return _after(
        lambda: decisions.refuse_for_account(current_user, booking_id, reason),
        "Refused: the booking is cancelled and its person is told why.",
    )
