"""Institutional sign-in (OpenID Connect), configured per organisation by network administrators.
Kernel package: pages under /sso, API under /api/v1/organisations/<id>/sso."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("sso", __name__, url_prefix="/sso", template_folder="templates")


def register(app: Flask) -> None:
    from innocore.accounts.views import register_sign_out_step
    from innocore.sso import api, views  # noqa: F401  (routes)
    from innocore.sso.services import list_connections

    app.register_blueprint(bp)
    app.register_blueprint(api.bp)
    app.jinja_env.globals["sso_connections"] = list_connections
    register_sign_out_step(app, views.sign_out_step)
