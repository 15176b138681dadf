"""Browse the audit trail: network admins see everything, managers their facilities."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import current_user

from innocore.audit import AuditEvent
from innocore.errors import Forbidden
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.permissions import can_view_audit, is_network_admin, managed_facility_ids, require

bp = Blueprint("audit", __name__, url_prefix="/audit")


def audit_query(
    user, *, facility_id: int | None, action: str | None, object_type: str | None
) -> sa.Select:
    """The audit events ``user`` may see, newest first, optionally filtered."""
    stmt = (
        sa.select(AuditEvent)
        .options(sa.orm.joinedload(AuditEvent.actor))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    if facility_id is not None:
        if not can_view_audit(user, facility_id):
            raise Forbidden("You may not see the audit trail of this facility.")
        stmt = stmt.where(AuditEvent.facility_id == facility_id)
    elif not is_network_admin(user):
        stmt = stmt.where(AuditEvent.facility_id.in_(managed_facility_ids(user)))
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action[:80]))
    if object_type:
        stmt = stmt.where(AuditEvent.object_type == object_type[:60])
    return stmt


@bp.route("/")
@require(can_view_audit, "Only network administrators and facility managers see the audit trail.")
def index():
    facility_id = request.args.get("facility", type=int)
    action = (request.args.get("action") or "").strip() or None
    stmt = audit_query(
        current_user,
        facility_id=facility_id,
        action=action,
        object_type=(request.args.get("object") or None),
    )
    page = db.paginate(stmt, per_page=50, error_out=False)
    facilities = db.session.scalars(sa.select(Facility).order_by(Facility.name)).all()
    visible = [f for f in facilities if can_view_audit(current_user, f.id)]
    return render_template(
        "audit/index.html",
        page=page,
        facilities=visible,
        facility_id=facility_id,
        action=action or "",
    )
