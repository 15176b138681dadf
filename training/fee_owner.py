"""What enrolment asks of the account owner's approval of a training fee: whether an enrolment
starts awaiting, and the e-mails asking the owner and telling the learner. The decision itself
(approve, refuse) is ``training.fee_approvals``, which calls the enrolment services; this module
calls none, so the two never import each other."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from innocore.accounts.models import User
from innocore.extensions import db
from innocore.ledger.accounts import BillingAccount, approver_account_ids, needs_owner_approval
from innocore.ledger.approvals import AccountApproval, ask_account_owner
from training import notices
from training.models import Enrolment


def approval_for(actor: User, account_id: int | None, fee: Decimal) -> AccountApproval | None:
    """The approval an enrolment of fee ``fee`` (EUR) on ``account_id`` starts with: awaiting
    when the fee passes the account's threshold, unless ``actor`` decides for that account
    (approved at once); None when no approval is needed."""
    if not fee or not needs_owner_approval(account_id, Decimal(fee)):
        return None
    if account_id in approver_account_ids(actor):
        return AccountApproval.APPROVED
    return AccountApproval.AWAITING


def ask_owner(enrolment: Enrolment) -> None:
    """E-mail the account's approvers and tell the learner that the fee waits for approval."""
    account = db.session.get(BillingAccount, enrolment.account_id)
    session = enrolment.session
    ask_account_owner(
        account,
        _l("A training fee on %(name)s waits for your approval", name=account.name),
        "fee_approval",
        f"fee-approval-{enrolment.id}",
        enrolment=enrolment,
        session=session,
        dates=notices.when(session),
        amount=enrolment.fee_amount,
        currency=session.module.currency,
    )
    notices.awaiting_account_owner(enrolment, account)
