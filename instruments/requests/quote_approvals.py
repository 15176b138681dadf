"""Accepted quotes waiting for the billing account owner's approval (issue 14 part 2).

When a requester accepts a quote whose total is above the approval threshold of the request's
account (``BillingAccount.approval_threshold``, in the quote's currency as recorded), the quote
and request are accepted but the quote carries ``account_approval`` awaiting: nothing is charged
and the facility may neither start work nor book time for it until the account's owner (its
group's PI, or its company's administrators) decides in the kernel's approvals inbox. Approval
charges the quote's total; refusal declines the request (its reason recorded), charging nothing.
A requester who decides for the account themselves is approved at once. Decisions are
compare-and-set under the request's row lock, so two decisions cannot both win.
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
from instruments.requests.models import Quote, QuoteStatus, RequestStatus, ServiceRequest
from instruments.requests.quote_owner import (  # noqa: F401  (the services' side, re-exported)
    approval_for,
    ask_owner,
    awaiting_quote,
    work_problems,
)


def list_quote_approvals(actor: User, ids: list[int] | None = None) -> list[Quote]:
    """Accepted quotes awaiting the actor's decision as an account owner, oldest first
    (``ids``: the accounts they decide for, when the caller knows them)."""
    ids = approver_account_ids(actor) if ids is None else ids
    if not ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Quote)
            .join(ServiceRequest, ServiceRequest.id == Quote.request_id)
            .where(
                ServiceRequest.account_id.in_(ids),
                ServiceRequest.status == RequestStatus.ACCEPTED,
                Quote.status == QuoteStatus.ACCEPTED,
                Quote.account_approval == AccountApproval.AWAITING,
            )
            .order_by(Quote.decided_at, Quote.id)
        )
    )


def get_awaiting(actor: User, quote_id: int) -> Quote:
    """A quote of a request charged to an account the actor decides for; else ``NotFound``."""
    quote = db.session.get(Quote, quote_id)
    if quote is None or quote.request.account_id not in approver_account_ids(actor):
        raise NotFound(N_("No such quote awaiting your approval."))
    return quote


def _decide(actor: User, quote_id: int, decision: AccountApproval) -> Quote:
    quote = get_awaiting(actor, quote_id)
    db.session.scalar(
        sa.select(ServiceRequest)
        .where(ServiceRequest.id == quote.request_id)
        .with_for_update(of=ServiceRequest)
        .execution_options(populate_existing=True)
    )
    won = db.session.execute(
        sa.update(Quote)
        .where(
            Quote.id == quote.id,
            Quote.status == QuoteStatus.ACCEPTED,
            Quote.account_approval == AccountApproval.AWAITING,
        )
        .values(account_approval=decision)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1 or quote.request.status != RequestStatus.ACCEPTED:
        raise already_decided()
    db.session.refresh(quote)
    return quote


def _record(actor: User, quote: Quote, decision: AccountApproval, changes: dict) -> None:
    request = quote.request
    audit.record(
        actor,
        f"request.account_{decision.value}",
        request,
        {"quote_id": [None, quote.id], "account_approval": ["awaiting", decision.value]} | changes,
        facility_id=request.facility_id,
        organisation_id=request.organisation_id,
    )


def approve_quote(actor: User, quote_id: int) -> Quote:
    """The account's owner approves the accepted quote: its total is charged and the facility
    may start work. Raises 404, 409 ``already_decided``."""
    from instruments.requests.services import _event, _notify, charge_accepted_quote

    quote = _decide(actor, quote_id, AccountApproval.APPROVED)
    request = quote.request
    charge_accepted_quote(quote, request)
    _event(request, actor, request.status, request.status, f"Quote r{quote.revision}: approved")
    _record(actor, quote, AccountApproval.APPROVED, {})
    _notify(
        request,
        None,
        _l("Quote approved for its account"),
        _l(
            "The account's owner approved quote r%(revision)s; the facility may start work.",
            revision=quote.revision,
        ),
    )
    return quote


def refuse_quote(actor: User, quote_id: int, reason: str) -> Quote:
    """The account's owner refuses the accepted quote (a reason is required): the quote and the
    request are declined, nothing is charged. Raises 404, 409 ``already_decided``, 422
    ``reason_required``."""
    from instruments.requests.services import _event, _notify

    get_awaiting(actor, quote_id)  # who may decide comes before what is missing
    reason = require_reason(reason)
    quote = _decide(actor, quote_id, AccountApproval.REFUSED)
    request = quote.request
    quote.status = QuoteStatus.DECLINED
    old, now = request.status, clock.now()
    request.status, request.reason = RequestStatus.DECLINED, reason
    request.status_changed_at = request.updated_at = now
    _event(request, actor, old, request.status, f"Quote r{quote.revision}: refused. {reason}")
    _record(actor, quote, AccountApproval.REFUSED, {"status": [old.value, request.status.value]})
    _notify(
        request,
        None,
        _l("Quote refused for its account"),
        _l(
            "The account's owner did not approve quote r%(revision)s; the request is declined "
            "and nothing is charged. Their reason: %(reason)s",
            revision=quote.revision,
            reason=reason,
        ),
    )
    return quote


def _item(quote: Quote) -> ApprovalItem:
    request = quote.request
    account = db.session.get(BillingAccount, request.account_id)
    return ApprovalItem(
        kind="quote",
        id=quote.id,
        person=request.requester.name,
        title=f"#{request.id} {request.title} · {request.facility.name} (r{quote.revision})",
        when=_accepted_on(quote),
        account_id=account.id,
        account=account.label,
        amount=quote.total,
        currency=quote.currency,
        link=absolute_url("requests.show", request_id=request.id),
        sort_at=quote.decided_at,
    )


def _accepted_on(quote: Quote) -> str:
    from innocore.template_helpers import local_time

    return local_time(quote.decided_at, quote.request.facility.timezone)


def register(app) -> None:
    """Accepted quotes join the account owner's approvals inbox (``innocore.ledger.approvals``)."""
    register_approval_kind(
        app,
        ApprovalKind(
            kind="quote",
            label=_l("Accepted quote"),
            pending=lambda actor, ids: [_item(q) for q in list_quote_approvals(actor, ids)],
            get=get_awaiting,
            approve=approve_quote,
            refuse=refuse_quote,
            on_refuse=[N_("The request is declined; the facility does not start work.")],
        ),
    )
