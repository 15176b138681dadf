"""Dashboard panel: requests waiting for the facility, and the user's own open requests."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from innocore.dashboard import Panel
from innocore.extensions import db
from innocore.permissions import staffed_facility_ids
from instruments.requests.models import OPEN_STATUSES, RequestStatus, ServiceRequest


def requests_panel(user) -> Panel:
    items = []
    ids = staffed_facility_ids(user)
    if ids:
        waiting = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(ServiceRequest)
            .where(
                ServiceRequest.facility_id.in_(ids),
                ServiceRequest.status.in_([RequestStatus.SUBMITTED, RequestStatus.ACCEPTED]),
            )
        )
        if waiting:
            link = url_for("requests.inbox", status=["submitted", "accepted"])
            items.append(
                (
                    ngettext(
                        "%(num)d service request waits for your facility",
                        "%(num)d service requests wait for your facility",
                        waiting,
                    ),
                    link,
                )
            )
    mine = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ServiceRequest)
        .where(ServiceRequest.requester_id == user.id, ServiceRequest.status.in_(OPEN_STATUSES))
    )
    if mine:
        items.append((_("%(mine)s of your requests are open", mine=mine), url_for("requests.mine")))
    items.append((_("Find expertise and services"), url_for("requests.directory")))
    return Panel(_("Service requests"), items, order=35)
