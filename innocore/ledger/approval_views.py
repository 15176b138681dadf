"""The approvals inbox of a billing account's owner (page and /api/v1 twin): every charge of every
kind (bookings, training fees, quotes) awaiting their decision, with approve and refuse."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from pydantic import BaseModel, Field

from innocore.api.core import Strict, api_blueprint, operation, signed_in
from innocore.confirm import Confirmation, irreversible
from innocore.extensions import db
from innocore.forms import attempt_action
from innocore.ledger import approvals
from innocore.marks import N_

bp = Blueprint("account_approvals", __name__, url_prefix="/billing-accounts/approvals")
api_bp = api_blueprint("approvals_api", __name__, "/billing-accounts/approvals")
TAGS = ["billing accounts"]


@bp.route("")
@login_required
def inbox(refusal=None, status=200):
    """Charges awaiting my approval as an account's owner, soonest first, of every kind."""
    return render_template(
        "charges/approvals.html",
        items=approvals.pending_approvals(current_user),
        kinds=approvals.approval_kinds(),
        refusal=refusal,
    ), status


def _after(action, done: str):
    _row, error = attempt_action(action)
    if error is not None:
        return inbox(refusal=error.problems, status=error.status)
    flash(done, "success")
    return redirect(url_for("account_approvals.inbox"))


@bp.route("/<kind>/<int:item_id>/approve", methods=["POST"])
@login_required
def approve(kind: str, item_id: int):
    return _after(
        lambda: approvals.decide(current_user, kind, item_id, True),
        N_("Approved: it goes ahead and its person is told by e-mail."),
    )


def _confirm_refuse(kind: str, item_id: int) -> Confirmation:
    plugged = approvals.approval_kind(kind)
    plugged.get(current_user, item_id)  # someone else's is a 404, not a question
    return Confirmation(
        _("Refuse this charge?"),
        [*plugged.on_refuse, N_("Its person is told by e-mail, with your reason.")],
        _("Refuse the charge"),
        url_for("account_approvals.inbox"),
        fields={"reason": request.form.get("reason", "")},
    )


@bp.route("/<kind>/<int:item_id>/refuse", methods=["POST"])
@login_required
@irreversible(_confirm_refuse)
def refuse(kind: str, item_id: int):
    reason = (request.form.get("reason") or "").strip()[:1000]
    return _after(
        lambda: approvals.decide(current_user, kind, item_id, False, reason),
        N_("Refused: nothing is charged and its person is told why."),
    )


class ChargeApprovalOut(BaseModel):
    kind: str = Field(description="booking, enrolment or quote")
    id: int = Field(description="the booking's, enrolment's or quote's id")
    person: str
    title: str
    when: str = Field(description="the date or time, in facility time with its zone")
    account_id: int
    account: str
    amount: str | None = Field(description="the estimate or total, in currency")
    currency: str


class ChargeDecisionIn(Strict):
    reason: str = Field("", max_length=1000)


class ChargeDecisionOut(BaseModel):
    kind: str
    id: int
    status: str = Field(description="the status of the booking, enrolment or quote after it")
    account_approval: str = Field(description="approved or refused")


def _item_json(item: approvals.ApprovalItem) -> dict:
    return {
        "kind": item.kind,
        "id": item.id,
        "person": item.person,
        "title": item.title,
        "when": item.when,
        "account_id": item.account_id,
        "account": item.account,
        "amount": None if item.amount is None else f"{item.amount:.2f}",
        "currency": item.currency,
    }


def _decides_for(user, kind: str, item_id: int) -> bool:
    """Checked before the body: an item on someone else's account is a 404."""
    approvals.approval_kind(kind).get(user, item_id)
    return True


def _decision_json(kind: str, row) -> dict:
    return {
        "kind": kind,
        "id": row.id,
        "status": row.status.value,
        "account_approval": row.account_approval.value,
    }


@operation(
    api_bp,
    "",
    "GET",
    summary="Charges of every kind awaiting my approval as a billing account's owner",
    tags=TAGS,
    response=ChargeApprovalOut,
    listed=True,
    permission=signed_in,
)
def list_approvals():
    return [_item_json(i) for i in approvals.pending_approvals(current_user)]


@operation(
    api_bp,
    "/<kind>/<int:item_id>/approve",
    "POST",
    summary="Approve a charge to my account (kind: booking, enrolment, quote)",
    tags=TAGS,
    response=ChargeDecisionOut,
    permission=_decides_for,
)
def approve_charge(kind: str, item_id: int):
    row = approvals.decide(current_user, kind, item_id, True)
    db.session.commit()
    return _decision_json(kind, row)


@operation(
    api_bp,
    "/<kind>/<int:item_id>/refuse",
    "POST",
    summary="Refuse a charge to my account (a reason is required; nothing is charged)",
    tags=TAGS,
    body=ChargeDecisionIn,
    response=ChargeDecisionOut,
    permission=_decides_for,
)
def refuse_charge(kind: str, item_id: int, body: ChargeDecisionIn):
    row = approvals.decide(current_user, kind, item_id, False, body.reason)
    db.session.commit()
    return _decision_json(kind, row)
