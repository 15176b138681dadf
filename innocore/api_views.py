"""Kernel API: root, OpenAPI document and docs page, me, tokens, notifications, organisations, audit."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, jsonify, render_template, request, send_from_directory, url_for
from flask_login import current_user
from swagger_ui_bundle import swagger_ui_path

from innocore import api_schemas as schemas
from innocore.accounts import tokens
from innocore.accounts.models import Organisation
from innocore.accounts.services import set_kiosk_pin, update_profile
from innocore.api.core import (
    Q,
    api_blueprint,
    enum_values,
    openapi_document,
    operation,
    paginated,
    signed_in,
)
from innocore.audit import changes_for_api
from innocore.audit_views import audit_query
from innocore.clock import api_time, is_valid_timezone
from innocore.errors import DomainError, Forbidden, Problem
from innocore.extensions import db
from innocore.marks import N_, T_
from innocore.notifications import services as notes
from innocore.notifications.models import Notification
from innocore.permissions import can_view_audit, facility_roles
from innocore.vocab import OrganisationKind

bp = api_blueprint("api", __name__)


def me_json(user) -> dict:
    roles = {str(fid): sorted(r.value for r in rs) for fid, rs in facility_roles(user).items()}
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "organisation": schemas.organisation_json(user.organisation),
        "timezone": user.timezone,
        "locale": user.locale.value,
        "position": user.position.value if user.position else None,
        "is_network_admin": user.is_network_admin,
        "is_company_admin": user.is_company_admin,
        "facility_roles": roles,
        "has_kiosk_pin": user.kiosk_pin_hash is not None,
    }


def token_json(token, raw: str | None = None) -> dict:
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.display_prefix,
        "created_at": api_time(token.created_at),
        "last_used_at": api_time(token.last_used_at),
        "revoked_at": api_time(token.revoked_at),
        "token": raw,
    }


def notification_json(note: Notification) -> dict:
    return {
        "id": note.id,
        "subject": note.subject,
        "body": note.body_text,
        "link": note.link,
        "created_at": api_time(note.created_at),
        "read_at": api_time(note.read_at),
        "delivery": note.status.value,
        "kind": note.kind,
    }


def preferences_json(prefs) -> list[dict]:
    return [
        {
            "kind": k.code,
            "label": k.label,
            "description": k.description,
            "mandatory": k.mandatory,
            "email": on,
        }
        for k, on in prefs
    ]


@operation(
    bp, "/", "GET", summary="API root: links to the main collections", tags=["meta"], public=True
)
def root():
    return {
        "name": "InnoCore API",
        "version": 1,
        "openapi": url_for("api.openapi_json"),
        "docs": url_for("api.docs"),
        "me": url_for("api.me"),
    }


@operation(
    bp,
    "/openapi.json",
    "GET",
    summary="This API as an OpenAPI 3.1 document",
    tags=["meta"],
    public=True,
)
def openapi_json():
    return jsonify(openapi_document(current_app))


@bp.route("/docs")
def docs():
    return render_template("api/docs.html")


@bp.route("/docs/assets/<path:filename>")
def docs_assets(filename: str):
    if not filename.endswith((".js", ".css", ".png")):
        return jsonify(
            {"errors": [{"code": "not_found", "message": "No such file.", "field": None}]}
        ), 404
    return send_from_directory(swagger_ui_path, filename, max_age=86400)


@operation(bp, "/me", "GET", summary="The signed-in user", tags=["account"], response=schemas.MeOut)
def me():
    return me_json(current_user)


@operation(
    bp,
    "/me",
    "PATCH",
    summary="Change my name, time zone, language or position",
    tags=["account"],
    body=schemas.ProfileIn,
    response=schemas.MeOut,
    permission=signed_in,
)
def update_me(body: schemas.ProfileIn):
    if body.timezone is not None and not is_valid_timezone(body.timezone):
        raise DomainError(
            Problem(
                "invalid_timezone",
                T_(
                    "'%(timezone)s' is not a known time zone; use one like Europe/Rome.",
                    timezone=body.timezone,
                ),
                "timezone",
            )
        )
    update_profile(
        current_user,
        name=body.name or current_user.name,
        timezone=body.timezone or current_user.timezone,
        locale=body.locale or current_user.locale,
        **({"position": body.position} if "position" in body.model_fields_set else {}),
    )
    db.session.commit()
    return me_json(current_user)


@operation(
    bp,
    "/me/kiosk-pin",
    "PUT",
    summary="Set (or, empty, remove) my kiosk PIN, typed at a facility kiosk tablet",
    tags=["account"],
    body=schemas.KioskPinIn,
    response=schemas.MeOut,
    permission=signed_in,
)
def set_my_kiosk_pin(body: schemas.KioskPinIn):
    set_kiosk_pin(current_user, body.pin)
    db.session.commit()
    return me_json(current_user)


@operation(
    bp,
    "/me/tokens",
    "GET",
    summary="My personal access tokens",
    tags=["account"],
    response=schemas.TokenOut,
    listed=True,
)
def list_my_tokens():
    return [token_json(t) for t in tokens.list_tokens(current_user)]


@operation(
    bp,
    "/me/tokens",
    "POST",
    summary="Create a personal access token (secret shown once)",
    tags=["account"],
    body=schemas.TokenIn,
    response=schemas.TokenOut,
    status=201,
    permission=signed_in,
)
def create_my_token(body: schemas.TokenIn):
    token, raw = tokens.create_token(current_user, body.name)
    db.session.commit()
    return token_json(token, raw), 201


@operation(
    bp,
    "/me/tokens/<int:token_id>",
    "DELETE",
    summary="Revoke one of my tokens",
    tags=["account"],
    response=schemas.TokenOut,
)
def revoke_my_token(token_id: int):
    token = tokens.revoke_token(current_user, token_id)
    db.session.commit()
    return token_json(token)


@operation(
    bp,
    "/me/notifications",
    "GET",
    summary="My notifications, newest first",
    tags=["account"],
    response=schemas.NotificationOut,
    paginated=True,
    query={"unread": Q("1 for unread only", enum=("0", "1"))},
)
def my_notifications():
    stmt = (
        sa.select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    if request.args.get("unread") == "1":
        stmt = stmt.where(Notification.read_at.is_(None))
    return paginated(stmt, notification_json)


@operation(
    bp,
    "/me/notifications/<int:note_id>/read",
    "POST",
    summary="Mark a notification read",
    tags=["account"],
)
def read_notification(note_id: int):
    notes.mark_read(current_user, note_id)
    db.session.commit()
    return {"read": True}


@operation(
    bp,
    "/me/notification-preferences",
    "GET",
    summary="Which kinds of e-mail I receive (mandatory kinds are always sent)",
    tags=["account"],
    response=schemas.NotificationPreferenceOut,
    listed=True,
    permission=signed_in,
)
def my_notification_preferences():
    return preferences_json(notes.preferences(current_user))


@operation(
    bp,
    "/me/notification-preferences",
    "PUT",
    summary="Choose which optional kinds of e-mail I receive",
    description="Messages of a kind turned off stay in my notifications, marked "
    "`delivery: skipped`, and are not e-mailed. Security and changes by staff cannot be "
    "turned off (422 `mandatory_kind`).",
    tags=["account"],
    body=schemas.NotificationPreferencesIn,
    response=schemas.NotificationPreferenceOut,
    listed=True,
    permission=signed_in,
)
def set_my_notification_preferences(body: schemas.NotificationPreferencesIn):
    prefs = notes.set_preferences(current_user, current_user, body.email)
    db.session.commit()
    return preferences_json(prefs)


@operation(
    bp,
    "/organisations",
    "GET",
    summary="Organisations of the network",
    tags=["directory"],
    response=schemas.OrganisationOut,
    paginated=True,
    query={
        "kind": Q("kind of organisation", enum=enum_values(OrganisationKind)),
        "q": "name contains",
    },
)
def organisations():
    stmt = sa.select(Organisation).order_by(Organisation.name)
    if kind := request.args.get("kind"):
        stmt = stmt.where(Organisation.kind == kind[:32])
    if q := (request.args.get("q") or "").strip()[:100]:
        stmt = stmt.where(sa.func.lower(Organisation.name).like(f"%{q.lower()}%"))
    return paginated(stmt, schemas.organisation_json)


def _instant_arg(name: str):
    """An ISO 8601 instant query parameter (the toolkit has checked it has an offset), or None."""
    from datetime import datetime

    raw = request.args.get(name)
    return datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else None


@operation(
    bp,
    "/audit",
    "GET",
    summary="Audit trail within my scope",
    tags=["audit"],
    response=schemas.AuditOut,
    paginated=True,
    query={
        "facility": Q("facility id", "integer"),
        "action": "action prefix",
        "object": "object type",
        "who": "part of the actor's name or e-mail",
        "since": Q("events at or after this instant", "instant"),
        "until": Q("events before this instant", "instant"),
    },
)
def audit():
    if not can_view_audit(current_user):
        raise Forbidden(
            N_("Only network administrators and facility managers see the audit trail.")
        )
    stmt = audit_query(
        current_user,
        facility_id=request.args.get("facility", type=int),
        action=request.args.get("action"),
        object_type=request.args.get("object"),
        who=(request.args.get("who") or "").strip() or None,
        since=_instant_arg("since"),
        until=_instant_arg("until"),
    )
    return paginated(
        stmt,
        lambda e: {
            "id": e.id,
            "occurred_at": api_time(e.occurred_at),
            "actor_id": e.actor_id,
            "actor": e.actor.name if e.actor else None,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "facility_id": e.facility_id,
            "changes": changes_for_api(e.changes),
        },
    )
