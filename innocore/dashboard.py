"""Dashboard panels: each package contributes "what needs my attention" for a user.

Feature packages register panel functions from their ``register(app)``; the kernel never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from babel.lists import format_list
from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from innocore.clock import reader_locale
from innocore.extensions import db
from innocore.marks import N_
from innocore.permissions import facility_roles, is_network_admin


@dataclass
class Panel:
    title: str
    items: list[tuple[str, str | None]] = field(default_factory=list)  # (text, link)
    empty: str = N_("Nothing needs your attention.")
    order: int = 50


PanelFn = Callable[[object], Panel | None]


def register_panel(app, fn: PanelFn) -> None:
    app.extensions.setdefault("innocore.dashboard_panels", []).append(fn)


def panels_for(user) -> list[Panel]:
    fns = [_account_panel, _admin_panel, _facility_panel, _company_panel]
    fns += current_app.extensions.get("innocore.dashboard_panels", [])
    panels = [p for p in (fn(user) for fn in fns) if p is not None]
    return sorted(panels, key=lambda p: p.order)


def _account_panel(user) -> Panel:
    from innocore.notifications.services import unread_count

    unread = unread_count(user)
    items = (
        [
            (
                ngettext("%(num)d unread notification", "%(num)d unread notifications", unread),
                url_for("core.notifications"),
            )
        ]
        if unread
        else []
    )
    return Panel(_("Your account"), items, empty=_("No unread notifications."), order=90)


def _admin_panel(user) -> Panel | None:
    if not is_network_admin(user):
        return None
    from innocore.facilities.models import Facility, FacilityRole
    from innocore.notifications.models import DeliveryStatus, Notification
    from innocore.vocab import FacilityRoleKind

    failed = (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.status == DeliveryStatus.FAILED)
        )
        or 0
    )
    no_manager = db.session.scalars(
        sa.select(Facility.name).where(
            ~sa.exists().where(
                FacilityRole.facility_id == Facility.id,
                FacilityRole.role == FacilityRoleKind.MANAGER,
            )
        )
    ).all()
    items = [
        (_("%(name)s has no manager yet", name=name), url_for("facilities.directory"))
        for name in no_manager
    ]
    if failed:
        items.append(
            (
                ngettext(
                    "%(num)d e-mail could not be delivered",
                    "%(num)d e-mails could not be delivered",
                    failed,
                ),
                url_for("audit.index"),
            )
        )
    items.append((_("Open a new facility"), url_for("facilities.create")))
    return Panel(_("Network administration"), items, order=10)


def _facility_panel(user) -> Panel | None:
    roles = facility_roles(user)
    if not roles:
        return None
    from innocore.facilities.models import Facility

    facilities = db.session.scalars(
        sa.select(Facility).where(Facility.id.in_(roles)).order_by(Facility.name)
    ).all()
    items = [
        (
            _(
                "%(f_name)s: your roles are %(roles)s",
                f_name=f.name,
                roles=format_list(sorted(r.label for r in roles[f.id]), locale=reader_locale()),
            ),
            url_for("facilities.show", slug=f.slug),
        )
        for f in facilities
    ]
    return Panel(_("Your facilities"), items, order=20)


def _company_panel(user) -> Panel | None:
    if not user.is_company_admin:
        return None
    from innocore.accounts.models import User

    members = (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(User)
            .where(User.organisation_id == user.organisation_id)
        )
        or 0
    )
    # The company's pages, one click from the dashboard (the "Company" menu lists them too).
    from innocore.template_helpers import nav_menus

    links = dict(nav_menus(current_app, user)).get("Company", [])
    items = [(_("%(members)s people in your company", members=members), url_for("companies.index"))]
    items += [(label, url) for label, url in links if label != "People"]
    return Panel(f"{user.organisation.name}", items, order=30)
