"""Competence passport: every competence a person holds, on one page and in one API document,
shareable by a revocable secret link."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def register(app: Flask) -> None:
    from innocore.demo import register_seeder
    from innocore.permissions import signed_in
    from innocore.template_helpers import register_nav
    from training.passport import models  # noqa: F401
    from training.passport.api import bp as api_bp
    from training.passport.demo import seed_passport
    from training.passport.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    register_nav(app, _l("Competence passport"), "passport.mine", signed_in, group="Learn")
    register_seeder(app, seed_passport)
