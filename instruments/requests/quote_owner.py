"""What requests' services ask of the account owner's approval of an accepted quote: whether it
starts awaiting, the e-mail asking the owner, and whether facility work must wait. The decision
itself (approve, refuse) is ``instruments.requests.quote_approvals``, which calls the services;
this module calls none, so the two never import each other."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from innocore.accounts.models import User
from innocore.errors import Problem
from innocore.extensions import db
from innocore.ledger.accounts import BillingAccount, approver_account_ids, needs_owner_approval
from innocore.ledger.approvals import AccountApproval, ask_account_owner
from innocore.marks import N_
from instruments.requests.models import Quote, QuoteStatus, ServiceRequest


def approval_for(actor: User, request: ServiceRequest, quote: Quote) -> AccountApproval | None:
    """The approval an accepted ``quote`` starts with: awaiting when its total passes the
    threshold of the request's account, unless ``actor`` decides for that account (approved at
    once); None when no approval is needed."""
    if not needs_owner_approval(request.account_id, quote.total):
        return None
    if request.account_id in approver_account_ids(actor):
        return AccountApproval.APPROVED
    return AccountApproval.AWAITING


def ask_owner(quote: Quote) -> None:
    """E-mail the account's approvers that an accepted quote waits for them."""
    request = quote.request
    account = db.session.get(BillingAccount, request.account_id)
    ask_account_owner(
        account,
        _l("A quote on %(name)s waits for your approval", name=account.name),
        "quote_approval",
        f"quote-approval-{quote.id}",
        quote=quote,
        service_request=request,
    )


def awaiting_quote(request_id: int) -> Quote | None:
    """The request's accepted quote still awaiting its account owner, if any."""
    return db.session.scalar(
        sa.select(Quote).where(
            Quote.request_id == request_id,
            Quote.status == QuoteStatus.ACCEPTED,
            Quote.account_approval == AccountApproval.AWAITING,
        )
    )


def work_problems(request_id: int) -> list[Problem]:
    """Facility work (starting, booking time) waits while the accepted quote awaits approval."""
    if awaiting_quote(request_id) is None:
        return []
    return [
        Problem(
            "awaits_account_owner",
            N_("The accepted quote is awaiting the account owner's approval; wait for it."),
        )
    ]
