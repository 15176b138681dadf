"""Verify an Open Badges 3.0 credential issued elsewhere (another InnoCore deployment, or any
issuer publishing a Multikey controller document and a Bitstring Status List).

Checks, in order, each failure with its own ``code``: ``too_large``, ``malformed``,
``untrusted_issuer`` (the issuer is not on the network's allow-list), ``issuer_mismatch`` (the key
is not the issuer's), ``fetch_failed`` (an issuer document could not be read in time or in size),
``unknown_key`` (the issuer does not publish the key for assertions), ``unpinned_context``,
``tampered`` (and the other proof codes), ``not_yet_valid``, ``expired``, ``status_unavailable``,
``revoked``, ``not_yours`` (the credential names another e-mail address).

Network: only URLs under a trusted issuer's base URL are fetched, with a timeout, a size cap, no
redirects and no cookies. Sources: W3C VC Data Model 2.0 and Data Integrity (proof, controller
document), W3C Bitstring Status List v1.0, Open Badges 3.0 §Verification.
"""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.request
import zlib
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlsplit

from innocore.marks import N_, T_
from training.credentials import proof
from training.credentials.contexts import (
    EXTENSION_PATH,
    OB_V3,
    VC_V2,
    PinnedLoader,
    UnpinnedContext,
)
from training.credentials.statuslist import LIST_SIZE
from training.credentials.verify import Verification

MAX_BYTES = 256 * 1024
TIMEOUT_SECONDS = 5.0


class Refused(Exception):
    def __init__(self, code: str, message: str):
        self.code, self.message = code, message
        super().__init__(message)


def normalise_base(url: str) -> str:
    """``scheme://host[:port][/path]`` without a trailing slash; ValueError if not http(s)."""
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError("An issuer base URL is an http(s) address without query or fragment.")
    if parts.username or parts.password:
        raise ValueError("An issuer base URL carries no user name or password.")
    netloc = parts.hostname.lower() + (f":{parts.port}" if parts.port else "")
    return f"{parts.scheme}://{netloc}{parts.path.rstrip('/')}"


def trusted_base(url: str, trusted: Sequence[str]) -> str | None:
    """The trusted base ``url`` lies under, or None (prefix match on whole path segments)."""
    try:
        parts = urlsplit(url)
        here = normalise_base(f"{parts.scheme}://{parts.netloc}{parts.path}")
    except ValueError:
        return None
    for base in trusted:
        if here == base or here.startswith(base + "/"):
            return base
    return None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a redirect could leave the allow-list
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch_json(url: str, trusted: Sequence[str], *, timeout: float = TIMEOUT_SECONDS) -> dict:
    """GET ``url`` (only under a trusted base) as JSON, at most ``MAX_BYTES``, within ``timeout``
    seconds per network operation; raises ``Refused`` (``untrusted_url``, ``fetch_failed``,
    ``too_large``, ``malformed``)."""
    if trusted_base(url, trusted) is None:
        raise Refused(
            "untrusted_url", T_("%(url)s is not under an issuer the network trusts.", url=url)
        )
    accept = {"Accept": "application/ld+json, application/json"}
    req = urllib.request.Request(url, headers=accept)  # noqa: S310 (allow-listed http(s) only)
    try:
        with _OPENER.open(req, timeout=timeout) as response:  # noqa: S310 (allow-listed http(s))
            if response.status != 200:
                raise Refused(
                    "fetch_failed",
                    T_("%(url)s answered %(status)s.", url=url, status=response.status),
                )
            body = response.read(MAX_BYTES + 1)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise Refused(
            "fetch_failed", T_("Could not read %(url)s: %(exc)s", url=url, exc=exc)
        ) from None
    if len(body) > MAX_BYTES:
        raise Refused("too_large", T_("%(url)s is larger than 256 KiB.", url=url))
    try:
        data = json.loads(body)
    except ValueError:
        raise Refused("malformed", T_("%(url)s is not JSON.", url=url)) from None
    if not isinstance(data, dict):
        raise Refused("malformed", T_("%(url)s is not a JSON object.", url=url))
    return data


def _shape(doc) -> None:
    if not isinstance(doc, dict):
        raise Refused("malformed", N_("A credential is a JSON object."))
    ctx = doc.get("@context")
    if not isinstance(ctx, list) or ctx[:2] != [VC_V2, OB_V3]:
        raise Refused("malformed", N_("The contexts must start with VC 2.0 and Open Badges 3.0.3."))
    types = doc.get("type") or []
    if (
        not isinstance(types, list)
        or "VerifiableCredential" not in types
        or not ({"OpenBadgeCredential", "AchievementCredential"} & set(map(str, types)))
    ):
        raise Refused("malformed", N_("This is not an OpenBadgeCredential."))
    if not isinstance(doc.get("validFrom"), str) or not isinstance(doc.get("proof"), dict):
        raise Refused("malformed", "validFrom and a single embedded proof are required.")


def issuer_id(doc: dict) -> str:
    issuer = doc.get("issuer")
    value = issuer.get("id") if isinstance(issuer, dict) else issuer
    return value if isinstance(value, str) else ""


def _loader(doc: dict, base: str) -> PinnedLoader:
    """Pinned contexts only; a third context is accepted only as the issuer's copy of the InnoCore
    extension (checked by content: the pinned file is what is used)."""
    ctx = doc["@context"]
    extension = base + EXTENSION_PATH
    if len(ctx) > 3 or (len(ctx) == 3 and ctx[2] != extension):
        raise Refused(
            "unpinned_context", "A context is not pinned here: " + ", ".join(map(str, ctx[2:]))
        )
    return PinnedLoader(extension)


def _public_key(vm: str, issuer: str, trusted: Sequence[str]):
    """The issuer's Multikey named by ``vm``: listed in its controller document, controlled by the
    issuer and allowed for assertions."""
    controller = vm.partition("#")[0]
    if controller != issuer:
        raise Refused(
            "issuer_mismatch", N_("The signing key does not belong to the credential's issuer.")
        )
    profile = fetch_json(controller, trusted)
    methods = profile.get("verificationMethod") or []
    assertion = profile.get("assertionMethod") or []
    for m in methods if isinstance(methods, list) else []:
        ours = isinstance(m, dict) and m.get("id") == vm and m.get("controller") == issuer
        if ours and vm in assertion and m.get("type") == "Multikey":
            try:
                return proof.public_key_from_multibase(str(m.get("publicKeyMultibase", "")))
            except ValueError:
                break
    raise Refused(
        "unknown_key", T_("The issuer does not publish the key %(vm)s for assertions.", vm=vm)
    )


def _check_proof(doc: dict, key, loader) -> None:
    from pyld.jsonld import JsonLdError  # imported on first use (see proof.canonical_nquads)

    try:
        proof.verify(doc, key, loader)
    except proof.ProofError as exc:
        raise Refused(exc.code, str(exc)) from None
    except (UnpinnedContext, JsonLdError) as exc:
        raise Refused(
            "unpinned_context", T_("A context is not pinned here or is invalid: %(exc)s", exc=exc)
        ) from None


def parse_time(value, name: str) -> datetime:
    try:
        instant = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise Refused("malformed", T_("%(name)s is not a date-time.", name=name)) from None
    if instant.tzinfo is None:
        raise Refused("malformed", T_("%(name)s has no time zone.", name=name))
    return instant


def _dates(doc: dict, now: datetime) -> None:
    if parse_time(doc["validFrom"], "validFrom") > now:
        raise Refused(
            "not_yet_valid",
            T_("The credential is valid only from %(validfrom)s.", validfrom=doc["validFrom"]),
        )
    if "validUntil" in doc and parse_time(doc["validUntil"], "validUntil") <= now:
        raise Refused(
            "expired", T_("The credential expired on %(validuntil)s.", validuntil=doc["validUntil"])
        )


def bit_at(encoded: str, index: int) -> bool:
    """The bit at ``index`` of a multibase-base64url GZIP bitstring, decompressing at most what
    the index needs (a hostile list cannot inflate without bound)."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url ('u')")
    raw = encoded[1:]
    packed = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    need = max(LIST_SIZE // 8, index // 8 + 1)
    bits = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(packed, need)
    if len(bits) < LIST_SIZE // 8:
        raise ValueError("status list shorter than 131,072 entries")
    if not 0 <= index < len(bits) * 8:
        raise ValueError("status index out of range")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def _status(doc: dict, issuer: str, key, loader, trusted: Sequence[str]) -> None:
    """Check every status entry the credential carries (VC 2.0 allows one or a list; InnoCore
    publishes a revocation and a suspension list, W3C Bitstring Status List v1.0)."""
    entries = doc.get("credentialStatus")
    if entries is None:
        return  # no status published: nothing to check
    for entry in entries if isinstance(entries, list) else [entries]:
        _status_entry(entry, issuer, key, loader, trusted)


def _status_entry(entry, issuer: str, key, loader, trusted: Sequence[str]) -> None:
    if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
        raise Refused(
            "status_unavailable", N_("Only a Bitstring Status List entry can be checked.")
        )
    url = str(entry.get("statusListCredential", ""))
    try:
        listed = fetch_json(url, trusted)
    except Refused as exc:
        raise Refused(
            "status_unavailable",
            T_("The status list could not be read: %(message)s", message=exc.message),
        ) from None
    if issuer_id(listed) != issuer:
        raise Refused("status_unavailable", N_("The status list is not the issuer's."))
    _check_proof(listed, key, loader)
    subject = listed.get("credentialSubject") or {}
    purpose = entry.get("statusPurpose")
    if subject.get("statusPurpose") != purpose:
        raise Refused("status_unavailable", N_("The status list has another purpose."))
    try:
        index = int(str(entry.get("statusListIndex", "")))
        set_ = bit_at(subject.get("encodedList", ""), index)
    except (ValueError, zlib.error, TypeError) as exc:
        raise Refused(
            "status_unavailable", T_("The status list is malformed: %(exc)s", exc=exc)
        ) from None
    if set_ and purpose == "suspension":
        raise Refused(
            "suspended", N_("The issuer suspended this credential (see its status list).")
        )
    if set_:
        raise Refused("revoked", N_("The issuer revoked this credential (see its status list)."))


def _recipient(doc: dict, email: str | None) -> None:
    """The credential names this person: a hashed e-mail identifier (salted SHA-256) matches."""
    if email is None:
        return
    subject = doc.get("credentialSubject") or {}
    ids = subject.get("identifier") or [] if isinstance(subject, dict) else []
    for ident in ids if isinstance(ids, list) else []:
        if not isinstance(ident, dict) or ident.get("identityType") != "emailAddress":
            continue
        value = email.lower() + str(ident.get("salt") or "")
        if (
            ident.get("hashed")
            and ident.get("identityHash") == "sha256$" + hashlib.sha256(value.encode()).hexdigest()
        ):
            return
        if not ident.get("hashed") and ident.get("identityHash") == email.lower():
            return
    raise Refused("not_yours", N_("The credential was not issued to your e-mail address."))


def verify_remote(
    data: bytes | str | dict, trusted: Sequence[str], now: datetime, *, email: str | None = None
) -> Verification:
    """Verify a credential from a trusted issuer elsewhere; ``Verification.code`` says why not."""
    checks: list[str] = []
    try:
        doc = _parse(data)
        _shape(doc)
        checks.append("shape")
        issuer = issuer_id(doc)
        base = trusted_base(issuer, trusted)
        if base is None:
            raise Refused(
                "untrusted_issuer",
                T_("The issuer %(value)s is not one the network trusts.", value=issuer or "(none)"),
            )
        checks.append("trusted issuer")
        loader = _loader(doc, base)
        key = _public_key(str(doc["proof"].get("verificationMethod", "")), issuer, trusted)
        checks.append("issuer key")
        _check_proof(doc, key, loader)
        checks.append("proof")
        _dates(doc, now)
        checks.append("dates")
        _status(doc, issuer, key, loader, trusted)
        checks.append("status list")
        _recipient(doc, email)
        checks.append("recipient")
    except Refused as fail:
        return Verification(False, fail.code, fail.message, checks)
    return Verification(
        True, "valid", N_("The credential is authentic and currently valid."), checks
    )


def _parse(data) -> dict:
    if isinstance(data, dict):
        if len(json.dumps(data, separators=(",", ":"))) > MAX_BYTES:  # canonicalising costs
            raise Refused("too_large", N_("A credential is at most 256 KiB."))
        return data
    if len(data) > MAX_BYTES:
        raise Refused("too_large", N_("A credential file is at most 256 KiB."))
    try:
        return json.loads(data)
    except ValueError:
        raise Refused("malformed", N_("The file is not JSON.")) from None
