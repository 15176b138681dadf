"""Publish facility documents and new versions; accept them; what a booker still has to accept."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.links import absolute_url
from innocore.marks import N_, T_
from innocore.notifications import kinds
from innocore.notifications.services import queue_email
from innocore.permissions import can_manage_facility
from innocore.uploads import attachment_problems
from instruments import rules
from instruments.documents.models import (
    DocumentAcceptance,
    DocumentKind,
    DocumentVersion,
    FacilityDocument,
)
from instruments.models import Instrument

DOCUMENT_TYPES = ("application/pdf", "text/plain")
MAX_BYTES = 10 * 1024 * 1024  # as service-request attachments


@dataclass(frozen=True)
class Content:
    """A version's content: ``text``, or a file (``file_name``, ``file_type``, ``file_data``)."""

    text: str | None = None
    file_name: str | None = None
    file_type: str | None = None
    file_data: bytes | None = None
    note: str = ""


def covering(instrument: Instrument):
    """Select the live documents that cover ``instrument`` (its own and the facility-wide)."""
    return sa.select(FacilityDocument).where(
        FacilityDocument.facility_id == instrument.facility_id,
        FacilityDocument.retired_at.is_(None),
        sa.or_(
            FacilityDocument.instrument_id.is_(None),
            FacilityDocument.instrument_id == instrument.id,
        ),
    )


def pending_for(user_id: int, instrument: Instrument) -> list[DocumentVersion]:
    """The current versions of the documents covering ``instrument`` that the user has not
    accepted, oldest document first (one query)."""
    latest = (
        sa.select(DocumentVersion.document_id, sa.func.max(DocumentVersion.number).label("n"))
        .group_by(DocumentVersion.document_id)
        .subquery()
    )
    docs = covering(instrument).with_only_columns(FacilityDocument.id).scalar_subquery()
    accepted = sa.select(DocumentAcceptance.version_id).where(DocumentAcceptance.user_id == user_id)
    return list(
        db.session.scalars(
            sa.select(DocumentVersion)
            .join(
                latest,
                sa.and_(
                    latest.c.document_id == DocumentVersion.document_id,
                    latest.c.n == DocumentVersion.number,
                ),
            )
            .where(DocumentVersion.document_id.in_(docs), DocumentVersion.id.not_in(accepted))
            .order_by(DocumentVersion.document_id)
        )
    )


def document_problems(
    user_id: int, instrument: Instrument, for_name: str | None = None
) -> list[Problem]:
    """The booking rule's problems for this booker and instrument (see ``rules.document_problems``;
    ``for_name``: the booker's name when someone else acts for them)."""
    return rules.document_problems(
        [(v.document.title, v.number) for v in pending_for(user_id, instrument)], for_name
    )


def list_documents(facility: Facility) -> list[FacilityDocument]:
    return list(
        db.session.scalars(
            sa.select(FacilityDocument)
            .where(
                FacilityDocument.facility_id == facility.id, FacilityDocument.retired_at.is_(None)
            )
            .order_by(FacilityDocument.title, FacilityDocument.id)
        )
    )


def get_document(document_id: int) -> FacilityDocument:
    """A live document (anyone signed in may read what they are asked to accept); else 404."""
    doc = db.session.get(FacilityDocument, document_id) if 0 < document_id < 2**31 else None
    if doc is None or doc.retired_at is not None:
        raise NotFound(N_("No such document."))
    return doc


def _content_problems(content: Content, title: str | None) -> list[Problem]:
    problems = rules.document_version_problems(
        title=title, text=content.text, has_file=content.file_data is not None, note=content.note
    )
    if content.file_data is not None:
        data = content.file_data
        problems += attachment_problems(content.file_type or "", len(data), data[:8], field="file")
        if content.file_type not in DOCUMENT_TYPES:
            problems.append(Problem("file_type", N_("Publish a PDF or a plain-text file."), "file"))
    return problems


def _version(doc: FacilityDocument, actor: User, content: Content, number: int) -> DocumentVersion:
    has_file = content.file_data is not None
    version = DocumentVersion(
        document=doc,
        number=number,
        body_text=(content.text or "").strip() or None,
        file_name=(content.file_name or "document")[-200:] if has_file else None,
        file_type=content.file_type if has_file else None,
        file_data=content.file_data,
        note=(content.note or "").strip(),
        published_at=clock.now(),
        published_by_id=actor.id,
    )
    db.session.add(version)
    return version


def publish_document(
    actor: User,
    facility: Facility,
    *,
    title: str,
    kind: DocumentKind | None,
    instrument_id: int | None,
    content: Content,
) -> FacilityDocument:
    """A manager publishes a new document (version 1) for one instrument or the whole facility.

    Raises ``Forbidden`` (not a manager), ``DomainError`` (no title or content, a bad file, an
    instrument of another facility)."""
    if not can_manage_facility(actor, facility):
        raise Forbidden(N_("Only the facility's managers publish its documents."))
    problems = _content_problems(content, title)
    if kind is None:
        problems.append(
            Problem("kind", N_("Say whether these are rules or safety instructions."), "kind")
        )
    if instrument_id is not None:
        inst = db.session.get(Instrument, instrument_id) if 0 < instrument_id < 2**31 else None
        if inst is None or inst.facility_id != facility.id:
            problems.append(
                Problem("instrument", N_("Choose an instrument of this facility."), "instrument_id")
            )
    if problems:
        raise DomainError(problems)
    doc = FacilityDocument(
        facility_id=facility.id,
        instrument_id=instrument_id,
        title=title.strip(),
        kind=kind,
        created_at=clock.now(),
    )
    db.session.add(doc)
    _version(doc, actor, content, 1)
    db.session.flush()
    audit.record(actor, "document.publish", doc, audit.snapshot(doc), facility_id=facility.id)
    return doc


def publish_version(actor: User, document_id: int, content: Content) -> DocumentVersion:
    """A manager publishes the next version; everyone who accepted an earlier one is e-mailed
    that they must accept again before their next booking. Raises ``Forbidden``/``DomainError``."""
    doc = get_document(document_id)
    if not can_manage_facility(actor, doc.facility):
        raise Forbidden(N_("Only the facility's managers publish its documents."))
    if problems := _content_problems(content, None):
        raise DomainError(problems)
    version = _version(doc, actor, content, doc.current.number + 1)
    db.session.flush()
    audit.record(
        actor,
        "document.version",
        version,
        {"number": [None, version.number]},
        facility_id=doc.facility_id,
    )
    _tell_readers(doc, version)
    return version


def _tell_readers(doc: FacilityDocument, version: DocumentVersion) -> None:
    readers = db.session.scalars(
        sa.select(User)
        .join(DocumentAcceptance, DocumentAcceptance.user_id == User.id)
        .join(DocumentVersion, DocumentVersion.id == DocumentAcceptance.version_id)
        .where(DocumentVersion.document_id == doc.id, User.active.is_(True))
        .distinct()
    )
    link = absolute_url("instruments.document_page", document_id=doc.id)
    for person in readers:
        queue_email(
            person,
            _l("New version to accept: %(doc_title)s", doc_title=doc.title),
            "document_notice",
            kind=kinds.DOCUMENTS,
            link=link,
            dedupe_key=f"document-version-{version.id}-{person.id}",
            doc=doc,
            version=version,
        )


def accept_document(actor: User, document_id: int, number: int) -> DocumentAcceptance:
    """Record that ``actor`` read and accepts version ``number`` (the current one) of a document,
    with the date; accepting it twice keeps the first record. Raises ``DomainError``
    (``not_current``: a newer version exists, read that one)."""
    doc = get_document(document_id)
    version = doc.current
    if number != version.number:
        raise DomainError(
            Problem(
                "not_current",
                T_(
                    "Version %(number)s is the current one; read it before accepting.",
                    number=version.number,
                ),
                "version",
            ),
            status=409,
        )
    existing = db.session.scalar(
        sa.select(DocumentAcceptance).where(
            DocumentAcceptance.user_id == actor.id, DocumentAcceptance.version_id == version.id
        )
    )
    if existing is not None:
        return existing
    row = DocumentAcceptance(user_id=actor.id, version_id=version.id, accepted_at=clock.now())
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "document.accept",
        row,
        {"version": [None, version.number]},
        facility_id=doc.facility_id,
    )
    return row


def accepted_by(user_id: int, document_id: int) -> dict[int, DocumentAcceptance]:
    """The user's acceptances of a document's versions, by version number."""
    rows = db.session.scalars(
        sa.select(DocumentAcceptance)
        .join(DocumentVersion, DocumentVersion.id == DocumentAcceptance.version_id)
        .where(DocumentAcceptance.user_id == user_id, DocumentVersion.document_id == document_id)
    )
    return {r.version.number: r for r in rows}
