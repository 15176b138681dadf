"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (Ed25519 over RDFC-1.0).

Pure: no Flask, no database. The document loader is a parameter (``contexts.PinnedLoader``).
PyLD 3.x canonicalises with ``base=None`` here; with its default base IRI, undefined type values
would be emitted as ``http://example.org/base/...`` and signatures would not verify elsewhere.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from innocore.marks import N_

CRYPTOSUITE = "eddsa-rdfc-2022"
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ED25519_PUB = b"\xed\x01"  # multicodec prefix of an Ed25519 public key


class ProofError(Exception):
    """Signing or verifying failed; ``code`` names the reason."""

    def __init__(self, code: str, message: str):
        self.code, self.message = code, message  # message: marked (N_/T_), shown translated
        super().__init__(message)


def b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b58decode(text: str) -> bytes:
    n = 0
    for ch in text:
        i = _B58.find(ch)
        if i < 0:
            raise ValueError("not base58btc")
        n = n * 58 + i
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def public_key_multibase(key: Ed25519PublicKey) -> str:
    """``z`` + base58btc(0xed01 ‖ raw key): the Multikey form, ``z6Mk…``."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return "z" + b58encode(_ED25519_PUB + key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    if not value.startswith("z"):
        raise ValueError("multibase value must be base58btc ('z')")
    raw = b58decode(value[1:])
    if raw[:2] != _ED25519_PUB or len(raw) != 34:
        raise ValueError("not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def canonical_nquads(doc: dict, loader) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of ``doc`` with the pinned loader and no base IRI."""
    from pyld import jsonld  # here, not at import: it brings requests and lxml to every process

    return jsonld.normalize(
        doc,
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": loader,
            "base": None,
        },
    )


def dropped_terms(doc: dict, loader) -> list[str]:
    """Every property or type that JSON-LD expansion would drop (so it would go unsigned)."""
    from pyld import jsonld

    dropped: list[str] = []
    expanded = jsonld.expand(
        doc, {"documentLoader": loader, "base": None}, on_property_dropped=dropped.append
    )
    _relative_types(expanded, dropped)
    return sorted(set(dropped))


def _relative_types(node, out: list[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _relative_types(item, out)
    elif isinstance(node, dict):
        for t in node.get("@type", []) if isinstance(node.get("@type"), list) else []:
            if ":" not in t:
                out.append(f"type {t}")
        for key, value in node.items():
            if key != "@type":
                _relative_types(value, out)


def hash_data(document: dict, options: dict, loader) -> bytes:
    """SHA-256(canonical proof config) ‖ SHA-256(canonical document): the 64 bytes signed."""
    config = dict(options)
    config["@context"] = document["@context"]
    proof_hash = hashlib.sha256(canonical_nquads(config, loader).encode()).digest()
    doc_hash = hashlib.sha256(canonical_nquads(document, loader).encode()).digest()
    return proof_hash + doc_hash


@dataclass(frozen=True)
class ProofOptions:
    verification_method: str
    created: str  # xsd:dateTime, e.g. 2026-11-21T10:00:00Z

    def as_dict(self) -> dict:
        return {
            "type": "DataIntegrityProof",
            "created": self.created,
            "verificationMethod": self.verification_method,
            "cryptosuite": CRYPTOSUITE,
            "proofPurpose": "assertionMethod",
        }


def sign(document: dict, key: Ed25519PrivateKey, options: ProofOptions, loader) -> dict:
    """A copy of ``document`` with an embedded proof; refuses documents with dropped terms."""
    unsecured = {k: v for k, v in copy.deepcopy(document).items() if k != "proof"}
    dropped = dropped_terms(unsecured, loader)
    if dropped:
        raise ProofError(
            "dropped_terms",
            "Refusing to sign: undefined terms would go unsigned: " + ", ".join(dropped),
        )
    opts = options.as_dict()
    signature = key.sign(hash_data(unsecured, opts, loader))
    return unsecured | {"proof": opts | {"proofValue": "z" + b58encode(signature)}}


def verify(document: dict, public_key: Ed25519PublicKey, loader) -> None:
    """Check the single embedded ``eddsa-rdfc-2022`` proof; raises ``ProofError`` on failure."""
    proof = document.get("proof")
    if not isinstance(proof, dict):
        raise ProofError("no_proof", N_("The credential carries no single embedded proof."))
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(
            "unsupported_proof", N_("Only DataIntegrityProof eddsa-rdfc-2022 is accepted.")
        )
    if proof.get("proofPurpose") != "assertionMethod":
        raise ProofError("wrong_purpose", N_("The proof purpose is not assertionMethod."))
    value = proof.get("proofValue", "")
    try:
        signature = b58decode(value[1:]) if value.startswith("z") else b""
    except ValueError:
        signature = b""
    if len(signature) != 64:
        raise ProofError("bad_signature", N_("The proof value is not a 64-byte Ed25519 signature."))
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    try:
        public_key.verify(signature, hash_data(unsecured, options, loader))
    except InvalidSignature:
        raise ProofError(
            "tampered",
            N_("The signature does not match: the credential was altered after signing."),
        ) from None
