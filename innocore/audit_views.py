"""Browse the audit trail: network admins see everything, managers their facilities."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import current_user

from innocore import audit_text
from innocore.accounts.models import User
from innocore.audit import AuditEvent
from innocore.errors import Forbidden
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.marks import N_
from innocore.permissions import can_view_audit, is_network_admin, managed_facility_ids, require
from innocore.status import action_label
from innocore.template_helpers import local_time

bp = Blueprint("audit", __name__, url_prefix="/audit")


def audit_query(
    user,
    *,
    facility_id: int | None,
    action: str | None,
    object_type: str | None,
    who: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> sa.Select:
    """The audit events ``user`` may see, newest first, optionally filtered: by facility, action
    prefix, object type, who acted (part of a name or e-mail) and when (``[since, until)``, UTC)."""
    stmt = (
        sa.select(AuditEvent)
        .options(sa.orm.joinedload(AuditEvent.actor))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    if facility_id is not None:
        if not can_view_audit(user, facility_id):
            raise Forbidden(N_("You may not see the audit trail of this facility."))
        stmt = stmt.where(AuditEvent.facility_id == facility_id)
    elif not is_network_admin(user):
        stmt = stmt.where(AuditEvent.facility_id.in_(managed_facility_ids(user)))
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action[:80]))
    if object_type:
        stmt = stmt.where(AuditEvent.object_type == object_type[:60])
    if who:
        pattern = f"%{who[:80].lower()}%"
        actors = sa.select(User.id).where(
            sa.or_(sa.func.lower(User.name).like(pattern), sa.func.lower(User.email).like(pattern))
        )
        stmt = stmt.where(AuditEvent.actor_id.in_(actors))
    if since is not None:
        stmt = stmt.where(AuditEvent.occurred_at >= since)
    if until is not None:
        stmt = stmt.where(AuditEvent.occurred_at < until)
    return stmt


@bp.route("/")
@require(
    can_view_audit, N_("Only network administrators and facility managers see the audit trail.")
)
def index():
    f = _filters()
    stmt = audit_query(
        current_user,
        facility_id=f["facility"],
        action=f["action"] or None,
        object_type=f["object"] or None,
        who=f["who"] or None,
        since=f["since"],
        until=f["until"],
    )
    page = db.paginate(stmt, per_page=50, error_out=False)
    facilities = db.session.scalars(sa.select(Facility).order_by(Facility.name)).all()
    visible = [x for x in facilities if can_view_audit(current_user, x.id)]
    columns, names = audit_text.columns_map(), audit_text.lookup_names(page.items)
    zone = current_user.timezone
    rows = [
        (
            e,
            action_label(e.action),
            audit_text.readable(e.changes, names, columns, zone, local_time),
        )
        for e in page.items
    ]
    kinds = db.session.scalars(
        sa.select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type)
    ).all()
    args = {
        k: (v.isoformat() if isinstance(v, date) else v) for k, v in f.items() if k in ARGS and v
    }
    return render_template(
        "audit/index.html",
        page=page,
        rows=rows,
        facilities=visible,
        kinds=kinds,
        f=f,
        args=args,
        zone=zone,
    )


ARGS = ("facility", "action", "object", "who", "from", "to")


def _filters() -> dict:
    """The filters of the page from its query string; dates are the signed-in person's days."""
    zone = ZoneInfo(current_user.timezone)
    day_from = _day(request.args.get("from"))
    day_to = _day(request.args.get("to"))
    return {
        "facility": request.args.get("facility", type=int),
        "action": (request.args.get("action") or "").strip()[:80],
        "object": (request.args.get("object") or "").strip()[:60],
        "who": (request.args.get("who") or "").strip()[:80],
        "from": day_from,
        "to": day_to,
        "since": datetime.combine(day_from, time(), zone).astimezone(UTC) if day_from else None,
        "until": datetime.combine(day_to + timedelta(days=1), time(), zone).astimezone(UTC)
        if day_to
        else None,
    }


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip()) if text else None
    except ValueError:
        return None
