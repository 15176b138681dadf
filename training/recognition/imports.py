"""Credentials in: the network's trusted issuers (kept by network admins) and credentials people
bring from elsewhere, verified on the way in. Flush, never commit."""

from __future__ import annotations

import sqlalchemy as sa

from innocore import audit, clock
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db
from innocore.marks import N_
from training.recognition import permissions, remote
from training.recognition.models import ImportedCredential, TrustedIssuer


def trusted_bases() -> list[str]:
    return list(db.session.scalars(sa.select(TrustedIssuer.base_url).order_by(TrustedIssuer.id)))


def list_trusted() -> list[TrustedIssuer]:
    return list(db.session.scalars(sa.select(TrustedIssuer).order_by(TrustedIssuer.name)))


def add_trusted(actor, base_url: str, name: str) -> TrustedIssuer:
    """Network admins trust an issuer: credentials under ``base_url`` may be fetched and accepted."""
    if not permissions.can_manage_trust(actor):
        raise Forbidden(N_("Only network administrators choose the issuers the network trusts."))
    problems = []
    try:
        base = remote.normalise_base(base_url)
    except ValueError as exc:
        base = ""
        problems.append(Problem("invalid_url", str(exc), "base_url"))
    name = (name or "").strip()
    if not name or len(name) > 200:
        problems.append(
            Problem("invalid_name", N_("Name the issuer (up to 200 characters)."), "name")
        )
    if base and len(base) > 300:
        problems.append(
            Problem("invalid_url", N_("Keep the address under 300 characters."), "base_url")
        )
    if base and base in trusted_bases():
        problems.append(
            Problem("already_trusted", N_("This issuer is already trusted."), "base_url")
        )
    if problems:
        raise DomainError(problems)
    issuer = TrustedIssuer(base_url=base, name=name, created_at=clock.now(), created_by_id=actor.id)
    db.session.add(issuer)
    audit.record(actor, "trusted_issuer.added", issuer, {"base_url": [None, base]})
    return issuer


def remove_trusted(actor, issuer_id: int) -> None:
    """Stop trusting an issuer (credentials already accepted keep their recorded decision)."""
    if not permissions.can_manage_trust(actor):
        raise Forbidden(N_("Only network administrators choose the issuers the network trusts."))
    issuer = db.session.get(TrustedIssuer, issuer_id) if 0 < issuer_id < 2**31 else None
    if issuer is None:
        raise NotFound(N_("No such trusted issuer."))
    audit.record(actor, "trusted_issuer.removed", issuer, {"base_url": [issuer.base_url, None]})
    db.session.delete(issuer)


def import_credential(actor, *, data: bytes | dict | None = None, url: str | None = None):
    """Bring in a credential (its JSON, or a URL under a trusted issuer): verified with the
    network's verifier; refused with the verifier's precise reason (``DomainError`` whose problem
    code is e.g. ``revoked``, ``tampered``, ``untrusted_issuer``)."""
    trusted = trusted_bases()
    if data is None:
        if not url:
            raise DomainError(Problem("missing", N_("Upload a credential file or give its URL.")))
        try:
            data = remote.fetch_json(url.strip(), trusted)
        except remote.Refused as exc:
            raise DomainError(Problem(exc.code, exc.message, "url")) from None
    now = clock.now()
    result = remote.verify_remote(data, trusted, now, email=actor.email)
    if not result.valid:
        raise DomainError(Problem(result.code, result.message, "credential"))
    doc = data if isinstance(data, dict) else _json(data)
    return _store(actor, doc, now)


def _json(data) -> dict:
    import json

    return json.loads(data)


def _store(actor, doc: dict, now) -> ImportedCredential:
    issuer = doc.get("issuer")
    until = remote.parse_time(doc["validUntil"], "validUntil") if "validUntil" in doc else None
    achievement = (doc.get("credentialSubject") or {}).get("achievement") or {}
    item = ImportedCredential(
        holder_id=actor.id,
        issuer_id=remote.issuer_id(doc)[:500],
        issuer_name=str(issuer.get("name", "") if isinstance(issuer, dict) else "")[:300],
        title=str(doc.get("name") or achievement.get("name") or "Credential")[:500],
        credential=doc,
        valid_until=until,
        verified_at=now,
        created_at=now,
    )
    db.session.add(item)
    audit.record(actor, "credential.imported", item, {"issuer": [None, item.issuer_id]})
    return item


def imports_of(user_id: int) -> list[ImportedCredential]:
    return list(
        db.session.scalars(
            sa.select(ImportedCredential)
            .where(ImportedCredential.holder_id == user_id)
            .order_by(ImportedCredential.created_at.desc(), ImportedCredential.id.desc())
        )
    )


def get_import(actor, import_id: int) -> ImportedCredential:
    """One of the actor's imports; NotFound otherwise."""
    item = db.session.get(ImportedCredential, import_id) if 0 < import_id < 2**31 else None
    if item is None or item.holder_id != actor.id:
        raise NotFound(N_("No such imported credential of yours."))
    return item
