"""Recurring bookings: a daily or weekly series (an RFC 5545 RRULE expanded in the facility's
zone), stored as one ordinary booking per occurrence, made in one transaction (all or nothing, or
skip the refused dates and list them), cancelled this / this and following / all."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from innocore.demo import register_seeder
    from innocore.status import register_words
    from instruments.series import models  # noqa: F401
    from instruments.series.api import bp as api_bp
    from instruments.series.demo import seed_series
    from instruments.series.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    register_seeder(app, seed_series)
    register_words(
        "series_preview",
        {
            "confirmed": ("Can be booked", "ok"),
            "pending": ("Can be requested (needs approval)", "warn"),
            "refused": ("Refused", "bad"),
        },
    )
