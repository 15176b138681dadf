"""Certificates: who holds which competence at which level, issued by whom, valid until when."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column, relationship

from innocore.accounts.models import User
from innocore.competences.models import Competence
from innocore.db import UTCDateTime, enum_column
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.marks import N_

if TYPE_CHECKING:  # the path is named, not imported: paths build on certificates
    from training.paths.models import QualificationPath


class CertificateStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return _(
            {
                "active": N_("Active"),
                "suspended": N_("Suspended"),
                "revoked": N_("Revoked"),
                "expired": N_("Expired"),
            }[self.value]
        )


class CertificateBasis(enum.StrEnum):
    ASSESSMENT = "assessment"  # a passed assessment of a training module
    PRIOR_LEARNING = "prior_learning"  # recognition of prior learning, with evidence
    PATH = "path"  # a completed qualification path

    @property
    def label(self) -> str:
        return {
            "assessment": _("Passed assessment"),
            "prior_learning": _("Recognition of prior learning"),
            "path": _("Qualification path completed"),
        }[self.value]


class Certificate(db.Model):
    """Never deleted: revoked or expired with the reason; a renewal is a new row (``replaces_id``)."""

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(40), unique=True)
    holder_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    competence_id: Mapped[int | None] = mapped_column(sa.ForeignKey("competence.id"), index=True)
    level: Mapped[int | None] = mapped_column()
    path_id: Mapped[int | None] = mapped_column(sa.ForeignKey("qualification_path.id"), index=True)
    module_id: Mapped[int | None] = mapped_column(sa.ForeignKey("training_module.id"), index=True)
    assessment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("training_assessment.id"))
    basis: Mapped[CertificateBasis] = mapped_column(enum_column(CertificateBasis, "cert_basis"))
    facility_id: Mapped[int | None] = mapped_column(sa.ForeignKey("facility.id"), index=True)
    issued_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id")
    )  # None: automatic
    evidence: Mapped[str] = mapped_column(sa.Text, default="")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[CertificateStatus] = mapped_column(
        enum_column(CertificateStatus, "cert_status"), default=CertificateStatus.ACTIVE
    )
    status_reason: Mapped[str | None] = mapped_column(sa.String(500))
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status_changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # An early end published in the status list (revoked, or lapsed for lack of use).
    listed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    replaces_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate.id"))
    issuer_key: Mapped[str] = mapped_column(sa.String(90))
    status_index: Mapped[int] = mapped_column()
    show_holder_name: Mapped[bool] = mapped_column(default=False)

    holder: Mapped[User] = relationship(foreign_keys=[holder_id], lazy="joined", innerjoin=True)
    issued_by: Mapped[User] = relationship(foreign_keys=[issued_by_id])
    competence: Mapped[Competence | None] = relationship(lazy="joined")
    facility: Mapped[Facility | None] = relationship(lazy="joined")
    path: Mapped[QualificationPath | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("issuer_key", "status_index", name="uq_certificate_status_slot"),
        sa.CheckConstraint(
            "(competence_id IS NOT NULL AND level IS NOT NULL AND path_id IS NULL)"
            " OR (competence_id IS NULL AND level IS NULL AND path_id IS NOT NULL)",
            name="competence_or_path",
        ),
        sa.CheckConstraint("level IS NULL OR level BETWEEN 1 AND 9", name="level_range"),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_until > issued_at", name="valid_after_issue"
        ),
        sa.CheckConstraint("status_index >= 0", name="status_index_positive"),
    )

    @property
    def timezone(self) -> str:
        """The zone its dates are read in: the issuing facility's, else the holder's."""
        return self.facility.timezone if self.facility else (self.holder.timezone or "UTC")

    def __repr__(self) -> str:
        return f"<Certificate {self.public_id} holder={self.holder_id} {self.status.value}>"


class StatusListSnapshot(db.Model):
    """The last signed Bitstring Status List credential of an issuer (refreshed by a job)."""

    __tablename__ = "credential_status_list"

    issuer_key: Mapped[str] = mapped_column(sa.String(90), primary_key=True)
    bits_sha256: Mapped[str] = mapped_column(sa.String(64))
    credential: Mapped[dict] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<StatusListSnapshot {self.issuer_key} {self.updated_at.isoformat()}>"
