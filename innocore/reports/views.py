"""Report pages: a facility's, the network's, a person's own and a company's, each with date and
facility filters, inline SVG charts with their data tables, and CSV/XLSX downloads."""

from __future__ import annotations

import secrets

from flask import abort, current_app, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from innocore import clock
from innocore.accounts.models import Organisation
from innocore.errors import NotFound
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.forms import attempt_action
from innocore.permissions import (
    can_administer_company,
    can_manage_facility,
    is_network_admin,
    managed_facility_ids,
)
from innocore.reports import bp
from innocore.reports.charts import render
from innocore.reports.core import Scope, build, parse_dates
from innocore.reports.export import download

FORMATS = ("csv", "xlsx")


def can_see_facility_report(user, facility) -> bool:
    """A facility's report: its managers and network admins."""
    return can_manage_facility(user, facility)


def can_see_network_report(user) -> bool:
    return is_network_admin(user)


def can_see_company_report(user, organisation) -> bool:
    """A company's report: its company administrators and network admins."""
    return is_network_admin(user) or can_administer_company(user, organisation)


def facility_or_404(facility_id: int) -> Facility:
    facility = db.session.get(Facility, facility_id)
    if facility is None or not can_see_facility_report(current_user, facility):
        raise NotFound("No such report.")
    return facility


def company_or_404(organisation_id: int) -> Organisation:
    org = db.session.get(Organisation, organisation_id)
    if org is None or not can_see_company_report(current_user, org):
        raise NotFound("No such report.")
    return org


def scope_for(kind: str, zone: str, args, **ids) -> Scope:
    """The scope from ``from``/``to`` (local dates in ``zone``); raises DomainError (400)."""
    now = clock.now()
    today = clock.to_zone(now, zone).date()
    start, end = parse_dates(args.get("from"), args.get("to"), today)
    return Scope(kind, start, end, zone, now, **ids)


def page_scope(scope_of, args):
    """``scope_of(args)`` for a report page. Bad ``from``/``to`` (a DomainError, 400) show as
    errors on the page's filter form over the default period instead of a bare error page;
    a download (``format``) with them is still refused (400).
    Returns ``(scope_of's result, problems)``."""
    scope, err = attempt_action(lambda: scope_of(args))
    if err is None:
        return scope, []
    if err.status != 400 or args.get("format"):
        raise err
    kept = {k: v for k, v in args.items(multi=True) if k not in ("from", "to")}
    return scope_of(MultiDict(kept)), err.problems


def network_scope(args) -> tuple[Scope, Facility | None]:
    """The network scope; with ``facility`` it is narrowed to that facility (read in its zone)."""
    raw = args.get("facility") or ""
    facility = None
    if raw:
        facility = db.session.get(Facility, int(raw)) if raw.isdigit() and len(raw) < 10 else None
        if facility is None:
            raise NotFound("No such facility.")
    zone = facility.timezone if facility else current_app.config["NETWORK_TIMEZONE"]
    return scope_for("network", zone, args, facility_id=facility.id if facility else None), facility


def csp_with_nonce(response, nonce: str):
    """The app's policy, admitting the charts' ``<style>`` elements by nonce only."""
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; img-src 'self' data:; style-src 'self' 'nonce-{nonce}'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'"
    )
    return response


def respond(title: str, scope: Scope, stem: str, filter_errors=(), **context):
    """The report page, or its CSV/XLSX download when ``format`` asks for one; with
    ``filter_errors`` (Problems about ``from``/``to``) the page shows them at its filter form,
    with what was typed, and answers 400."""
    sections = build(scope)
    fmt = request.args.get("format", "")
    if fmt in FORMATS:
        return download(title, scope, sections, fmt, stem)
    if fmt:
        abort(400)
    nonce = secrets.token_urlsafe(12)
    svgs = [[render(c, nonce) for c in s.charts] for s in sections]
    html = render_template(
        "reports/report.html",
        title=title,
        scope=scope,
        sections=sections,
        svgs=svgs,
        downloads=_download_links(scope),
        filter_errors={p.field: p.message for p in filter_errors},
        **context,
    )
    return csp_with_nonce(current_app.make_response((html, 400 if filter_errors else 200)), nonce)


def _download_links(scope: Scope) -> dict[str, str]:
    args = {k: v for k, v in request.args.items() if k in ("from", "to", "facility")}
    args |= {"from": scope.start_on.isoformat(), "to": scope.end_on.isoformat()}
    return {
        fmt: url_for(request.endpoint, **(request.view_args or {}), **args, format=fmt)
        for fmt in FORMATS
    }


@bp.route("/")
@login_required
def index():
    if is_network_admin(current_user):
        facilities = db.session.scalars(sa_select_facilities()).all()
    else:
        ids = managed_facility_ids(current_user)
        facilities = db.session.scalars(sa_select_facilities(ids)).all() if ids else []
    company = current_user.organisation if current_user.is_company_admin else None
    return render_template(
        "reports/index.html",
        facilities=facilities,
        company=company,
        network=is_network_admin(current_user),
    )


def sa_select_facilities(ids=None):
    import sqlalchemy as sa

    stmt = sa.select(Facility).order_by(Facility.name)
    return stmt.where(Facility.id.in_(ids)) if ids is not None else stmt


@bp.route("/facilities/<int:facility_id>")
@login_required
def facility(facility_id: int):
    fac = facility_or_404(facility_id)
    scope, errors = page_scope(
        lambda args: scope_for("facility", fac.timezone, args, facility_id=fac.id), request.args
    )
    return respond(
        f"Facility report: {fac.name}", scope, f"report-{fac.slug}", errors, facility=fac
    )


@bp.route("/network")
@login_required
def network():
    if not can_see_network_report(current_user):
        raise NotFound("No such report.")
    (scope, fac), errors = page_scope(network_scope, request.args)
    facilities = db.session.scalars(sa_select_facilities()).all()
    return respond(
        "Network report", scope, "report-network", errors, facility=fac, facility_choices=facilities
    )


@bp.route("/me")
@login_required
def mine():
    scope, errors = page_scope(
        lambda args: scope_for("person", current_user.timezone, args, user_id=current_user.id),
        request.args,
    )
    return respond("My usage and spending", scope, "report-mine", errors)


@bp.route("/companies/<int:organisation_id>")
@login_required
def company(organisation_id: int):
    org = company_or_404(organisation_id)
    scope, errors = page_scope(
        lambda args: scope_for("company", current_user.timezone, args, organisation_id=org.id),
        request.args,
    )
    return respond(
        f"Company report: {org.name}", scope, f"report-company-{org.id}", errors, company=org
    )
