"""Issuers' Ed25519 signing keys: files outside the database, created on first use with mode 0600.

The directory is ``CREDENTIAL_KEY_DIR`` (``INNOCORE_CREDENTIAL_KEY_DIR``), by default
``<instance>/credential-keys``. Only public keys leave it (published at the issuer profile URL).
"""

from __future__ import annotations

import re
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app

from innocore.files import create_once
from training.credentials.proof import public_key_multibase

ISSUER_KEY = re.compile(r"^(network|facility-[a-z0-9][a-z0-9-]{0,78})$")
_cache: dict[tuple[str, str], Ed25519PrivateKey] = {}


def key_dir() -> Path:
    configured = current_app.config.get("CREDENTIAL_KEY_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "credential-keys"


def _path(issuer_key: str) -> Path:
    if not ISSUER_KEY.match(issuer_key):
        raise ValueError(f"not an issuer key: {issuer_key!r}")
    return key_dir() / f"{issuer_key}.ed25519.pem"


def has_key(issuer_key: str) -> bool:
    return bool(ISSUER_KEY.match(issuer_key)) and _path(issuer_key).exists()


def private_key(issuer_key: str) -> Ed25519PrivateKey:
    """The issuer's key, generated (0600, exclusive create) the first time it is needed."""
    path = _path(issuer_key)
    cached = _cache.get((str(path), issuer_key))
    if cached is not None and path.exists():
        return cached
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        create_once(path, pem)  # another worker may have been first: then theirs is used
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 key")
    _cache[(str(path), issuer_key)] = key
    return key


def public_multibase(issuer_key: str) -> str:
    return public_key_multibase(private_key(issuer_key).public_key())
