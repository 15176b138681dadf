"""Billing accounts: a grant, cost centre or purchase order, owned by a research group (its PI
manages it) or by a company (its administrators), valid between two dates, with an optional budget.

A booking carries the account it is charged to; the account is chosen from the accounts its user
may charge (``chargeable_accounts``), never typed in. Charges copy the account, so statements and
spending per account and per group come from the ledger. Services flush, never commit.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column, relationship

from innocore import audit, clock
from innocore.accounts.models import Organisation, User
from innocore.db import UTCDateTime, enum_column
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db
from innocore.groups import ResearchGroup, active_group_ids, get_group, is_pi
from innocore.marks import N_, T_
from innocore.permissions import is_network_admin
from innocore.unique import flush_unique
from innocore.vocab import OrganisationKind


class AccountKind(enum.StrEnum):
    GRANT = "grant"
    COST_CENTRE = "cost_centre"
    PURCHASE_ORDER = "purchase_order"

    @property
    def label(self) -> str:
        return {
            "grant": _("Grant"),
            "cost_centre": _("Cost centre"),
            "purchase_order": _("Purchase order"),
        }[self.value]


ACCOUNT_CODE_BY_GROUP = "uq_billing_account_group_code"
ACCOUNT_CODE_BY_COMPANY = "uq_billing_account_company_code"
ACCOUNT_CODE_TAKEN = Problem(
    "account_code_taken", N_("The owner already has an account with this code."), "code"
)


class BillingAccount(db.Model):
    __tablename__ = "billing_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AccountKind] = mapped_column(enum_column(AccountKind, "account_kind"))
    code: Mapped[str] = mapped_column(sa.String(80))  # the grant number, cost centre, PO number
    name: Mapped[str] = mapped_column(sa.String(200))
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("research_group.id"), index=True)
    company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    valid_from: Mapped[date] = mapped_column(sa.Date())
    valid_until: Mapped[date | None] = mapped_column(sa.Date())  # inclusive
    budget: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))  # EUR
    # A booking estimated above this (EUR) waits for the owner's approval (the group's PI,
    # the company's administrators); None: no approval needed.
    approval_threshold: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))

    group: Mapped[ResearchGroup | None] = relationship()
    company: Mapped[Organisation | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("(group_id IS NULL) <> (company_id IS NULL)", name="one_owner"),
        sa.CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="valid_range"),
        sa.CheckConstraint("budget IS NULL OR budget >= 0", name="budget_positive"),
        sa.CheckConstraint(
            "approval_threshold IS NULL OR approval_threshold >= 0", name="threshold_positive"
        ),
        # One owner never has two accounts of the same code (told apart by case only), so a
        # code on a statement or a purchase order names one account.
        sa.Index(ACCOUNT_CODE_BY_GROUP, "group_id", sa.func.lower(code), unique=True),
        sa.Index(ACCOUNT_CODE_BY_COMPANY, "company_id", sa.func.lower(code), unique=True),
    )

    def __repr__(self) -> str:
        return f"<BillingAccount {self.id} {self.kind.value} {self.code}>"

    @property
    def label(self) -> str:
        return f"{self.name} ({self.kind.label} {self.code})"

    def valid_on(self, day: date) -> bool:
        return (
            self.active
            and self.valid_from <= day
            and (self.valid_until is None or day <= self.valid_until)
        )


@dataclass(frozen=True)
class AccountInput:
    kind: AccountKind
    code: str
    name: str
    valid_from: date
    valid_until: date | None = None
    budget: Decimal | None = None
    approval_threshold: Decimal | None = None  # EUR: bookings estimated above it need approval
    group_id: int | None = None  # owner: a research group (its PI) ...
    company: bool = False  # ... or the actor's company (its administrators)


# One sentence per rule: an account has a code and a name, its validity ends after it starts, and
# its budget, if any, is not negative.
def account_problems(data: AccountInput) -> list[Problem]:
    problems = []
    if not data.code.strip() or len(data.code) > 80:
        problems.append(Problem("code_required", N_("Give the account's code (up to 80)."), "code"))
    if not data.name.strip() or len(data.name) > 200:
        problems.append(Problem("name_required", N_("Name the account (up to 200)."), "name"))
    if data.valid_until is not None and data.valid_until < data.valid_from:
        problems.append(
            Problem("valid_range", N_("The account must end on or after its start."), "valid_until")
        )
    if data.budget is not None and data.budget < 0:
        problems.append(Problem("budget_negative", N_("A budget cannot be negative."), "budget"))
    if data.approval_threshold is not None and data.approval_threshold < 0:
        problems.append(
            Problem(
                "threshold_negative",
                N_("An approval threshold cannot be negative."),
                "approval_threshold",
            )
        )
    return problems


def can_manage_account(user, account: BillingAccount) -> bool:
    """The owning group's PI, the owning company's administrators, network admins."""
    if is_network_admin(user):
        return True
    if account.group_id is not None:
        return is_pi(user, account.group)
    return bool(user.is_company_admin and user.organisation_id == account.company_id)


def create_account(actor: User, data: AccountInput) -> BillingAccount:
    """Open a billing account for a group (its PI) or the actor's company (administrators).

    Raises ``Forbidden``/``NotFound``; ``DomainError`` with every ``account_problems``."""
    if data.company:
        if not actor.is_company_admin or actor.organisation.kind != OrganisationKind.COMPANY:
            raise Forbidden(N_("Only company administrators open their company's accounts."))
        owner = {"company_id": actor.organisation_id}
        org_id = actor.organisation_id
    else:
        group = get_group(data.group_id or 0)
        if not is_pi(actor, group):
            raise Forbidden(N_("Only the group's principal investigator opens its accounts."))
        owner = {"group_id": group.id}
        org_id = group.organisation_id
    problems = account_problems(data)
    if _code_taken(owner, data.code):
        problems.append(ACCOUNT_CODE_TAKEN)
    if problems:
        raise DomainError(problems)
    account = BillingAccount(
        kind=data.kind,
        code=data.code.strip(),
        name=" ".join(data.name.split()),
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        budget=data.budget,
        approval_threshold=data.approval_threshold,
        created_at=clock.now(),
        created_by_id=actor.id,
        **owner,
    )
    db.session.add(account)
    flush_unique(
        [
            (ACCOUNT_CODE_BY_GROUP, (), ACCOUNT_CODE_TAKEN),
            (ACCOUNT_CODE_BY_COMPANY, (), ACCOUNT_CODE_TAKEN),
        ]
    )
    audit.record(actor, "account.created", account, audit.snapshot(account), organisation_id=org_id)
    return account


def _code_taken(owner: dict, code: str) -> bool:
    """Whether the owner (``{"group_id": …}`` or ``{"company_id": …}``) has an account whose
    code is ``code`` up to case (closed accounts too: old charges name them)."""
    ((column, owner_id),) = owner.items()
    return (
        db.session.scalar(
            sa.select(BillingAccount.id).where(
                getattr(BillingAccount, column) == owner_id,
                sa.func.lower(BillingAccount.code) == code.strip().lower(),
            )
        )
        is not None
    )


# Contexts that let a person charge an account beyond their own for one purpose: kind ->
# ``resolver(user, context_id, on) -> account ids`` (registered by the packages that own the kind,
# e.g. training.challenges: a selected team member may charge their challenge's account).
_CHARGE_CONTEXTS: dict[str, Callable[[User, int, date], list[int]]] = {}

ChargeContext = tuple[str, int]  # (kind, id), e.g. ("challenge", 7)


def register_charge_context(kind: str, resolver: Callable[[User, int, date], list[int]]) -> None:
    """Let packages above the kernel grant charging rights in a context ``kind``: ``resolver``
    returns the ids of the accounts ``user`` may charge for context id on day ``on``."""
    _CHARGE_CONTEXTS[kind] = resolver


def chargeable_accounts(
    user: User, on: date | None = None, context: ChargeContext | None = None
) -> list[BillingAccount]:
    """Accounts ``user`` may charge on day ``on`` (default: today in the user's
    time zone): those of their active
    groups and, for verified company members, their company's; active and valid that day.

    With ``context`` ``(kind, id)`` (see ``register_charge_context``) also the accounts that
    context lets them charge (e.g. a challenge's account for its selected team's bookings);
    an unknown kind adds nothing."""
    on = on or clock.today(user.timezone or "UTC")
    owners = []
    groups = active_group_ids(user)
    if groups:
        owners.append(BillingAccount.group_id.in_(groups))
    if user.organisation.kind == OrganisationKind.COMPANY and user.membership_verified_at:
        owners.append(BillingAccount.company_id == user.organisation_id)
    if context is not None and context[0] in _CHARGE_CONTEXTS:
        granted = _CHARGE_CONTEXTS[context[0]](user, context[1], on)
        if granted:
            owners.append(BillingAccount.id.in_(granted))
    if not owners:
        return []
    return list(
        db.session.scalars(
            sa.select(BillingAccount)
            .where(
                sa.or_(*owners),
                BillingAccount.active.is_(True),
                BillingAccount.valid_from <= on,
                sa.or_(BillingAccount.valid_until.is_(None), BillingAccount.valid_until >= on),
            )
            .order_by(BillingAccount.name, BillingAccount.id)
        )
    )


def account_owner_organisation(account: BillingAccount) -> int:
    """The organisation id owning ``account``: its company, or its group's institution."""
    return account.company_id if account.company_id is not None else account.group.organisation_id


def check_account(
    user: User,
    account_id: int | None,
    on: date,
    context: ChargeContext | None = None,
    *,
    for_name: str | None = None,
) -> list[Problem]:
    """Problems of charging ``account_id`` for ``user`` on ``on`` (field ``account_id``): it must
    be one of their chargeable accounts (in ``context``, if given); and when they have any,
    choosing one is required. ``for_name``: the user's name when someone else (staff) acts for
    them, so the problem names them instead of saying "you"."""
    accounts = chargeable_accounts(user, on, context)
    if account_id is None:
        if accounts:
            return [Problem("account_required", N_("Choose the account to charge."), "account_id")]
        return []
    if account_id not in {a.id for a in accounts}:
        return [
            Problem(
                "account_not_chargeable",
                N_("You may not charge this account on that date (not yours, closed or expired).")
                if for_name is None
                else T_(
                    "%(name)s may not charge this account on that date (not theirs, closed or "
                    "expired).",
                    name=for_name,
                ),
                "account_id",
            )
        ]
    return []


def needs_owner_approval(account_id: int | None, estimate: Decimal | None) -> bool:
    """Whether a charge estimated at ``estimate`` (EUR) to ``account_id`` waits for the
    account owner's approval: the account has a threshold and the estimate is above it."""
    if account_id is None or estimate is None:
        return False
    account = db.session.get(BillingAccount, account_id)
    threshold = account.approval_threshold if account else None
    return threshold is not None and estimate > threshold


def approver_account_ids(user: User) -> list[int]:
    """Ids of the accounts whose approvals ``user`` decides: their groups' (PI) and, for company
    administrators, their company's."""
    pi_of = sa.select(ResearchGroup.id).where(ResearchGroup.pi_id == user.id)
    owners = [BillingAccount.group_id.in_(pi_of)]
    if user.is_company_admin:
        owners.append(BillingAccount.company_id == user.organisation_id)
    return list(db.session.scalars(sa.select(BillingAccount.id).where(sa.or_(*owners))))


def get_account(actor: User, account_id: int) -> BillingAccount:
    account = db.session.get(BillingAccount, account_id)
    if account is None:
        raise NotFound(N_("No such billing account."))
    if not can_manage_account(actor, account):
        raise Forbidden(N_("Only the account's owners see its statement."))
    return account


def _in_period(stmt, since: date | None, until: date | None):
    """Charges whose month (``period_on``, facility zone) falls within ``[since, until]``."""
    from innocore.ledger.models import Charge

    if since is not None:
        stmt = stmt.where(Charge.period_on >= since.replace(day=1))
    if until is not None:
        stmt = stmt.where(Charge.period_on <= until)
    return stmt


def account_spending(
    account_ids: list[int], since: date | None = None, until: date | None = None
) -> dict[int, Decimal]:
    """Account id -> the sum of its charges (EUR, as recorded), optionally in months
    ``since``..``until`` (dates; their months count whole)."""
    from innocore.ledger.models import Charge

    if not account_ids:
        return {}
    stmt = (
        sa.select(Charge.account_id, sa.func.coalesce(sa.func.sum(Charge.amount), 0))
        .where(Charge.account_id.in_(account_ids))
        .group_by(Charge.account_id)
    )
    rows = db.session.execute(_in_period(stmt, since, until)).all()
    return {account_id: Decimal(total) for account_id, total in rows}


def statement_of(actor: User, account_id: int):
    """``(account, charges_stmt, spent, remaining)``: the account's charges newest first, total
    spent (EUR) and what remains of the budget (``None`` without a budget)."""
    from innocore.ledger.models import Charge

    account = get_account(actor, account_id)
    spent = account_spending([account.id]).get(account.id, Decimal("0"))
    remaining = None if account.budget is None else account.budget - spent
    stmt = (
        sa.select(Charge)
        .where(Charge.account_id == account.id)
        .order_by(Charge.incurred_at.desc(), Charge.id.desc())
    )
    return account, stmt, spent, remaining


def group_accounts(group: ResearchGroup) -> list[BillingAccount]:
    return list(
        db.session.scalars(
            sa.select(BillingAccount)
            .where(BillingAccount.group_id == group.id)
            .order_by(BillingAccount.valid_from.desc(), BillingAccount.id)
        )
    )


def group_usage(
    actor: User, group_id: int, since: date | None = None, until: date | None = None
) -> dict:
    """The PI's view of a group's usage and spending: ``{"accounts": [(account, spent)],
    "members": [(user_id, name, hours, spent)]}`` over the charges made to the group's accounts
    (in months ``since``..``until`` when given; hours of instrument time, amounts in the charges'
    currency, EUR by default). Raises ``NotFound``, ``Forbidden`` (not the PI)."""
    from innocore.ledger.models import Charge

    group = get_group(group_id)
    if not is_pi(actor, group):
        raise Forbidden(N_("Only the group's principal investigator sees its spending."))
    accounts = group_accounts(group)
    spent = account_spending([a.id for a in accounts], since, until)
    ids = [a.id for a in accounts]
    members = []
    if ids:
        hours = sa.func.sum(sa.case((Charge.unit == "hour", Charge.quantity), else_=0))
        stmt = (
            sa.select(User.id, User.name, hours, sa.func.sum(Charge.amount))
            .join(User, User.id == Charge.user_id)
            .where(Charge.account_id.in_(ids))
            .group_by(User.id, User.name)
            .order_by(sa.func.sum(Charge.amount).desc())
        )
        members = db.session.execute(_in_period(stmt, since, until)).all()
    return {
        "group": group,
        "accounts": [(a, spent.get(a.id, Decimal("0"))) for a in accounts],
        "members": [tuple(m) for m in members],
    }
