"""Billing account pages: the accounts I may charge, company accounts, an account's statement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from innocore import clock
from innocore.amounts import MONEY_PLACES, AmountError, parse_amount
from innocore.errors import DomainError, Forbidden, Problem
from innocore.extensions import db
from innocore.forms import attempt_action
from innocore.ledger import accounts
from innocore.marks import N_, T_
from innocore.template_helpers import money as money_text

bp = Blueprint("account_statement", __name__, url_prefix="/billing-accounts")


def parse_account_form(form, group_id: int | None, company: bool):
    """An ``AccountInput`` from a submitted form, or the problems with its dates and budget."""
    problems = []

    def day(name: str, required: bool) -> date | None:
        raw = (form.get(name) or "").strip()
        if not raw and not required:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            problems.append(Problem("date_invalid", N_("Give a date as YYYY-MM-DD."), name))
            return None

    valid_from, valid_until = day("valid_from", True), day("valid_until", False)
    budget = _money(form, "budget", "budget_invalid", problems)
    threshold = _money(form, "approval_threshold", "threshold_invalid", problems)
    kind = form.get("kind", "")
    if kind not in {k.value for k in accounts.AccountKind}:
        problems.append(
            Problem("kind_invalid", N_("Choose grant, cost centre or purchase order."), "kind")
        )
    if problems:
        raise DomainError(problems)
    return accounts.AccountInput(
        kind=accounts.AccountKind(kind),
        code=form.get("code", "")[:200],
        name=form.get("name", "")[:300],
        valid_from=valid_from,
        valid_until=valid_until,
        budget=budget,
        approval_threshold=threshold,
        group_id=group_id,
        company=company,
    )


def _company_accounts() -> list:
    if not current_user.is_company_admin:
        return []
    return list(
        db.session.scalars(
            sa.select(accounts.BillingAccount)
            .where(accounts.BillingAccount.company_id == current_user.organisation_id)
            .order_by(accounts.BillingAccount.valid_from.desc())
        )
    )


def _index(problems=None, status: int = 200):
    return render_template(
        "ledger/accounts.html",
        chargeable=accounts.chargeable_accounts(current_user),
        company_accounts=_company_accounts(),
        kinds=list(accounts.AccountKind),
        problems=problems or [],
    ), status


@bp.route("/")
@login_required
def index():
    return _index()


@bp.route("/", methods=["POST"])
@login_required
def create_company_account():
    if not current_user.is_company_admin:
        raise Forbidden(N_("Only company administrators open their company's accounts."))
    account, err = attempt_action(
        lambda: accounts.create_account(current_user, parse_account_form(request.form, None, True))
    )
    if err is not None:
        return _index(err.problems, err.status)
    flash(_("Account %(account)s opened.", account=account.label), "success")
    return redirect(url_for("account_statement.index"))


@bp.route("/<int:account_id>")
@login_required
def statement(account_id: int):
    account, stmt, spent, remaining = accounts.statement_of(current_user, account_id)
    page = db.paginate(
        stmt, page=request.args.get("page", 1, type=int), per_page=50, error_out=False
    )
    return render_template(
        "ledger/account_statement.html",
        account=account,
        page=page,
        spent=spent,
        remaining=remaining,
    )


MAX_ACCOUNT_AMOUNT = Decimal("9999999999")


def _money(form, name: str, code: str, problems: list[Problem]) -> Decimal | None:
    """The amount in EUR typed in field ``name`` (in the reader's locale, at most cents; empty:
    None), or None with a problem added (not a number, sub-cent, negative or too large)."""
    try:
        amount = parse_amount(form.get(name) or "", clock.reader_locale(), places=MONEY_PLACES)
    except AmountError as err:
        problems.append(Problem(code, err.message, name))
        return None
    if amount is not None and not Decimal(0) <= amount <= MAX_ACCOUNT_AMOUNT:
        problems.append(
            Problem(
                code,
                T_("Give an amount from 0 to %(max)s EUR.", max=money_text(MAX_ACCOUNT_AMOUNT)),
                name,
            )
        )
        return None
    return amount
