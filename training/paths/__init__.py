"""Qualification paths: requirement trees over modules and competences, progress, awards."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def register(app: Flask) -> None:
    from innocore.demo import register_seeder
    from innocore.jobs import register_job
    from innocore.permissions import signed_in
    from innocore.template_helpers import register_nav
    from training.paths import models, services  # noqa: F401
    from training.paths.api import bp as api_bp
    from training.paths.demo import seed_paths
    from training.paths.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    register_job(app, "path_awards", services.award_completed, 600)
    register_nav(app, _l("Qualification paths"), "paths.index", signed_in, group="Learn")
    register_seeder(app, seed_paths)
