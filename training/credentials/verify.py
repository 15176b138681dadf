"""Verify a credential file: shape, pinned contexts, issuer key, proof, dates, status list, record.

Each failure names its reason (``code``): ``malformed``, ``unpinned_context``, ``unknown_key``,
``issuer_mismatch``, ``tampered``, ``not_yet_valid``, ``expired``, ``revoked``, ``suspended``,
``superseded`` (renewed: the message links the newer certificate's page), ...
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from innocore import clock
from innocore.clock import date_text
from innocore.links import absolute_url
from innocore.marks import N_, T_
from training.credentials import documents, keys, proof, statuslist
from training.credentials.contexts import OB_V3, VC_V2, UnpinnedContext

MAX_BYTES = 256 * 1024


@dataclass
class Verification:
    valid: bool
    code: str
    message: str
    checks: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "valid": self.valid,
            "code": self.code,
            "message": self.message,
            "checks": self.checks,
        }


class _Fail(Exception):
    def __init__(self, code: str, message: str):
        self.code, self.message = code, message


def _parse_time(value, name: str) -> datetime:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise _Fail("malformed", T_("%(name)s is not a date-time.", name=name)) from None


def _shape(doc) -> None:
    if not isinstance(doc, dict):
        raise _Fail("malformed", N_("A credential is a JSON object."))
    ctx = doc.get("@context")
    if not isinstance(ctx, list) or ctx[:2] != [VC_V2, OB_V3]:
        raise _Fail("malformed", N_("The contexts must start with VC 2.0 and Open Badges 3.0.3."))
    types = doc.get("type") or []
    if "VerifiableCredential" not in types or not (
        {"OpenBadgeCredential", "AchievementCredential"} & set(types)
    ):
        raise _Fail("malformed", N_("This is not an OpenBadgeCredential."))
    if "validFrom" not in doc or not isinstance(doc.get("proof"), dict):
        raise _Fail("malformed", "validFrom and a single embedded proof are required.")


def _issuer_key(doc: dict) -> str:
    """The issuer key the proof names; it must be ours, current, and controlled by the issuer."""
    vm = str(doc["proof"].get("verificationMethod", ""))
    controller, _, fragment = vm.partition("#")
    prefix = documents.issuer_url("network").rsplit("/", 1)[0] + "/"
    key = controller.removeprefix(prefix) if controller.startswith(prefix) else ""
    if not key or not keys.has_key(key) or fragment != keys.public_multibase(key):
        raise _Fail(
            "unknown_key",
            T_("The signing key %(key)s is not a key of this network.", key=vm or "(none)"),
        )
    issuer = doc.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if issuer_id != controller:
        raise _Fail("issuer_mismatch", N_("The key does not belong to the credential's issuer."))
    return key


def _proof(doc: dict, key: str) -> None:
    from pyld.jsonld import JsonLdError  # imported on first use (see proof.canonical_nquads)

    public = proof.public_key_from_multibase(keys.public_multibase(key))
    try:
        proof.verify(doc, public, documents.loader())
    except proof.ProofError as exc:
        raise _Fail(exc.code, exc.message) from None
    except (UnpinnedContext, JsonLdError) as exc:
        raise _Fail(
            "unpinned_context", T_("A context is not pinned here or is invalid: %(exc)s", exc=exc)
        ) from None


def _dates(doc: dict, now: datetime) -> None:
    if _parse_time(doc["validFrom"], "validFrom") > now:
        raise _Fail(
            "not_yet_valid",
            T_("The credential is valid only from %(validfrom)s.", validfrom=doc["validFrom"]),
        )
    if "validUntil" in doc and _parse_time(doc["validUntil"], "validUntil") <= now:
        raise _Fail(
            "expired", T_("The credential expired on %(validuntil)s.", validuntil=doc["validUntil"])
        )


def _status(doc: dict, key: str) -> None:
    """Every BitstringStatusListEntry (one object, or a list: revocation and suspension) is
    checked against this issuer's signed list of that purpose."""
    entries = doc.get("credentialStatus")
    entries = [entries] if isinstance(entries, dict) else entries
    if not isinstance(entries, list) or not entries:
        raise _Fail("malformed", N_("The credential has no Bitstring Status List entry."))
    for entry in entries:
        _status_entry(entry, key)


def _status_entry(entry, key: str) -> None:
    from training.credentials.services import current_status_list

    if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
        raise _Fail("malformed", N_("The credential has no Bitstring Status List entry."))
    purpose = entry.get("statusPurpose")
    if purpose not in (documents.REVOCATION, documents.SUSPENSION):
        raise _Fail(
            "status_unavailable", T_("Unknown status purpose %(purpose)s.", purpose=repr(purpose))
        )
    if entry.get("statusListCredential") != documents.status_list_url(key, purpose):
        raise _Fail("status_unavailable", N_("The status list is not this issuer's."))
    status_list = current_status_list(key, purpose)
    public = proof.public_key_from_multibase(keys.public_multibase(key))
    proof.verify(status_list, public, documents.loader())
    try:
        flagged = statuslist.is_set(
            status_list["credentialSubject"]["encodedList"], int(entry.get("statusListIndex", -1))
        )
    except ValueError as exc:
        raise _Fail("status_unavailable", str(exc)) from None
    if flagged and purpose == documents.REVOCATION:
        raise _Fail("revoked", N_("The issuer revoked this credential (see the status list)."))
    if flagged:
        raise _Fail("suspended", N_("The issuer suspended this credential (see the status list)."))


def _certificate(doc: dict):
    from training.certification.queries import get_certificate

    public_id = str(doc.get("id", "")).rstrip("/").rsplit("/", 1)[-1]
    try:
        return get_certificate(public_id)
    except Exception:  # noqa: BLE001 - a credential of ours always has a record; say so below
        raise _Fail(
            "unknown_credential", N_("This network has no record of the credential.")
        ) from None


def _superseded(cert) -> None:
    """A renewed certificate (not revoked since) names the newer one, also once past its end."""
    from training.certification.models import CertificateStatus
    from training.certification.queries import replacement_of

    newer = replacement_of(cert)
    if newer is not None and cert.status != CertificateStatus.REVOKED:
        url = absolute_url("certification_public.verify_page", public_id=newer.public_id)
        raise _Fail(
            "superseded",
            T_(
                "The certificate was superseded by a newer certificate on %(date)s; check that one: %(url)s",
                date=date_text(newer.issued_at, newer.timezone),
                url=url,
            ),
        )


def _record(doc: dict) -> None:
    """The record has the last word: a suspension (also published in the suspension list, but a
    credential issued before that list existed does not point to it) and a renewal."""
    from training.certification.models import CertificateStatus

    cert = _certificate(doc)
    if cert.status == CertificateStatus.SUSPENDED:
        raise _Fail(
            "suspended",
            T_("The certificate is suspended: %(status_reason)s", status_reason=cert.status_reason),
        )
    _superseded(cert)


def _dates_or_superseded(doc: dict, now: datetime) -> None:
    try:
        _dates(doc, now)
    except _Fail as fail:
        if fail.code == "expired":
            _superseded(_certificate(doc))
        raise


def verify_credential(data: bytes | str | dict, now: datetime | None = None) -> Verification:
    """Verify one credential (a JSON document or its bytes) and say why when it fails."""
    checks: list[str] = []
    try:
        if not isinstance(data, dict):
            if len(data) > MAX_BYTES:
                raise _Fail("too_large", N_("A credential file is at most 256 KiB."))
            try:
                data = json.loads(data)
            except ValueError:
                raise _Fail("malformed", N_("The file is not JSON.")) from None
        _shape(data)
        checks.append("shape")
        key = _issuer_key(data)
        checks.append("issuer key")
        _proof(data, key)
        checks.append("proof")
        _dates_or_superseded(data, now or clock.now())
        checks.append("dates")
        _status(data, key)
        checks.append("status list")
        _record(data)
        checks.append("record")
    except _Fail as fail:
        return Verification(False, fail.code, fail.message, checks)
    return Verification(
        True, "valid", N_("The credential is authentic and currently valid."), checks
    )
