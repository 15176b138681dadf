"""/api/v1 operations of facility documents: list, publish, new version, read, accept."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Literal

from flask_login import current_user
from pydantic import BaseModel, Field

from innocore.api.core import Strict, api_blueprint, operation, signed_in
from innocore.clock import api_time
from innocore.errors import DomainError, NotFound, Problem
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.links import absolute_url
from innocore.marks import N_
from innocore.permissions import can_manage_facility
from instruments.documents import services
from instruments.documents.models import DocumentKind, FacilityDocument

bp = api_blueprint("documents_api", __name__)


class ContentIn(Strict):
    """Text, or a file as base64 (PDF or plain text, up to 10 MB)."""

    text: str | None = Field(None, max_length=100_000)
    file_name: str | None = Field(None, max_length=200)
    file_type: Literal["application/pdf", "text/plain"] | None = None
    file_base64: str | None = Field(None, max_length=14_000_000)
    note: str = Field("", max_length=500)


class DocumentIn(ContentIn):
    title: str = Field(min_length=1, max_length=200)
    kind: DocumentKind = DocumentKind.RULES
    instrument_id: int | None = Field(
        None, ge=1, le=2**31 - 1, description="None: every instrument"
    )


class AcceptIn(Strict):
    version: int = Field(ge=1, le=2**31 - 1)


class VersionOut(BaseModel):
    number: int
    published_at: datetime
    note: str
    text: str | None
    file_url: str | None
    accepted_at: datetime | None


class DocumentOut(BaseModel):
    id: int
    facility_id: int
    instrument_id: int | None
    title: str
    kind: str
    current: VersionOut


def _content(body: ContentIn) -> services.Content:
    data = None
    if body.file_base64 is not None:
        try:
            data = base64.b64decode(body.file_base64, validate=True)
        except (binascii.Error, ValueError) as err:
            raise DomainError(
                Problem("file_base64", N_("The file is not valid base64."), "file_base64")
            ) from err
        if body.file_type is None:
            raise DomainError(Problem("file_type", N_("Say the file's type."), "file_type"))
    return services.Content(
        text=body.text,
        file_name=body.file_name,
        file_type=body.file_type,
        file_data=data,
        note=body.note,
    )


def document_json(doc: FacilityDocument) -> dict:
    v = doc.current
    mine = services.accepted_by(current_user.id, doc.id).get(v.number)
    url = (
        absolute_url("instruments.document_file", document_id=doc.id, number=v.number)
        if v.file_name
        else None
    )
    return {
        "id": doc.id,
        "facility_id": doc.facility_id,
        "instrument_id": doc.instrument_id,
        "title": doc.title,
        "kind": doc.kind.value,
        "current": {
            "number": v.number,
            "published_at": api_time(v.published_at),
            "note": v.note,
            "text": v.body_text,
            "file_url": url,
            "accepted_at": api_time(mine.accepted_at) if mine else None,
        },
    }


def _manages(user, facility_id: int | None = None, document_id: int | None = None) -> bool:
    """Permission of the publishing operations, checked before the body is read."""
    if not user.is_authenticated:
        return False
    if document_id is not None:
        return can_manage_facility(user, services.get_document(document_id).facility)
    return can_manage_facility(user, _facility(facility_id))


def _facility(facility_id: int) -> Facility:
    facility = db.session.get(Facility, facility_id) if 0 < facility_id < 2**31 else None
    if facility is None:
        raise NotFound(N_("No such facility."))
    return facility


@operation(
    bp,
    "/facilities/<int:facility_id>/documents",
    "GET",
    tags=["documents"],
    summary="A facility's rules and safety documents, with whether I accepted each",
    response=DocumentOut,
    listed=True,
    permission=signed_in,
)
def list_documents(facility_id: int):
    return [document_json(d) for d in services.list_documents(_facility(facility_id))]


@operation(
    bp,
    "/facilities/<int:facility_id>/documents",
    "POST",
    tags=["documents"],
    summary="Publish a document (version 1) for one instrument or the whole facility",
    body=DocumentIn,
    response=DocumentOut,
    status=201,
    permission=_manages,
)
def publish_document(facility_id: int, body: DocumentIn):
    doc = services.publish_document(
        current_user,
        _facility(facility_id),
        title=body.title,
        kind=body.kind,
        instrument_id=body.instrument_id,
        content=_content(body),
    )
    db.session.commit()
    return document_json(doc), 201


@operation(
    bp,
    "/documents/<int:document_id>",
    "GET",
    tags=["documents"],
    summary="A document's current version",
    response=DocumentOut,
    permission=signed_in,
)
def get_document(document_id: int):
    return document_json(services.get_document(document_id))


@operation(
    bp,
    "/documents/<int:document_id>/versions",
    "POST",
    tags=["documents"],
    summary="Publish the next version; everyone accepts it again before booking",
    body=ContentIn,
    response=DocumentOut,
    status=201,
    permission=_manages,
)
def publish_version(document_id: int, body: ContentIn):
    version = services.publish_version(current_user, document_id, _content(body))
    db.session.commit()
    return document_json(version.document), 201


@operation(
    bp,
    "/documents/<int:document_id>/accept",
    "POST",
    tags=["documents"],
    summary="Accept the current version (409 not_current if a newer one exists)",
    body=AcceptIn,
    response=DocumentOut,
    permission=signed_in,
)
def accept_document(document_id: int, body: AcceptIn):
    row = services.accept_document(current_user, document_id, body.version)
    db.session.commit()
    return document_json(row.version.document)
