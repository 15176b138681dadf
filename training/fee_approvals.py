"""Training fees waiting for the billing account owner's approval (issue 14 part 2).

An enrolment whose fee is above its account's approval threshold (``BillingAccount.
approval_threshold``, EUR) carries ``account_approval`` awaiting; the account's owner (its group's
PI, or its company's administrators) approves or refuses it in the kernel's approvals inbox.

Meanwhile the enrolment keeps whatever place it has: a seat (enrolled, not yet confirmed: no
calendar invitation is sent) or its turn on the waiting list (it may be offered a seat and accept
it as usual). Its fee is never charged while it waits (``training.fees``). Approval confirms a
held seat (the invitation goes out) and lets the fee be charged; refusal cancels the enrolment,
charges nothing and offers a freed seat to the next person waiting. Nobody waits for themselves:
an enrolment made by one of the account's approvers (a company administrator enrolling an
employee on the company's account) is approved at once. Decisions are compare-and-set under the
session lock, so two decisions cannot both win.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.errors import NotFound
from innocore.extensions import db
from innocore.ledger.accounts import BillingAccount, approver_account_ids
from innocore.ledger.approvals import (
    AccountApproval,
    ApprovalItem,
    ApprovalKind,
    already_decided,
    register_approval_kind,
    require_reason,
)
from innocore.links import absolute_url
from innocore.marks import N_
from training import notices
from training.fee_owner import approval_for, ask_owner  # noqa: F401  (re-exported)
from training.models import ACTIVE_ENROLMENT, SEAT_HOLDING, Enrolment, EnrolmentStatus


def list_fee_approvals(actor: User, ids: list[int] | None = None) -> list[Enrolment]:
    """Active enrolments whose fee awaits the actor's decision as an account owner, by session
    start (``ids``: the accounts they decide for, when the caller knows them)."""
    ids = approver_account_ids(actor) if ids is None else ids
    if not ids:
        return []
    return sorted(
        db.session.scalars(
            sa.select(Enrolment)
            .where(
                Enrolment.account_id.in_(ids),
                Enrolment.account_approval == AccountApproval.AWAITING,
                Enrolment.status.in_(ACTIVE_ENROLMENT),
            )
            .order_by(Enrolment.id)
        ),
        key=lambda e: (e.session.starts_at is None, e.session.starts_at or clock.now(), e.id),
    )


def get_awaiting(actor: User, enrolment_id: int) -> Enrolment:
    """An enrolment charged to an account the actor decides for; else ``NotFound`` (404)."""
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.account_id not in approver_account_ids(actor):
        raise NotFound(N_("No such enrolment awaiting your approval."))
    return enrolment


def _decide(actor: User, enrolment_id: int, decision: AccountApproval, values: dict) -> Enrolment:
    from training.services.enrolment import lock_session

    enrolment = get_awaiting(actor, enrolment_id)
    lock_session(enrolment.session_id)
    db.session.refresh(enrolment)
    before = enrolment.status
    won = db.session.execute(
        sa.update(Enrolment)
        .where(
            Enrolment.id == enrolment.id,
            Enrolment.status.in_(ACTIVE_ENROLMENT),
            Enrolment.account_approval == AccountApproval.AWAITING,
        )
        .values(account_approval=decision, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        raise already_decided()
    db.session.refresh(enrolment)
    changes = {"account_approval": ["awaiting", decision.value]}
    if enrolment.status != before:
        changes["status"] = [before.value, enrolment.status.value]
    audit.record(
        actor,
        f"training.account_{decision.value}",
        enrolment,
        changes,
        facility_id=enrolment.session.facility_id,
    )
    return enrolment


def approve_fee(actor: User, enrolment_id: int) -> Enrolment:
    """The account's owner approves the fee: a held seat is confirmed (the invitation goes out),
    a place on the waiting list is kept; the fee is charged once the session begins.
    Raises 404, 409 ``already_decided``."""
    enrolment = get_awaiting(actor, enrolment_id)
    seated = enrolment.status == EnrolmentStatus.ENROLLED
    values = {"confirmed_at": clock.now()} if seated else {}
    enrolment = _decide(actor, enrolment_id, AccountApproval.APPROVED, values)
    if enrolment.status == EnrolmentStatus.ENROLLED:
        notices.enrolled(enrolment)
    else:
        notices.fee_approved(enrolment)
    return enrolment


def refuse_fee(actor: User, enrolment_id: int, reason: str) -> Enrolment:
    """The account's owner refuses the fee (a reason is required): the enrolment is cancelled,
    nothing is charged, and a freed seat is offered to the next person waiting.
    Raises 404, 409 ``already_decided``, 422 ``reason_required``."""
    from training.services.enrolment import fill_free_seats

    get_awaiting(actor, enrolment_id)  # who may decide comes before what is missing
    reason = require_reason(reason)
    values = {"status": EnrolmentStatus.CANCELLED, "ended_at": clock.now()}
    held_seat = db.session.get(Enrolment, enrolment_id).status in SEAT_HOLDING
    enrolment = _decide(actor, enrolment_id, AccountApproval.REFUSED, values)
    notices.fee_refused(enrolment, reason)
    if held_seat:
        fill_free_seats(enrolment.session)
    return enrolment


def _item(enrolment: Enrolment) -> ApprovalItem:
    session = enrolment.session
    account = db.session.get(BillingAccount, enrolment.account_id)
    return ApprovalItem(
        kind="enrolment",
        id=enrolment.id,
        person=enrolment.user.name,
        title=f"{session.module.title} · {session.facility.name}",
        when="; ".join(notices.when(session)),
        account_id=account.id,
        account=account.label,
        amount=enrolment.fee_amount,
        currency=session.module.currency,
        link=absolute_url("training.session_page", session_id=session.id),
        sort_at=session.starts_at,
    )


def register(app) -> None:
    """Training fees join the account owner's approvals inbox (``innocore.ledger.approvals``)."""
    register_approval_kind(
        app,
        ApprovalKind(
            kind="enrolment",
            label=_l("Training fee"),
            pending=lambda actor, ids: [_item(e) for e in list_fee_approvals(actor, ids)],
            get=get_awaiting,
            approve=approve_fee,
            refuse=refuse_fee,
            on_refuse=[N_("The enrolment is cancelled; its seat goes to the next person waiting.")],
        ),
    )
