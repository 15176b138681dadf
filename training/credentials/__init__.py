"""Verifiable credentials: Open Badges 3.0 on VC 2.0, signed with eddsa-rdfc-2022."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Public documents (issuer keys, status lists, context), the verify API and CLI, the job."""
    from innocore.jobs import register_job
    from training.credentials.api import bp as api_bp
    from training.credentials.cli import register_cli
    from training.credentials.services import refresh_status_lists
    from training.credentials.views import bp, holder

    app.register_blueprint(bp)
    app.register_blueprint(holder)
    app.register_blueprint(api_bp)
    register_cli(app)
    register_job(app, "credential_status_lists", refresh_status_lists, 300)
