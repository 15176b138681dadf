"""Facility documents, their versions, and who accepted which version when."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from innocore.db import UTCDateTime, enum_column
from innocore.extensions import db
from innocore.facilities.models import Facility


class DocumentKind(enum.StrEnum):
    RULES = "rules"
    SAFETY = "safety"

    @property
    def label(self) -> str:
        return {"rules": _("Facility rules"), "safety": _("Safety instructions")}[self.value]


class FacilityDocument(db.Model):
    __tablename__ = "facility_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id"), index=True)
    # None: every instrument of the facility; else only this one.
    instrument_id: Mapped[int | None] = mapped_column(sa.ForeignKey("instrument.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind, "document_kind"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    facility: Mapped[Facility] = relationship()
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.number"
    )

    @property
    def current(self) -> DocumentVersion:
        return self.versions[-1]


class DocumentVersion(db.Model):
    __tablename__ = "document_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("facility_document.id"))
    number: Mapped[int]
    body_text: Mapped[str | None] = mapped_column(sa.Text)
    file_name: Mapped[str | None] = mapped_column(sa.String(200))
    file_type: Mapped[str | None] = mapped_column(sa.String(100))
    file_data: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    document: Mapped[FacilityDocument] = relationship(back_populates="versions")

    __table_args__ = (
        sa.UniqueConstraint("document_id", "number"),
        sa.CheckConstraint("body_text IS NOT NULL OR file_name IS NOT NULL", name="has_content"),
    )


class DocumentAcceptance(db.Model):
    __tablename__ = "document_acceptance"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("document_version.id"), index=True)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime())

    version: Mapped[DocumentVersion] = relationship()

    __table_args__ = (sa.UniqueConstraint("user_id", "version_id"),)
