"""Credential use cases: the signed credential of a certificate, status lists, their refresh."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from innocore import clock
from innocore.errors import DomainError, Problem
from innocore.extensions import db
from innocore.marks import T_
from training.certification.models import Certificate, CertificateStatus, StatusListSnapshot
from training.certification.queries import listed_indexes, suspended_indexes
from training.credentials import documents
from training.credentials.documents import REVOCATION, SUSPENSION

INDEXES = {REVOCATION: listed_indexes, SUSPENSION: suspended_indexes}


def snapshot_key(issuer_key: str, purpose: str) -> str:
    """The snapshot row of a list: the issuer key itself for revocation (as before), a fixed-size
    digest for suspension (issuer keys may be 89 characters long, the column holds 90)."""
    if purpose == REVOCATION:
        return issuer_key
    return f"{purpose}-" + hashlib.sha256(issuer_key.encode()).hexdigest()[:40]


def credential_for(cert: Certificate) -> dict:
    """The signed OpenBadgeCredential of a certificate (competence or qualification path).

    A revoked certificate's credential is not signed again: ``DomainError`` (410 ``revoked``)
    carries the date and reason instead, so nobody obtains a freshly dated proof of it.
    """
    if cert.status == CertificateStatus.REVOKED:
        msg = T_(
            "This certificate was revoked on %(when)s (%(status_reason)s); its credential is no "
            "longer issued. The status list shows the revocation.",
            when=cert.revoked_at.date().isoformat() if cert.revoked_at else "—",
            status_reason=cert.status_reason or "—",
        )
        raise DomainError(Problem("revoked", msg), status=410)
    module = path = None
    if cert.module_id is not None:
        from training.models import TrainingModule

        module = db.session.get(TrainingModule, cert.module_id)
    if cert.path_id is not None:
        from training.paths.models import QualificationPath

        path = db.session.get(QualificationPath, cert.path_id)
    doc = documents.unsigned_credential(cert, module=module, path=path, facility=cert.facility)
    return documents.sign_document(doc, cert.issuer_key)


def _bits_digest(indexes: list[int]) -> str:
    return hashlib.sha256(",".join(map(str, indexes)).encode()).hexdigest()


def current_status_list(issuer_key: str, purpose: str = REVOCATION) -> dict:
    """The status list of a purpose as of now: the stored snapshot if still current, else
    freshly signed."""
    indexes = INDEXES[purpose](issuer_key)
    snapshot = db.session.get(StatusListSnapshot, snapshot_key(issuer_key, purpose))
    if snapshot is not None and snapshot.bits_sha256 == _bits_digest(indexes):
        return snapshot.credential
    return documents.status_list_credential(issuer_key, indexes, purpose)


def refresh_status_lists() -> int:
    """Job: re-sign and store every list (revocation and suspension) of every issuer whose bits
    changed; returns how many."""
    keys = db.session.scalars(sa.select(Certificate.issuer_key).distinct()).all()
    changed = 0
    for key, purpose in ((k, p) for k in keys for p in (REVOCATION, SUSPENSION)):
        indexes = INDEXES[purpose](key)
        digest = _bits_digest(indexes)
        row_key = snapshot_key(key, purpose)
        snapshot = db.session.get(StatusListSnapshot, row_key)
        if snapshot is not None and snapshot.bits_sha256 == digest:
            continue
        credential = documents.status_list_credential(key, indexes, purpose)
        if snapshot is None:
            db.session.add(
                StatusListSnapshot(
                    issuer_key=row_key,
                    bits_sha256=digest,
                    credential=credential,
                    updated_at=clock.now(),
                )
            )
        else:
            snapshot.bits_sha256, snapshot.credential = digest, credential
            snapshot.updated_at = clock.now()
        changed += 1
    db.session.flush()
    return changed
