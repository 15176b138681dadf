"""InnoCore kernel. ``create_app`` is the only place that wires the kernel and the feature packages."""

from __future__ import annotations

from flask import Flask, g, request

from innocore.config import build_config, instance_path_of


def create_app(config: dict | None = None) -> Flask:
    """Build the application; never migrates the database (``flask db upgrade`` does)."""
    app = Flask(__name__, instance_path=instance_path_of(config), instance_relative_config=True)
    app.config.update(build_config(app.instance_path, config))
    app.config["INSTANCE_PATH"] = app.instance_path

    from innocore import inputs

    inputs.init_app(app)  # before any route: ``<int:...>`` means an integer the databases hold

    from innocore import models  # noqa: F401  (register every kernel table)
    from innocore.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    from innocore import transactions

    transactions.install()  # SQLite: writers take the write lock at BEGIN and queue for it
    migrate.init_app(
        app,
        db,
        directory=app.config.get("MIGRATIONS_DIR", _migrations_dir()),
        compare_type=True,
        render_as_batch=True,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    _init_login(app, login_manager)

    from innocore.errors import register_error_handlers

    register_error_handlers(app)
    _register_blueprints(app)
    _register_templates(app)

    from innocore.cli import register_cli

    register_cli(app)
    _security_headers(app)
    return app


def _migrations_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / "migrations")


def _init_login(app: Flask, login_manager) -> None:
    from innocore.accounts.services import load_user_from_session_id
    from innocore.accounts.tokens import user_for_token

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user_from_session_id)

    @login_manager.request_loader
    def from_bearer_token(req):
        auth = req.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return None
        user = user_for_token(auth.removeprefix("Bearer ").strip())
        if user is not None:
            g.api_token_auth = True
        return user

    @login_manager.unauthorized_handler
    def unauthorised():
        from flask import flash, jsonify, redirect, url_for

        from innocore.errors import wants_json

        if wants_json():
            body = {
                "errors": [
                    {"code": "unauthorised", "message": "Sign in or send a token.", "field": None}
                ]
            }
            return jsonify(body), 401
        flash(login_manager.login_message, "info")
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def _register_blueprints(app: Flask) -> None:
    from innocore.accounts.views import bp as accounts_bp
    from innocore.api_views import bp as api_bp
    from innocore.audit_views import bp as audit_bp
    from innocore.competences.api import bp as competences_api
    from innocore.competences.views import bp as competences_bp
    from innocore.facilities.api import bp as facilities_api
    from innocore.facilities.views import bp as facilities_bp
    from innocore.ledger import register as register_ledger
    from innocore.membership.company_api import bp as companies_api
    from innocore.membership.company_views import bp as companies_bp
    from innocore.reports import register as register_reports
    from innocore.views import bp as core_bp
    from instruments import register as register_instruments
    from instruments.charging import register as register_booking_charges
    from instruments.mobility import register as register_mobility
    from instruments.requests import register as register_requests
    from instruments.series import register as register_series
    from training import register as register_training
    from training.certification import register as register_certification
    from training.challenges import register as register_challenges
    from training.company_views import register as register_training_company
    from training.credentials import register as register_credentials
    from training.exports import register as register_exports
    from training.fees import register as register_training_fees
    from training.mentoring import register as register_mentoring
    from training.passport import register as register_passport
    from training.paths import register as register_paths
    from training.pathways import register as register_pathways
    from training.placements import register as register_placements
    from training.recognition import register as register_recognition

    for bp in (
        core_bp,
        accounts_bp,
        facilities_bp,
        competences_bp,
        audit_bp,
        api_bp,
        facilities_api,
        competences_api,
        companies_bp,
        companies_api,
    ):
        app.register_blueprint(bp)
    register_reports(app)
    from innocore.sso import register as register_sso

    register_sso(app)
    from innocore.membership.membership_api import bp as membership_api
    from innocore.membership.membership_views import init_app as init_membership

    app.register_blueprint(membership_api)
    init_membership(app)
    from innocore.ledger.account_views import bp as accounts_bp
    from innocore.ledger.accounts import chargeable_accounts
    from innocore.membership.group_api import bp as groups_api
    from innocore.membership.group_views import bp as groups_bp

    for bp in (groups_api, groups_bp, accounts_bp):
        app.register_blueprint(bp)
    app.jinja_env.globals["chargeable_accounts"] = chargeable_accounts
    register_instruments(app)
    register_requests(app)
    register_ledger(app)
    register_booking_charges(app)
    register_mobility(app)
    register_series(app)
    register_training(app)
    register_training_company(app)
    register_training_fees(app)
    register_certification(app)
    register_credentials(app)
    register_paths(app)
    register_recognition(app)
    register_passport(app)
    register_exports(app)
    register_challenges(app)
    register_placements(app)
    register_mentoring(app)
    register_pathways(app)


def _register_templates(app: Flask) -> None:
    from innocore import confirm, template_helpers

    template_helpers.init_app(app)
    confirm.init_app(app)


def _security_headers(app: Flask) -> None:
    @app.after_request
    def headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        return response
