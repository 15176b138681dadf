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
    from innocore.ledger.approval_views import api_bp as approvals_api_bp
    from innocore.ledger.approval_views import bp as approvals_bp
    from innocore.permissions import is_company_admin, is_network_admin, signed_in
    from innocore.template_helpers import register_company_page, register_nav

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(approvals_bp)
    app.register_blueprint(approvals_api_bp)
    app.jinja_env.globals["statement_months"] = views.month_choices
    register_nav(app, _l("My charges"), "charges.mine", signed_in, group="Book")
    register_nav(app, _l("Network revenue"), "charges.network", is_network_admin, group="Network")
    register_nav(app, _l("Statements"), "charges.company", is_company_admin, group="Company")
    register_company_page(app, _l("Statement of charges"), "charges.company")
    from innocore.marks import N_
    from innocore.status import register_words

    # A charge's wait for its account's owner (innocore.ledger.approvals), on every kind.
    register_words(
        "account_approval",
        {
            "awaiting": (N_("Awaits the account owner"), "warn"),
            "approved": (N_("Approved by the account owner"), "ok"),
            "refused": (N_("Refused by the account owner"), "bad"),
        },
    )
    register_nav(
        app,
        _l("Account approvals"),
        "account_approvals.inbox",
        may_approve_for_accounts,
        group="Manage",
    )


def may_approve_for_accounts(user) -> bool:
    """Shown the account approvals inbox: owners of billing accounts (a group's PI, a company's
    administrators) that have any account."""
    from innocore.ledger.accounts import approver_account_ids
    from innocore.permissions import signed_in

    return signed_in(user) and bool(approver_account_ids(user))
