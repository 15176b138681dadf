"""Mentoring: mentors (facility staff, company experts, senior researchers) with expertise and
capacity; learners ask; the pair records meetings and goals; the mentor sees the mentee's path
progress with the mentee's consent."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def register(app: Flask) -> None:
    from innocore.demo import register_seeder
    from innocore.permissions import signed_in
    from innocore.template_helpers import register_nav
    from training.mentoring import models  # noqa: F401
    from training.mentoring.api import bp as api_bp
    from training.mentoring.demo import seed_mentoring
    from training.mentoring.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    register_nav(app, _l("Mentoring"), "mentoring.index", signed_in, group="Learn")
    register_seeder(app, seed_mentoring)
