"""Mobility in booking: people of another institution of the network book at the facility's
network mobility rate (between its internal and external academic rates), and the facility sees
that cross-institution use in its own list."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from innocore.demo import register_seeder
    from innocore.template_helpers import register_facility_section
    from instruments.mobility import models  # noqa: F401
    from instruments.mobility.api import bp as api_bp
    from instruments.mobility.demo import seed_mobility
    from instruments.mobility.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    register_seeder(app, seed_mobility)
    register_facility_section(app, "mobility/_facility_section.html")
