"""Recognition between facilities and credentials from elsewhere: equivalence declarations that
the booking gate and path progress honour, recognition requests decided by staff, the network's
trusted issuers, and imported Open Badges 3.0 credentials verified on the way in."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def register(app: Flask) -> None:
    from innocore.demo import register_seeder
    from innocore.permissions import signed_in
    from innocore.template_helpers import register_facility_section, register_nav
    from training.certification.queries import set_recognised_facts
    from training.recognition import models  # noqa: F401
    from training.recognition.api import bp as api_bp
    from training.recognition.demo import seed_recognition
    from training.recognition.permissions import TEMPLATE_PREDICATES, can_manage_trust
    from training.recognition.queries import recognised_facts
    from training.recognition.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    set_recognised_facts(app, recognised_facts)
    register_nav(app, _l("Recognition"), "recognition.mine", signed_in, group="Learn")
    register_nav(
        app, _l("Trusted issuers"), "recognition.trusted", can_manage_trust, group="Network"
    )
    register_seeder(app, seed_recognition)
    register_facility_section(app, "recognition/_facility_section.html")
    app.jinja_env.globals.update(TEMPLATE_PREDICATES)
