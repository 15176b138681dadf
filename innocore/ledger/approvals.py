"""One inbox for a billing account's owner: every charge waiting for their approval.

A charge to an account with an ``approval_threshold`` above which it must be approved (issue 14
part 2) waits for the account's owner: its group's PI, or its company's administrators. Several
packages make such charges (bookings in ``instruments``, quotes of service requests in
``instruments.requests``, training fees in ``training``); the kernel imports none of them. Each
registers an ``ApprovalKind`` from its ``register(app)`` (the way dashboard panels plug in), and
the kernel's approvals page and API list, approve and refuse through it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from innocore.accounts.models import User
from innocore.errors import DomainError, NotFound, Problem
from innocore.extensions import db
from innocore.ledger.accounts import approver_account_ids
from innocore.links import absolute_url
from innocore.marks import N_, message_text
from innocore.notifications import kinds
from innocore.notifications.services import queue_email
from innocore.vocab import OrgRole

EXTENSION_KEY = "innocore.approval_kinds"


_APPROVAL_WORDS = {"awaiting": N_("Awaiting"), "approved": N_("Approved"), "refused": N_("Refused")}


class AccountApproval(enum.StrEnum):
    """Where a charge above its account's threshold stands with the account's owner."""

    AWAITING = "awaiting"
    APPROVED = "approved"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return message_text(_APPROVAL_WORDS[self.value])


@dataclass(frozen=True)
class ApprovalItem:
    """One charge awaiting the owner's decision, as the inbox shows it.

    ``title`` names what is charged (an instrument and time, a training session, a quote),
    ``when`` its date in facility time (text, zone named), ``amount`` the estimate or total."""

    kind: str
    id: int
    person: str
    title: str
    when: str
    account_id: int
    account: str
    amount: Decimal | None
    currency: str = "EUR"
    link: str | None = None
    sort_at: datetime | None = None


@dataclass(frozen=True)
class ApprovalKind:
    """What a package plugs in: ``pending(actor, account_ids)`` lists the items awaiting a
    decision on those accounts; ``get(actor, id)`` returns one the actor decides or raises
    ``NotFound``; ``approve(actor, id)`` and ``refuse(actor, id, reason)`` decide (raising 404,
    409 ``already_decided``, 422). ``label`` names the kind; ``on_refuse`` says, for the
    confirmation, what refusing does."""

    kind: str
    label: str
    pending: Callable[[User, list[int]], list[ApprovalItem]]
    get: Callable[[User, int], object]
    approve: Callable[[User, int], object]
    refuse: Callable[[User, int, str], object]
    on_refuse: list[str] = field(default_factory=list)


def register_approval_kind(app, kind: ApprovalKind) -> None:
    """Add ``kind`` to the approvals inbox (called from a package's ``register``)."""
    app.extensions.setdefault(EXTENSION_KEY, {})[kind.kind] = kind


def approval_kinds() -> dict[str, ApprovalKind]:
    """The registered kinds, by code, in registration order."""
    return current_app.extensions.get(EXTENSION_KEY, {})


def approval_kind(kind: str) -> ApprovalKind:
    """The registered kind ``kind``; an unknown one is ``NotFound`` (404)."""
    found = approval_kinds().get(kind)
    if found is None:
        raise NotFound(N_("No such kind of approval."))
    return found


def pending_approvals(actor: User) -> list[ApprovalItem]:
    """Every item of every kind awaiting ``actor``'s decision, soonest first (then by kind)."""
    ids = approver_account_ids(actor)
    if not ids:
        return []
    items = [item for k in approval_kinds().values() for item in k.pending(actor, ids)]
    return sorted(
        items,
        key=lambda i: (i.sort_at is None, i.sort_at.timestamp() if i.sort_at else 0, i.kind, i.id),
    )


def decide(actor: User, kind: str, item_id: int, approve: bool, reason: str = ""):
    """Approve or refuse item ``item_id`` of ``kind``; who may decide is checked before what is
    missing (someone else's item is a 404 even without a reason). Refusing needs a reason
    (422 ``reason_required``). Returns the decided row of the package's kind."""
    plugged = approval_kind(kind)
    plugged.get(actor, item_id)
    if approve:
        return plugged.approve(actor, item_id)
    require_reason(reason)
    return plugged.refuse(actor, item_id, reason.strip()[:1000])


def require_reason(reason: str | None) -> str:
    """The reason for a refusal, stripped; an empty one is a 422 ``reason_required``."""
    if not (reason or "").strip():
        raise DomainError(Problem("reason_required", N_("Tell the person why."), "reason"))
    return reason.strip()[:1000]


def already_decided() -> DomainError:
    """The 409 of a second decision on the same item."""
    return DomainError(Problem("already_decided", N_("This charge was already decided.")), 409)


def approvers_of(account) -> list[User]:
    """Who decides for ``account``: its group's PI, or its company's administrators."""
    if account.group_id is not None:
        return [account.group.pi]
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.organisation_id == account.company_id, User.org_role == OrgRole.ADMIN)
            .order_by(User.id)
        )
    )


def ask_account_owner(account, subject, template: str, dedupe: str, **context) -> None:
    """E-mail the account's approvers that a charge waits for them (kind: work to decide), with
    a link to the approvals inbox; ``dedupe`` keys the message once per approver."""
    for person in approvers_of(account):
        queue_email(
            person,
            subject,
            template,
            kind=kinds.STAFF_WORK,
            link=absolute_url("account_approvals.inbox"),
            dedupe_key=f"{dedupe}-{person.id}",
            account=account,
            **context,
        )
