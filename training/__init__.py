"""Learning and recognition: training modules, sessions, enrolment, certificates and paths.

The kernel (``innocore``) knows nothing of this package; ``innocore.create_app`` calls ``register``.
"""

from flask import Blueprint, Flask

bp = Blueprint("training", __name__, url_prefix="/training", template_folder="templates")


def register(app: Flask) -> None:
    """Wire this package into the app: models, blueprints, jobs, panels, navigation, demo data."""
    from training import models  # noqa: F401  (register the tables)

    app.register_blueprint(bp)
