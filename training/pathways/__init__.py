"""Career pathways: role profiles as target competences and levels (optionally an ESCO
occupation), each person's gap with the training, challenges and placements that close it, and
anonymous talent counts for companies, who contact only people who opted in."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def register(app: Flask) -> None:
    from innocore.demo import register_seeder
    from innocore.permissions import signed_in
    from innocore.template_helpers import register_nav
    from training.pathways import models  # noqa: F401
    from training.pathways.api import bp as api_bp
    from training.pathways.demo import seed_pathways
    from training.pathways.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    register_nav(app, _l("Careers"), "pathways.index", signed_in, group="Learn")
    register_seeder(app, seed_pathways)
