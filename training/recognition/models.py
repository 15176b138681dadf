"""Recognition between facilities: equivalence declarations, requests, trusted issuers, imports."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column, relationship

from innocore.accounts.models import User
from innocore.competences.models import Competence
from innocore.db import UTCDateTime, enum_column
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.marks import N_


class EquivalenceKind(enum.StrEnum):
    EQUIVALENT = "equivalent"  # counts at once, for everyone holding the source
    BRIDGING = "bridging"  # counts after a short supervised session, person by person

    @property
    def label(self) -> str:
        return {
            "equivalent": _("Equivalent"),
            "bridging": _("Needs a supervised bridging session"),
        }[self.value]


class CompetenceEquivalence(db.Model):
    """Facility F declares: another facility's competence S at level >= L counts as F's T at M."""

    __tablename__ = "competence_equivalence"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id"), index=True)
    source_competence_id: Mapped[int] = mapped_column(sa.ForeignKey("competence.id"), index=True)
    source_min_level: Mapped[int] = mapped_column()
    target_competence_id: Mapped[int] = mapped_column(sa.ForeignKey("competence.id"), index=True)
    target_level: Mapped[int] = mapped_column()
    kind: Mapped[EquivalenceKind] = mapped_column(enum_column(EquivalenceKind, "equivalence_kind"))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    facility: Mapped[Facility] = relationship()
    source: Mapped[Competence] = relationship(foreign_keys=[source_competence_id])
    target: Mapped[Competence] = relationship(foreign_keys=[target_competence_id])

    __table_args__ = (
        sa.CheckConstraint("source_min_level BETWEEN 1 AND 9", name="source_level_range"),
        sa.CheckConstraint("target_level BETWEEN 1 AND 9", name="target_level_range"),
        sa.CheckConstraint(
            "source_competence_id <> target_competence_id", name="different_competences"
        ),
    )

    def __repr__(self) -> str:
        return f"<CompetenceEquivalence {self.id} {self.kind.value}>"


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return _(
            {"pending": N_("Pending"), "granted": N_("Granted"), "refused": N_("Refused")}[
                self.value
            ]
        )


class RecognitionRequest(db.Model):
    """A person asks a facility to recognise one certificate (or an imported credential)."""

    __tablename__ = "recognition_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id"), index=True)
    certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate.id"))
    imported_id: Mapped[int | None] = mapped_column(sa.ForeignKey("imported_credential.id"))
    target_competence_id: Mapped[int] = mapped_column(sa.ForeignKey("competence.id"))
    target_level: Mapped[int] = mapped_column()
    message: Mapped[str] = mapped_column(sa.String(2000), default="")
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, "recognition_status"), default=RequestStatus.PENDING
    )
    reason: Mapped[str | None] = mapped_column(sa.String(1000))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    issued_certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    person: Mapped[User] = relationship(foreign_keys=[person_id])
    facility: Mapped[Facility] = relationship()
    target: Mapped[Competence] = relationship()

    __table_args__ = (
        sa.CheckConstraint("target_level BETWEEN 1 AND 9", name="level_range"),
        sa.CheckConstraint("(certificate_id IS NULL) <> (imported_id IS NULL)", name="one_source"),
    )

    def __repr__(self) -> str:
        return f"<RecognitionRequest {self.id} {self.status.value}>"


class TrustedIssuer(db.Model):
    """An issuer the network trusts: credentials are fetched and accepted only from these."""

    __tablename__ = "trusted_issuer"

    id: Mapped[int] = mapped_column(primary_key=True)
    base_url: Mapped[str] = mapped_column(sa.String(300), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    def __repr__(self) -> str:
        return f"<TrustedIssuer {self.base_url}>"


class ImportedCredential(db.Model):
    """An Open Badges 3.0 credential issued elsewhere, verified when it came in."""

    __tablename__ = "imported_credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    issuer_id: Mapped[str] = mapped_column(sa.String(500))
    issuer_name: Mapped[str] = mapped_column(sa.String(300), default="")
    title: Mapped[str] = mapped_column(sa.String(500), default="")
    credential: Mapped[dict] = mapped_column(sa.JSON)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    holder: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ImportedCredential {self.id} {self.issuer_id}>"
