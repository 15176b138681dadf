"""More of training through /api/v1: edit modules, add materials, edit and cancel sessions, a
facility's training settings, my training calendar feed. Each calls its page's service."""

from __future__ import annotations

import base64
import binascii

from flask_login import current_user
from pydantic import BaseModel, Field

from innocore.api.core import api_blueprint, operation, signed_in
from innocore.errors import DomainError, Problem
from innocore.extensions import db
from innocore.facilities.services import get_facility
from innocore.links import absolute_url
from innocore.marks import N_
from innocore.permissions import can_staff_facility
from training.api import (
    ModuleIn,
    ModuleOut,
    SessionIn,
    SessionOut,
    Strict,
    module_json,
    session_json,
)
from training.feeds import revoke_feed, rotate_feed
from training.permissions import can_manage_module, can_manage_session
from training.services import planning

bp = api_blueprint("training_manage_api", __name__, "/training")
TAGS = ["training"]


def _manages_module(user, module_id: int) -> bool:
    return can_manage_module(user, planning.get_module(module_id))


def _manages_session(user, session_id: int) -> bool:
    return can_manage_session(user, planning.get_session(session_id))


@operation(
    bp,
    "/modules/<int:module_id>",
    "PUT",
    summary="Edit a training module (its owner stays)",
    tags=TAGS,
    body=ModuleIn,
    response=ModuleOut,
    permission=_manages_module,
)
def update_module(module_id: int, body: ModuleIn):
    module = planning.update_module(
        current_user, planning.get_module(module_id), planning.ModuleData(**body.model_dump())
    )
    db.session.commit()
    return module_json(module)


class MaterialIn(Strict):
    title: str = Field(min_length=1, max_length=200)
    url: str | None = Field(None, max_length=500, description="a link, or send a file instead")
    filename: str | None = Field(None, max_length=200)
    content_type: str | None = Field(None, max_length=100)
    data_base64: str | None = Field(None, max_length=15 * 1024 * 1024)


class MaterialOut(BaseModel):
    id: int
    module_id: int
    kind: str
    title: str
    url: str | None
    filename: str | None


@operation(
    bp,
    "/modules/<int:module_id>/materials",
    "POST",
    tags=TAGS,
    status=201,
    summary="Add a link or a file (base64) to a module's materials",
    body=MaterialIn,
    response=MaterialOut,
    permission=_manages_module,
)
def add_material(module_id: int, body: MaterialIn):
    data = None
    if body.data_base64 is not None:
        try:
            data = base64.b64decode(body.data_base64, validate=True)
        except (binascii.Error, ValueError):
            raise DomainError(
                Problem("base64", N_("The file is not valid base64."), "data_base64")
            ) from None
    material = planning.add_material(
        current_user,
        planning.get_module(module_id),
        title=body.title,
        url=body.url,
        filename=body.filename if data is not None else None,
        content_type=body.content_type if data is not None else None,
        data=data,
    )
    db.session.commit()
    return {
        "id": material.id,
        "module_id": material.module_id,
        "kind": material.kind.value,
        "title": material.title,
        "url": material.url,
        "filename": material.filename,
    }, 201


class SessionEditIn(SessionIn):
    facility_id: int | None = None  # a session stays at its facility


@operation(
    bp,
    "/sessions/<int:session_id>",
    "PUT",
    tags=TAGS,
    body=SessionEditIn,
    summary="Edit a scheduled session; participants get an updated invitation",
    response=SessionOut,
    permission=_manages_session,
)
def update_session(session_id: int, body: SessionEditIn):
    data = planning.SessionData(
        capacity=body.capacity,
        audience=body.audience,
        parts=[(p.starts_at, p.ends_at, p.title, p.instrument_id) for p in body.parts],
        enrol_opens_at=body.enrol_opens_at,
        enrol_closes_at=body.enrol_closes_at,
        trainer_ids=body.trainer_ids,
        location=body.location,
        online_url=body.online_url,
        withdraw_days_before=body.withdraw_days_before,
        notes=body.notes,
    )
    session = planning.update_session(current_user, planning.get_session(session_id), data)
    db.session.commit()
    return session_json(session)


class CancelIn(Strict):
    reason: str = Field("", max_length=2000)


@operation(
    bp,
    "/sessions/<int:session_id>/cancel",
    "POST",
    tags=TAGS,
    body=CancelIn,
    summary="Cancel a session: everyone on its list is told, instrument time given back",
    response=SessionOut,
    permission=_manages_session,
)
def cancel_session(session_id: int, body: CancelIn):
    session = planning.get_session(session_id)
    planning.cancel_session(current_user, session, body.reason)
    db.session.commit()
    return session_json(session)


class SettingsIn(Strict):
    offer_hours: int = Field(ge=1, le=336, description="how long a waiting-list offer stays open")
    reminder_hours: int = Field(ge=1, le=336, description="reminder lead time before a session")


class SettingsOut(BaseModel):
    facility_id: int
    offer_hours: int
    reminder_hours: int


def _staffs_facility(user, facility_id: int) -> bool:
    return can_staff_facility(user, get_facility(facility_id))


@operation(
    bp,
    "/facilities/<int:facility_id>/settings",
    "PUT",
    tags=TAGS,
    body=SettingsIn,
    summary="A facility's training settings (its managers and staff)",
    response=SettingsOut,
    permission=_staffs_facility,
)
def set_settings(facility_id: int, body: SettingsIn):
    row = planning.update_settings(
        current_user,
        get_facility(facility_id),
        offer_hours=body.offer_hours,
        reminder_hours=body.reminder_hours,
    )
    db.session.commit()
    return {
        "facility_id": facility_id,
        "offer_hours": row.offer_hours,
        "reminder_hours": row.reminder_hours,
    }


class TrainingFeedOut(BaseModel):
    url: str = Field(description="the secret address of my sessions: shown once")


@operation(
    bp,
    "/me/feed",
    "POST",
    tags=["account"],
    status=201,
    response=TrainingFeedOut,
    summary="A new secret address for my training sessions (the old one stops working)",
    permission=signed_in,
)
def create_my_training_feed():
    raw = rotate_feed(current_user)
    db.session.commit()
    return {"url": absolute_url("training.user_feed", token=raw)}, 201


@operation(bp, "/me/feed", "DELETE", tags=["account"], summary="Revoke my training feed address")
def revoke_my_training_feed():
    revoked = revoke_feed(current_user)
    db.session.commit()
    return {"revoked": revoked}
