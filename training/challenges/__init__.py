"""Industry challenges: companies and facilities pose real cases, reviewed before publication;
student and postdoc teams apply; the posting side selects; the team works in a workspace; the
outcome becomes a certificate for a challenge-based learning module that counts toward paths."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def register(app: Flask) -> None:
    from innocore.demo import register_seeder
    from innocore.permissions import signed_in
    from innocore.template_helpers import register_nav
    from training.challenges import models  # noqa: F401
    from training.challenges.api import bp as api_bp
    from training.challenges.demo import seed_challenges
    from training.challenges.permissions import TEMPLATE_PREDICATES
    from training.challenges.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    register_nav(app, _l("Challenges"), "challenges.board", signed_in, group="Learn")
    register_seeder(app, seed_challenges)
    app.jinja_env.globals.update(TEMPLATE_PREDICATES)
    from innocore.ledger.accounts import register_charge_context
    from training.challenges.services import challenge_accounts_for

    register_charge_context("challenge", challenge_accounts_for)
