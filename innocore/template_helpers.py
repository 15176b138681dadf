"""Jinja filters and globals: local times, permission predicates, navigation."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_login import current_user

from innocore.clock import date_text, to_zone
from innocore.permissions import TEMPLATE_PREDICATES, can_add_competence


def local_time(
    value: datetime | None, zone: str | None = None, fmt: str = "%a %d %b %Y, %H:%M"
) -> str:
    """An instant as wall-clock time in ``zone`` (default: the signed-in user's zone), with the zone."""
    if value is None:
        return ""
    if zone is None:
        zone = current_user.timezone if getattr(current_user, "is_authenticated", False) else "UTC"
    local = to_zone(value, zone)
    return f"{local.strftime(fmt)} {local.tzname()}"


def register_nav(app: Flask, label: str, endpoint: str, predicate=None) -> None:
    """A feature package adds a main-navigation link, shown when ``predicate(user)`` holds."""
    app.extensions.setdefault("innocore.nav", []).append((label, endpoint, predicate))


def register_facility_section(app: Flask, template: str) -> None:
    """A feature package adds a section (a template given ``facility``) to the facility page."""
    app.extensions.setdefault("innocore.facility_sections", []).append(template)


def register_competence_section(app: Flask, template: str) -> None:
    """A feature package adds a section (a template given ``competence``) to the competence page."""
    app.extensions.setdefault("innocore.competence_sections", []).append(template)


def _unread_notifications() -> int:
    from flask import g

    if not getattr(current_user, "is_authenticated", False):
        return 0
    if "_unread_notifications" not in g:
        from innocore.notifications.services import unread_count

        g._unread_notifications = unread_count(current_user)
    return g._unread_notifications


def init_app(app: Flask) -> None:
    from flask import url_for

    def nav_items():
        return [
            (label, url_for(endpoint))
            for label, endpoint, pred in app.extensions.get("innocore.nav", [])
            if pred is None or pred(current_user)
        ]

    def competence_sections():
        return list(app.extensions.get("innocore.competence_sections", []))

    def facility_sections(facility):
        from types import SimpleNamespace

        return [
            SimpleNamespace(template=t)
            for t in app.extensions.get("innocore.facility_sections", [])
        ]

    app.jinja_env.globals.update(
        nav_items=nav_items,
        facility_sections=facility_sections,
        competence_sections=competence_sections,
        may_add_competence=can_add_competence,
    )
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["local_date"] = date_text
    app.jinja_env.globals.update(TEMPLATE_PREDICATES)
    app.jinja_env.globals["network_name"] = lambda: app.config["NETWORK_NAME"]
    from innocore.facilities.services import facility_timezone

    app.jinja_env.globals["facility_timezone"] = facility_timezone
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    # Called by the page layout only, and counted once per request: e-mails rendered during a
    # request never pay for it.
    app.jinja_env.globals["unread_notifications"] = _unread_notifications
