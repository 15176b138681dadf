"""Learning and recognition: training modules, sessions, enrolment, certificates and paths.

The kernel (``innocore``) knows nothing of this package; ``innocore.create_app`` calls ``register``.
"""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("training", __name__, url_prefix="/training", template_folder="templates")


def register(app: Flask) -> None:
    """Wire this package into the app: models, pages, API, jobs, panels, navigation, demo data."""
    from innocore.dashboard import register_panel
    from innocore.demo import register_seeder
    from innocore.permissions import is_company_admin, signed_in
    from innocore.template_helpers import register_facility_section, register_nav
    from training import feeds, jobs, models, staff_views, views  # noqa: F401  (tables and routes)
    from training.api import bp as api_bp
    from training.demo import seed_training
    from training.manage_api import bp as manage_api_bp
    from training.panels import training_panel
    from training.permissions import TEMPLATE_PREDICATES, may_teach_anywhere

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(manage_api_bp)
    jobs.register(app)
    _register_certificate_hooks(app)
    _name_actions()
    register_panel(app, training_panel)
    _name_audit_ids(app)
    register_nav(app, _l("Training catalog"), "training.catalog", group="Learn")
    register_nav(app, _l("My training"), "training.my_training", signed_in, group="Learn")
    register_nav(app, _l("Teaching"), "training.teaching", may_teach_anywhere, group="Manage")
    register_nav(
        app,
        _l("Training enrolments"),
        "training_company.enrolments",
        is_company_admin,
        group="Company",
    )
    register_facility_section(app, "training/_facility_section.html")
    register_seeder(app, seed_training)
    from training.reports import register as register_reports

    register_reports(app)
    for name, fn in TEMPLATE_PREDICATES.items():
        app.jinja_env.globals.setdefault(name, fn)


def _name_actions() -> None:
    """Words for the actions of a certificate's history (its audit events), the same on the
    certificate page and in the audit trail (``innocore.status.action_label``)."""
    from innocore.marks import N_
    from innocore.status import register_actions

    register_actions(
        "",
        {
            "certificate.issued": N_("Issued"),
            "certificate.suspend": N_("Suspended"),
            "certificate.reinstate": N_("Reinstated"),
            "certificate.revoke": N_("Revoked"),
            "certificate.expired": N_("Expired"),
            "certificate.sharing": N_("Sharing changed"),
        },
    )


def _register_certificate_hooks(app: Flask) -> None:
    """When a certificate stops being valid, path awards resting on it are reviewed."""
    from training.certification.services import ENDED_HOOKS, register_ended_hook
    from training.paths.services import review_awards_after_certificate_end

    if review_awards_after_certificate_end not in app.extensions.get(ENDED_HOOKS, []):
        register_ended_hook(app, review_awards_after_certificate_end)


def _name_audit_ids(app: Flask) -> None:
    """The audit trail names training modules and certificates instead of showing their ids."""
    from innocore.audit_text import names_by, register_audit_names
    from training.certification.models import Certificate
    from training.models import TrainingModule

    register_audit_names(app, "module", ["module_id"], names_by(TrainingModule, "title"))
    register_audit_names(
        app, "certificate", ["replaces_id", "certificate_id"], names_by(Certificate, "public_id")
    )
