"""Credential use cases: the signed credential of a certificate, status lists, their refresh."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from innocore import clock
from innocore.extensions import db
from training.certification.models import Certificate, StatusListSnapshot
from training.certification.queries import listed_indexes
from training.credentials import documents


def credential_for(cert: Certificate) -> dict:
    """The signed OpenBadgeCredential of a certificate (competence or qualification path)."""
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


def current_status_list(issuer_key: str) -> dict:
    """The status list as of now: the stored snapshot if still current, else freshly signed."""
    indexes = listed_indexes(issuer_key)
    snapshot = db.session.get(StatusListSnapshot, issuer_key)
    if snapshot is not None and snapshot.bits_sha256 == _bits_digest(indexes):
        return snapshot.credential
    return documents.status_list_credential(issuer_key, indexes)


def refresh_status_lists() -> int:
    """Job: re-sign and store the list of every issuer whose bits changed; returns how many."""
    keys = db.session.scalars(sa.select(Certificate.issuer_key).distinct()).all()
    changed = 0
    for key in keys:
        indexes = listed_indexes(key)
        digest = _bits_digest(indexes)
        snapshot = db.session.get(StatusListSnapshot, key)
        if snapshot is not None and snapshot.bits_sha256 == digest:
            continue
        credential = documents.status_list_credential(key, indexes)
        if snapshot is None:
            db.session.add(
                StatusListSnapshot(
                    issuer_key=key,
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
