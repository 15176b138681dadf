"""Reports: the kernel's framework (scope and filters, sections, charts, CSV/XLSX) and its pages
and /api/v1 operations. Packages plug their sections in with
:func:`innocore.reports.core.register_report_section` from their own ``register(app)``.
"""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")


def register(app: Flask) -> None:
    """Wire reports in: pages, API, the navigation entry."""
    from innocore.permissions import signed_in
    from innocore.reports import views  # noqa: F401  (routes)
    from innocore.reports.api import bp as api_bp
    from innocore.template_helpers import register_nav

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    register_nav(app, _l("Reports"), "reports.index", signed_in, group="Manage")
