"""Institutional sign-in (OpenID Connect, SAML 2.0), configured per organisation by network administrators.
Kernel package: pages under /sso, API under /api/v1/organisations/<id>/sso."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("sso", __name__, url_prefix="/sso", template_folder="templates")


def register(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from innocore.accounts.views import register_sign_out_step
    from innocore.demo import register_seeder
    from innocore.jobs import register_job
    from innocore.marks import N_
    from innocore.permissions import is_network_admin
    from innocore.sso import api, views  # noqa: F401  (routes)
    from innocore.sso.demo import seed_sso
    from innocore.sso.services import list_connections, prune_assertion_uses
    from innocore.status import register_words
    from innocore.template_helpers import register_nav

    app.register_blueprint(bp)
    app.register_blueprint(api.bp)
    app.jinja_env.globals["sso_connections"] = list_connections
    register_sign_out_step(app, views.sign_out_step)
    register_nav(app, _l("Institutional sign-in"), "sso.index", is_network_admin, group="Network")
    register_seeder(app, seed_sso)
    register_job(app, "sso_prune_assertions", prune_assertion_uses, 6 * 3600)
    register_words(
        "sso",
        {
            "on": (N_("Switched on"), "ok"),
            "off": (N_("Switched off"), "neutral"),
            "none": (N_("Not set up"), "neutral"),
        },
    )
