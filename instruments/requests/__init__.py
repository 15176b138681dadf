"""Requestable services, service and collaboration requests, quotes, delivery, expertise directory.

A sub-package of ``instruments``; ``innocore.create_app`` calls ``register``.
"""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("requests", __name__, url_prefix="/requests", template_folder="templates")


def register(app: Flask) -> None:
    """Wire services and requests in: models, pages, API, the quote-lapse job, panel, nav, demo."""
    from innocore.dashboard import register_panel
    from innocore.demo import register_seeder
    from innocore.jobs import register_job
    from innocore.permissions import is_company_admin
    from innocore.template_helpers import (
        register_company_page,
        register_facility_section,
        register_nav,
    )
    from instruments.requests import (  # noqa: F401  (tables, routes)
        models,
        offering_views,
        views,
        work_api,  # noqa: F401  (more operations on api_bp)
    )
    from instruments.requests.api import bp as api_bp
    from instruments.requests.demo import seed_requests
    from instruments.requests.panels import requests_panel
    from instruments.requests.permissions import TEMPLATE_PREDICATES, may_request, may_use_inbox
    from instruments.requests.services import lapse_quotes

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    app.jinja_env.globals.update(TEMPLATE_PREDICATES)
    from instruments.requests.rules import request_steps

    app.jinja_env.globals["request_steps"] = request_steps
    register_nav(app, _l("Services and expertise"), "requests.directory", group="Book")
    register_nav(app, _l("My requests"), "requests.mine", may_request, group="Book")
    register_nav(app, _l("Request inbox"), "requests.inbox", may_use_inbox, group="Manage")
    register_nav(app, _l("Requests"), "requests.company", is_company_admin, group="Company")
    register_facility_section(app, "requests/_facility_section.html")
    register_company_page(app, _l("Service requests and quotes"), "requests.company")
    register_panel(app, requests_panel)
    register_job(app, "quote_lapse", lapse_quotes, 3600)
    register_seeder(app, seed_requests)
    from instruments.requests.quote_approvals import register as register_quote_approvals

    register_quote_approvals(app)
