"""The ledger: rates frozen into charges, monthly statements per organisation, revenue per facility
and for the network, and each facility's charging policy.

Bookings (``instruments.charging``), service quotes (``instruments.requests``) and training fees
(``training.fees``) all write charges here through ``services.record_charge``; the ledger imports
none of them. ``innocore.create_app`` calls ``register``.
"""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("charges", __name__, url_prefix="/charges", template_folder="templates")


def register(app: Flask) -> None:
    """Wire the ledger in: models, statement and revenue pages, API, nav, the company statement."""
    from innocore.ledger import models, views  # noqa: F401  (tables and routes)
    from innocore.ledger.api import bp as api_bp
    from innocore.permissions import is_company_admin, is_network_admin, signed_in
    from innocore.template_helpers import register_company_page, register_nav

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    app.jinja_env.globals["statement_months"] = views.month_choices
    register_nav(app, _l("My charges"), "charges.mine", signed_in, group="Book")
    register_nav(app, _l("Network revenue"), "charges.network", is_network_admin, group="Network")
    register_nav(app, _l("Statements"), "charges.company", is_company_admin, group="Company")
    register_company_page(app, _l("Statement of charges"), "charges.company")
