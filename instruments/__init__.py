"""Facility catalog and scheduling: instruments, bookings, downtime, services and charges.

The kernel (``innocore``) knows nothing of this package; ``innocore.create_app`` calls ``register``.
"""

from flask import Blueprint, Flask

bp = Blueprint("instruments", __name__, url_prefix="/instruments", template_folder="templates")


def register(app: Flask) -> None:
    """Wire this package into the app (blueprints now; models, jobs and the seam as they arrive)."""
    app.register_blueprint(bp)
