"""Jinja filters and globals: local times, permission predicates, navigation."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from innocore.clock import date_text, reader_locale, to_zone, wall_text
from innocore.permissions import TEMPLATE_PREDICATES, can_add_competence
from innocore.status import action_label, status_badge, status_label


def local_time(
    value: datetime | None, zone: str | None = None, fmt: str = "%a %d %b %Y, %H:%M"
) -> str:
    """An instant as wall-clock time in ``zone`` (default: the signed-in user's zone), with the zone."""
    if value is None:
        return ""
    if zone is None:
        zone = current_user.timezone if getattr(current_user, "is_authenticated", False) else "UTC"
    local = to_zone(value, zone)
    return f"{wall_text(local, fmt)} {local.tzname()}"


# The main menus, in the order the navigation shows them. A link registered without a group (or
# with an unknown one) goes to the last menu, "More", shown only when it holds a link.
NAV_GROUPS = ("Book", "Learn", "Manage", "Company", "Network")
MORE = "More"
# What the menus read in the reader's language (the group names above stay as ids).
NAV_GROUP_LABELS = {
    "Book": _l("Book"),
    "Learn": _l("Learn"),
    "Manage": _l("Manage"),
    "Company": _l("Company"),
    "Network": _l("Network"),
    "More": _l("More"),
}


def nav_group_label(group: str) -> str:
    """The menu title of ``group`` in the reader's language."""
    return str(NAV_GROUP_LABELS.get(group, group))


CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF"}


def money(amount, currency: str | None = "EUR") -> str:
    """An amount with its currency, two decimals and thin grouping: ``€1,234.50``; ``CHF 12.00``.

    ``amount`` is a ``Decimal``, number or numeric string (``None`` shows as an empty string);
    ``currency`` an ISO 4217 code (EUR when not given). A code without a symbol prints before.
    """
    if amount is None or amount == "":
        return ""
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    code = (currency or "EUR").upper()
    sign = "−" if value < 0 else ""
    locale = reader_locale()
    if locale == "en":
        figure = f"{abs(value):,.2f}"
        symbol = CURRENCY_SYMBOLS.get(code)
        if symbol and len(symbol) == 1:
            return f"{sign}{symbol}{figure}"
        return f"{sign}{code} {figure}"
    from babel.numbers import format_currency

    # CLDR places the symbol and separators for the language (it: "1.234,50 €").
    return sign + format_currency(abs(value), code, locale=locale)


def quantity_text(quantity, unit: str | None) -> str:
    """A charge's or quote line's quantity with its unit, counted in the reader's language:
    ``(Decimal("2.00"), "hour")`` -> "2 hours" / "2 ore" / "2 hodiny" (CLDR units); the
    platform's own units (``no-show``, ``enrolment``, ``quote``, ``sample``, ``project``) are
    counted sentences; a unit someone typed (a quote line's) follows the figure as typed.
    Figures use the language's decimal comma."""
    from decimal import Decimal, InvalidOperation

    from babel.numbers import format_decimal
    from babel.units import format_unit
    from flask_babel import ngettext

    try:
        value = Decimal(str(quantity))
    except InvalidOperation:
        return f"{quantity} {unit or ''}".strip()
    if value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    locale = reader_locale()
    figure = format_decimal(value, locale=locale)
    n = int(value) if value == value.to_integral_value() else 2  # a fraction reads as plural
    if unit == "hour":
        return format_unit(value, "duration-hour", length="long", locale=locale)
    counted = {
        "no-show": lambda: ngettext("%(figure)s no-show", "%(figure)s no-shows", n, figure=figure),
        "enrolment": lambda: ngettext(
            "%(figure)s enrolment", "%(figure)s enrolments", n, figure=figure
        ),
        "quote": lambda: ngettext("%(figure)s quote", "%(figure)s quotes", n, figure=figure),
        "sample": lambda: ngettext("%(figure)s sample", "%(figure)s samples", n, figure=figure),
        "project": lambda: ngettext("%(figure)s project", "%(figure)s projects", n, figure=figure),
    }
    if unit in counted:
        return counted[unit]()
    return f"{figure} {unit or ''}".strip()


def register_company_page(app: Flask, label: str, endpoint: str) -> None:
    """A feature package lists one of its company-activity pages on the company page
    (``innocore.membership.company_views``); the kernel never imports the feature package."""
    app.extensions.setdefault("innocore.company_pages", []).append((label, endpoint))


def company_pages(app: Flask) -> list[tuple[str, str]]:
    """The registered company-activity pages as (label, endpoint), in registration order."""
    return app.extensions.get("innocore.company_pages", [])


def register_nav(
    app: Flask, label: str, endpoint: str, predicate=None, group: str | None = None
) -> None:
    """A feature package adds a main-navigation link, shown when ``predicate(user)`` holds.

    ``group`` is one of ``NAV_GROUPS`` (Book, Learn, Manage, Company, Network); without one the
    link goes to the "More" menu. Links keep their registration order inside a menu.
    """
    entry = (label, endpoint, predicate, group if group in NAV_GROUPS else MORE)
    app.extensions.setdefault("innocore.nav", []).append(entry)


def _entries(app: Flask) -> list[tuple]:
    """Registered links as (label, endpoint, predicate, group), older 3-tuples read as "More"."""
    return [e if len(e) == 4 else (*e, MORE) for e in app.extensions.get("innocore.nav", [])]


def nav_menus(app: Flask, user) -> list[tuple[str, list[tuple[str, str]]]]:
    """The menus ``user`` sees: ``[(group, [(label, url), ...]), ...]``, empty menus left out."""
    from flask import url_for

    menus: dict[str, list] = {g: [] for g in (*NAV_GROUPS, MORE)}
    for label, endpoint, pred, group in _entries(app):
        if pred is None or pred(user):
            menus[group].append((label, url_for(endpoint)))
    return [(group, links) for group, links in menus.items() if links]


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


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def _register_kernel_nav(app: Flask) -> None:
    """The kernel's own links; feature packages add theirs from ``register(app)``."""
    from innocore.permissions import can_view_audit, is_company_admin, is_network_admin

    # The kernel's links come first in their menus, before those packages registered already.
    registered = app.extensions.get("innocore.nav", [])
    app.extensions["innocore.nav"] = []

    register_nav(app, _l("People"), "companies.index", is_company_admin, group="Company")
    register_nav(app, _l("Facilities"), "facilities.directory", group="Network")
    register_nav(app, _l("Research groups"), "groups.index", _signed_in, group="Network")
    register_nav(app, _l("Billing accounts"), "account_statement.index", _signed_in, group="Book")
    register_nav(app, _l("Competences"), "competences.index", group="Network")
    register_nav(
        app,
        _l("Audit trail"),
        "audit.index",
        lambda u: _signed_in(u) and can_view_audit(u),
        group="Manage",
    )
    register_nav(
        app,
        _l("New facility"),
        "facilities.create",
        lambda u: _signed_in(u) and is_network_admin(u),
        group="Network",
    )
    app.extensions["innocore.nav"].extend(registered)


def init_app(app: Flask) -> None:
    from flask import url_for

    def nav_items():
        return [
            (label, url_for(endpoint))
            for label, endpoint, pred, _ in _entries(app)
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

    _register_kernel_nav(app)
    app.jinja_env.globals.update(
        nav_items=nav_items,
        nav_menus=lambda: nav_menus(app, current_user),
        facility_sections=facility_sections,
        competence_sections=competence_sections,
        may_add_competence=can_add_competence,
    )
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["money"] = money
    app.jinja_env.globals["quantity_text"] = quantity_text
    app.jinja_env.filters["wall"] = wall_text  # a wall-clock date/time in the reader's language
    app.jinja_env.globals["status_badge"] = status_badge
    app.jinja_env.globals["status_label"] = status_label  # a status's word inside a sentence
    app.jinja_env.filters["status_label"] = status_label  # the same, for |map('status_label')
    app.jinja_env.globals["action_label"] = action_label  # a history/audit action's words
    app.jinja_env.globals["nav_group_label"] = nav_group_label
    app.jinja_env.filters["local_date"] = date_text
    app.jinja_env.globals.update(TEMPLATE_PREDICATES)
    app.jinja_env.globals["network_name"] = lambda: app.config["NETWORK_NAME"]
    from innocore.facilities.services import facility_timezone

    app.jinja_env.globals["facility_timezone"] = facility_timezone
    from innocore.forms import unshown_problems

    app.jinja_env.globals["unshown_problems"] = unshown_problems
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    # Called by the page layout only, and counted once per request: e-mails rendered during a
    # request never pay for it.
    app.jinja_env.globals["unread_notifications"] = _unread_notifications
