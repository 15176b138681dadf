"""Certificates: issue, renew, suspend, revoke, expire; the booking gate; verification pages."""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from innocore.clock import date_text


def _panel(user):
    """Dashboard: certificates that end within 30 days, for their holder."""
    from datetime import timedelta

    import sqlalchemy as sa
    from flask import url_for

    from innocore import clock
    from innocore.dashboard import Panel
    from innocore.extensions import db
    from training.certification.models import Certificate, CertificateStatus

    soon = db.session.scalars(
        sa.select(Certificate).where(
            Certificate.holder_id == user.id,
            Certificate.status == CertificateStatus.ACTIVE,
            Certificate.valid_until.is_not(None),
            Certificate.valid_until <= clock.now() + timedelta(days=30),
        )
    ).all()
    items = [
        (
            _(
                "%(competence_title)s ends %(date_text)s",
                competence_title=c.competence.title if c.competence else "Certificate",
                date_text=date_text(c.valid_until, c.timezone),
            ),
            url_for("certification.show", public_id=c.public_id),
        )
        for c in soon
    ]
    items.append((_("All my certificates"), url_for("certification.mine")))
    return Panel(_("Certificates"), items, order=45)


def _routes_to(competence_id: int, level: int = 1) -> list:
    """[(module, [upcoming sessions])] leading to ``competence_id`` at ``level`` (for templates)."""
    from innocore import clock
    from training.certification.queries import routes_to

    return routes_to({competence_id: level}, clock.now()).get(competence_id, [])


def register(app: Flask) -> None:
    """Blueprints, API, jobs, panel, navigation, demo data and the booking gate."""
    from innocore.dashboard import register_panel
    from innocore.demo import register_seeder
    from innocore.jobs import register_job
    from innocore.permissions import signed_in
    from innocore.template_helpers import register_competence_section, register_nav
    from training.certification import eligibility, models, services  # noqa: F401
    from training.certification.api import bp as api_bp
    from training.certification.demo import seed_certificates
    from training.certification.permissions import TEMPLATE_PREDICATES
    from training.certification.views import PublicIdConverter, bp, public

    app.url_map.converters["cert_id"] = PublicIdConverter
    _name_states()
    app.register_blueprint(bp)
    app.register_blueprint(public)
    app.register_blueprint(api_bp)
    eligibility.register(app)
    register_job(app, "certificate_expiry", services.expire_due, 900)
    register_job(app, "certificate_expiry_warnings", services.send_expiry_warnings, 3600)
    register_panel(app, _panel)
    register_nav(app, _l("My certificates"), "certification.mine", signed_in, group="Learn")
    register_competence_section(app, "certification/_routes_section.html")
    app.jinja_env.globals["training_routes_to"] = _routes_to
    register_seeder(app, seed_certificates)
    app.jinja_env.globals.update(TEMPLATE_PREDICATES)


def _name_states() -> None:
    """A certificate's states in the one status vocabulary: in force reads "Valid" everywhere."""
    from innocore.status import N_, register_words

    register_words(
        "certificate",
        {
            "active": (N_("Valid"), "ok"),
            "valid": (N_("Valid"), "ok"),
            "expired": (N_("Expired"), "bad"),
            "revoked": (N_("Revoked"), "bad"),
            "suspended": (N_("Suspended"), "warn"),
            "superseded": (N_("Superseded"), "neutral"),
            "not yet valid": (N_("Not yet valid"), "warn"),
        },
    )
    register_words(
        "credential",
        {
            "valid": (N_("Verified"), "ok"),
            "revoked": (N_("Revoked"), "bad"),
            "suspended": (N_("Suspended"), "warn"),
            "expired": (N_("Expired"), "bad"),
            "superseded": (N_("Superseded"), "neutral"),
        },
    )
