"""More of the requests desk through /api/v1 (on the ``requests_api`` blueprint): attachments,
instrument time for a request, and a facility's expertise profile. Each calls its page's service."""

from __future__ import annotations

from flask_login import current_user
from pydantic import AwareDatetime, BaseModel, Field

from innocore.api.core import operation
from innocore.extensions import db
from instruments.api import booking_json
from instruments.requests import offerings, services
from instruments.requests.api import TAGS, AttachmentIn, _staff_of, _uploads, bp
from instruments.requests.permissions import can_manage_services
from instruments.schemas import BookingOut


class AttachmentsIn(BaseModel):
    attachments: list[AttachmentIn] = Field(min_length=1, max_length=10)


class FileOut(BaseModel):
    id: int
    filename: str | None


def _requester_of(user, request_id: int, **_) -> bool:
    return services.get_request(user, request_id).requester_id == user.id


@operation(
    bp,
    "/requests/<int:request_id>/attachments",
    "POST",
    tags=TAGS,
    status=201,
    summary="Add attachments to my request (before acceptance)",
    body=AttachmentsIn,
    response=FileOut,
    listed=True,
    permission=_requester_of,
)
def attach(request_id: int, body: AttachmentsIn):
    rows = services.add_attachments(current_user, request_id, _uploads(body.attachments))
    db.session.commit()
    return [{"id": r.id, "filename": r.filename} for r in rows], 201


class TimeIn(BaseModel):
    instrument_id: int
    starts_at: AwareDatetime
    ends_at: AwareDatetime


@operation(
    bp,
    "/requests/<int:request_id>/bookings",
    "POST",
    tags=TAGS,
    status=201,
    summary="Book instrument time to carry out an accepted request (facility staff)",
    body=TimeIn,
    response=BookingOut,
    permission=_staff_of,
)
def book_for_request(request_id: int, body: TimeIn):
    booking = services.book_time(
        current_user, request_id, body.instrument_id, body.starts_at, body.ends_at
    )
    db.session.commit()
    return booking_json(booking), 201


class ExpertiseIn(BaseModel):
    topic: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    user_id: int | None = None


class ExpertiseOut(BaseModel):
    id: int
    facility_id: int
    topic: str
    description: str
    user_id: int | None


def _manages_services(user, facility_id: int) -> bool:
    return can_manage_services(user, offerings.get_facility(facility_id))


@operation(
    bp,
    "/facilities/<int:facility_id>/expertise",
    "POST",
    tags=TAGS,
    status=201,
    summary="Add a line to a facility's expertise profile (managers)",
    body=ExpertiseIn,
    response=ExpertiseOut,
    permission=_manages_services,
)
def add_expertise(facility_id: int, body: ExpertiseIn):
    row = offerings.add_expertise(
        current_user,
        facility_id,
        topic=body.topic,
        description=body.description,
        user_id=body.user_id,
    )
    db.session.commit()
    return {
        "id": row.id,
        "facility_id": row.facility_id,
        "topic": row.topic,
        "description": row.description,
        "user_id": row.user_id,
    }, 201


@operation(
    bp,
    "/expertise/<int:expertise_id>",
    "DELETE",
    tags=TAGS,
    summary="Remove a line of a facility's expertise profile (managers)",
)
def remove_expertise(expertise_id: int):
    offerings.remove_expertise(current_user, expertise_id)
    db.session.commit()
    return {"removed": True}
