"""Statements (HTML, CSV, PDF), facility revenue, the network overview and charging rules."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from innocore import clock
from innocore.accounts.models import Organisation
from innocore.errors import DomainError, Forbidden, NotFound
from innocore.extensions import db
from innocore.facilities.services import get_facility
from innocore.forms import AmountField, attempt, form_status
from innocore.i18n import translate as tr
from innocore.ledger import bp, rules, services
from innocore.ledger import statements as queries
from innocore.ledger.models import Charge
from innocore.marks import N_
from innocore.permissions import can_manage_facility, is_company_admin_of, is_network_admin, require
from innocore.spreadsheets import csv_response

PER_PAGE = 50


def can_see_statement(user, organisation_id: int) -> bool:
    """An organisation's statement: its company administrators and network admins."""
    return is_network_admin(user) or is_company_admin_of(user, organisation_id)


def period_from_args() -> queries.Period:
    """``from`` and ``to`` months (``2026-03``) from the query string; this month by default."""
    this = rules.period_of(clock.now(), "UTC")
    start = rules.parse_month(request.args.get("from")) if request.args.get("from") else this
    end = rules.parse_month(request.args.get("to")) if request.args.get("to") else start
    problems = rules.period_problems(start, end)
    if problems:
        raise DomainError(problems, status=400)
    return queries.Period(start, end)


def _organisation(organisation_id: int) -> Organisation:
    org = db.session.get(Organisation, organisation_id)
    if org is None or not can_see_statement(current_user, organisation_id):
        raise NotFound(N_("No such statement."))
    return org


def _args(period: queries.Period) -> dict:
    return {"from": period.start.strftime("%Y-%m"), "to": period.end.strftime("%Y-%m")}


@bp.route("/organisations/<int:organisation_id>")
@login_required
def statement(organisation_id: int):
    org, period = _organisation(organisation_id), period_from_args()
    stmt = queries.lines(period, organisation_id=org.id)
    page = db.paginate(stmt, per_page=PER_PAGE, error_out=False)
    return render_template(
        "charges/statement.html",
        org=org,
        period=period,
        page=page,
        args=_args(period),
        totals=queries.totals(period, organisation_id=org.id),
        months=queries.by_month(period, organisation_id=org.id),
    )


# The columns of the charge-line exports, marked here and written in the reader's language (as
# report exports are); the values stay as stored (English codes, "." decimals).
CSV_HEADER = [
    N_("date (facility time)"),
    N_("facility_id"),
    N_("user"),
    N_("description"),
    N_("category"),
    N_("unit"),
    N_("rate"),
    N_("quantity"),
    N_("share"),
    N_("amount"),
    N_("currency"),
    N_("source"),
]
# A facility's lines name the customer's organisation where a statement names the facility.
FACILITY_CSV_HEADER = [N_("organisation") if c == "facility_id" else c for c in CSV_HEADER]


def _header(columns: list[str]) -> list[str]:
    return [tr(c) for c in columns]


def _csv_row(c) -> list:
    return [
        queries.day_of(c),
        c.facility_id,
        c.user.name,
        c.description,
        c.category.value,
        c.unit,
        c.rate,
        c.quantity,
        c.share,
        c.amount,
        c.currency,
        c.source_key,
    ]


def _facility_csv_row(c) -> list:
    row = _csv_row(c)
    row[1] = c.organisation.name
    return row


@bp.route("/organisations/<int:organisation_id>.csv")
@login_required
def statement_csv(organisation_id: int):
    org, period = _organisation(organisation_id), period_from_args()
    rows = (_csv_row(c) for c in db.session.scalars(queries.lines(period, organisation_id=org.id)))
    name = f"statement-{org.id}-{period.start:%Y-%m}-{period.end:%Y-%m}.csv"
    return csv_response(_header(CSV_HEADER), rows, name)


@bp.route("/organisations/<int:organisation_id>.pdf")
@login_required
def statement_document(organisation_id: int):
    org, period = _organisation(organisation_id), period_from_args()
    charges = db.session.scalars(queries.lines(period, organisation_id=org.id)).all()
    from innocore.ledger.pdf import statement_pdf  # fpdf2 loads with the first PDF

    data = statement_pdf(org, period, charges, queries.totals(period, organisation_id=org.id))
    name = f"statement-{org.id}-{period.start:%Y-%m}-{period.end:%Y-%m}.pdf"
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


@bp.route("/company")
@require(lambda u: u.is_company_admin, N_("Only company administrators see this page."))
def company():
    return redirect(
        url_for("charges.statement", organisation_id=current_user.organisation_id, **request.args)
    )


@bp.route("/mine")
@login_required
def mine():
    period = period_from_args()
    page = db.paginate(
        queries.lines(period, user_id=current_user.id), per_page=PER_PAGE, error_out=False
    )
    return render_template(
        "charges/mine.html",
        page=page,
        period=period,
        args=_args(period),
        totals=queries.totals(period, user_id=current_user.id),
    )


def _managed_facility(facility_id: int):
    """The facility whose revenue the current user may see: 404 when there is none, 403 for
    anyone but its managers (and network admins)."""
    facility = get_facility(facility_id)
    if not can_manage_facility(current_user, facility):
        raise Forbidden(N_("Only the facility's managers see its revenue."))
    return facility


@bp.route("/facilities/<int:facility_id>")
@login_required
def facility_revenue(facility_id: int):
    facility = _managed_facility(facility_id)
    period, scope = period_from_args(), {"facility_id": facility.id}
    return render_template(
        "charges/facility.html",
        facility=facility,
        period=period,
        args=_args(period),
        totals=queries.totals(period, **scope),
        categories=queries.by_category(period, **scope),
        instruments=queries.by_instrument(period, **scope),
        services=queries.by_service(period, **scope),
        sources=queries.by_source(period, **scope),
        policy=services.policy_for(facility.id),
    )


def facility_lines(facility_id: int, period: queries.Period) -> sa.Select:
    """The facility's charge lines over ``period``, their organisations loaded with them."""
    return queries.lines(period, facility_id=facility_id).options(
        sa.orm.joinedload(Charge.organisation)
    )


@bp.route("/facilities/<int:facility_id>.csv")
@login_required
def facility_revenue_csv(facility_id: int):
    """The facility's charge lines over the period (``from``/``to`` months) as CSV, one row per
    charge, headers in the reader's language; its managers only."""
    facility, period = _managed_facility(facility_id), period_from_args()
    charges = db.session.scalars(facility_lines(facility.id, period))
    rows = (_facility_csv_row(c) for c in charges)
    name = f"facility-{facility.id}-charges-{period.start:%Y-%m}-{period.end:%Y-%m}.csv"
    return csv_response(_header(FACILITY_CSV_HEADER), rows, name)


@bp.route("/facilities/<int:facility_id>.pdf")
@login_required
def facility_revenue_document(facility_id: int):
    """The facility's charge lines and totals over the period as PDF; its managers only."""
    facility, period = _managed_facility(facility_id), period_from_args()
    charges = db.session.scalars(facility_lines(facility.id, period)).unique().all()
    from innocore.ledger.pdf import facility_pdf  # fpdf2 loads with the first PDF

    data = facility_pdf(facility, period, charges, queries.totals(period, facility_id=facility.id))
    name = f"facility-{facility.id}-charges-{period.start:%Y-%m}-{period.end:%Y-%m}.pdf"
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


@bp.route("/network")
@require(is_network_admin, N_("Only network administrators see the whole network."))
def network():
    period = period_from_args()
    return render_template(
        "charges/network.html",
        period=period,
        args=_args(period),
        totals=queries.totals(period),
        facilities=queries.by_facility(period),
        organisations=queries.by_organisation(period),
        categories=queries.by_category(period),
    )


class PolicyForm(FlaskForm):
    currency = StringField(_l("Currency"), validators=[DataRequired(), Length(min=3, max=3)])
    late_cancel_share = AmountField(_l("Share charged for a late cancellation (0 to 1)"), places=3)
    no_show_share = AmountField(_l("Share charged for a no-show (0 to 1)"), places=3)


@bp.route("/facilities/<int:facility_id>/policy", methods=["GET", "POST"])
@login_required
def policy(facility_id: int):
    facility = get_facility(facility_id)
    if not can_manage_facility(current_user, facility):
        raise Forbidden(N_("Only the facility's managers set its charging rules."))
    form = PolicyForm(obj=services.policy_for(facility.id))
    if form.validate_on_submit():
        ok, _saved = attempt(
            form,
            lambda: services.update_policy(
                current_user,
                facility,
                currency=form.currency.data,
                late_cancel_share=form.late_cancel_share.data,
                no_show_share=form.no_show_share.data,
            ),
        )
        if ok:
            flash(_("Charging rules saved."), "success")
            return redirect(url_for("charges.facility_revenue", facility_id=facility.id))
    return render_template("charges/policy.html", facility=facility, form=form), form_status(form)


def month_choices(today: date | None = None) -> list[str]:
    today = today or clock.now().date()
    first = date(today.year, today.month, 1)
    return [rules.add_months(first, -i).strftime("%Y-%m") for i in range(24)]
