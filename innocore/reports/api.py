"""Reports through /api/v1: the same scopes, filters and permissions as the pages; ``format=csv``
or ``xlsx`` answers with the same files as the pages' downloads."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from innocore.api.core import Q, api_blueprint, operation, signed_in
from innocore.clock import api_time
from innocore.reports.core import Scope, build, section_json
from innocore.reports.export import download
from innocore.reports.views import (
    can_see_network_report,
    company_or_404,
    facility_or_404,
    network_scope,
    scope_for,
)

bp = api_blueprint("reports_api", __name__)
TAGS = ["reports"]
PERIOD = {
    "from": Q("first day, local date (default: twelve months before 'to')", "date"),
    "to": Q("last day, local date, included (default: today)", "date"),
    "format": Q("json (default), csv or xlsx", enum=("json", "csv", "xlsx")),
}


def _english(make) -> str:
    """A label of the JSON answer in English whatever the reader's language (month names
    included): programs read it the same for everyone."""
    from flask_babel import force_locale

    with force_locale("en"):
        return str(make())


def _answer(title: str, scope: Scope, stem: str):
    sections = build(scope)
    fmt = request.args.get("format", "json")
    if fmt != "json":
        return download(title, scope, sections, fmt, stem)
    return {
        "title": title,
        "period": {
            "from": api_time(scope.start_on),
            "to": api_time(scope.end_on),
            "zone": scope.zone,
            "label": _english(lambda: scope.period_label),
        },
        "sections": [section_json(s) for s in sections],
    }


@operation(
    bp,
    "/reports/facilities/<int:facility_id>",
    "GET",
    tags=TAGS,
    query=PERIOD,
    summary="A facility's report: utilisation, no-shows, downtime, training, service "
    "requests, revenue (its managers and network admins)",
)
def facility_report(facility_id: int):
    fac = facility_or_404(facility_id)
    scope = scope_for("facility", fac.timezone, request.args, facility_id=fac.id)
    return _answer(f"Facility report: {fac.name}", scope, f"report-{fac.slug}")


@operation(
    bp,
    "/reports/network",
    "GET",
    tags=TAGS,
    query=PERIOD | {"facility": Q("only this facility", "integer")},
    summary="The network report: each facility side by side and the knowledge-transfer "
    "indicators (network admins)",
    permission=lambda user: can_see_network_report(user),
)
def network_report():
    scope, _ = network_scope(request.args)
    return _answer("Network report", scope, "report-network")


@operation(
    bp,
    "/reports/me",
    "GET",
    tags=TAGS,
    query=PERIOD,
    permission=signed_in,
    summary="My usage and spending",
)
def my_report():
    scope = scope_for("person", current_user.timezone, request.args, user_id=current_user.id)
    return _answer("My usage and spending", scope, "report-mine")


@operation(
    bp,
    "/reports/companies/<int:organisation_id>",
    "GET",
    tags=TAGS,
    query=PERIOD,
    summary="A company's spending and its people's training and certificates (its "
    "company administrators and network admins)",
)
def company_report(organisation_id: int):
    org = company_or_404(organisation_id)
    scope = scope_for("company", current_user.timezone, request.args, organisation_id=org.id)
    return _answer(f"Company report: {org.name}", scope, f"report-company-{org.id}")
