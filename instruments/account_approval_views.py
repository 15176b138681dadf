"""Deciding bookings of account approvals (the page itself is the kernel's one inbox): the
bookings a billing account's owner (a group's PI, a
company's administrators) approves or refuses because their estimate passed the account's
approval threshold."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from innocore.confirm import Confirmation, irreversible
from innocore.forms import attempt_action
from innocore.ledger.approval_views import inbox
from innocore.marks import N_
from instruments import bp
from instruments.services import account_approvals as decisions


@bp.route("/account-approvals")
@login_required
def account_approvals():
    """The one approvals inbox (bookings, training fees, quotes) is the kernel's."""
    return redirect(url_for("account_approvals.inbox"))


def _after(action, done: str):
    _booking, error = attempt_action(action)
    if error is not None:
        return inbox(refusal=error.problems, status=error.status)
    flash(done, "success")
    return redirect(url_for("account_approvals.inbox"))


@bp.route("/account-approvals/<int:booking_id>/approve", methods=["POST"])
@login_required
def approve_for_account(booking_id: int):
    return _after(
        lambda: decisions.approve_for_account(current_user, booking_id),
        N_("Approved: the booking goes ahead and its person is told by e-mail."),
    )


def _confirm_refuse(booking_id: int) -> Confirmation:
    decisions.get_awaiting(current_user, booking_id)  # someone else's is a 404, not a question
    return Confirmation(
        _("Refuse this charge?"),
        [
            N_("The booking is cancelled and its time is free for others."),
            N_("Its person is told by e-mail, with your reason."),
        ],
        _("Refuse the booking"),
        url_for("account_approvals.inbox"),
        fields={"reason": request.form.get("reason", "")},
    )


@bp.route("/account-approvals/<int:booking_id>/refuse", methods=["POST"])
@login_required
@irreversible(_confirm_refuse)
def refuse_for_account(booking_id: int):
    reason = (request.form.get("reason") or "").strip()[:1000]
    return _after(
        lambda: decisions.refuse_for_account(current_user, booking_id, reason),
        N_("Refused: the booking is cancelled and its person is told why."),
    )
