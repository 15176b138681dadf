"""Facility catalog and scheduling: instruments, bookings, downtime, services and charges.

The kernel (``innocore``) knows nothing of this package; ``innocore.create_app`` calls ``register``.
"""

from flask import Blueprint, Flask

bp = Blueprint(
    "instruments",
    __name__,
    url_prefix="/instruments",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


def register(app: Flask) -> None:
    """Wire this package into the app: models, blueprints, jobs, panels, nav, seeder, the seam."""
    from instruments import models  # noqa: F401  (register the tables)
    from instruments.eligibility import EXTENSION_KEY, nobody_holds_anything

    app.extensions.setdefault(EXTENSION_KEY, nobody_holds_anything)
    app.register_blueprint(bp)
