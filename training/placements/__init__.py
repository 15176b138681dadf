"""Placements: internships, apprenticeships, traineeships and staff-mobility stays with
applications, a learning agreement signed in the app by three parties, check-ins, and the host's
evaluation leading to a certificate (recognition of prior learning)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def register(app: Flask) -> None:
    from innocore.demo import register_seeder
    from innocore.permissions import signed_in
    from innocore.template_helpers import register_nav
    from training.placements import models  # noqa: F401
    from training.placements.api import bp as api_bp
    from training.placements.demo import seed_placements
    from training.placements.permissions import TEMPLATE_PREDICATES
    from training.placements.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    register_nav(app, _l("Placements"), "placements.index", signed_in, group="Learn")
    register_seeder(app, seed_placements)
    app.jinja_env.globals.update(TEMPLATE_PREDICATES)
