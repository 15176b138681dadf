"""Rates become charges: finished bookings, training fees and accepted quotes, with the rate frozen;
monthly statements per organisation and revenue per facility and for the network.

A sub-package of ``instruments``; ``innocore.create_app`` calls ``register``.
"""

from flask import Blueprint, Flask

bp = Blueprint("charges", __name__, url_prefix="/charges", template_folder="templates")


def register(app: Flask) -> None:
    """Wire charges in: models, pages, API, the booking-charging job, nav, company pages."""
    from innocore.accounts.company_views import register_company_page
    from innocore.jobs import register_job
    from innocore.permissions import is_network_admin
    from innocore.template_helpers import register_nav
    from instruments.charges import models, views  # noqa: F401  (tables and routes)
    from instruments.charges.api import bp as api_bp
    from instruments.charges.services import charge_finished_bookings

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    app.jinja_env.globals["statement_months"] = views.month_choices
    register_nav(app, "Network revenue", "charges.network", is_network_admin)
    register_company_page(app, "Statement of charges", "charges.company")
    register_company_page(app, "Bookings of the company's people", "charges.company_bookings")
    register_job(app, "charge_bookings", charge_finished_bookings, 900)
