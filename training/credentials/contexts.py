"""Pinned JSON-LD contexts and a document loader that refuses every other URL.

Contexts are never fetched at run time. Each comes from a package installed from PyPI, and its
SHA-256 is checked when it is first loaded, so a changed copy is refused rather than trusted:

- W3C VC Data Model 2.0 (``https://www.w3.org/ns/credentials/v2``): the copy bundled with PyLD.
- Open Badges 3.0.3 (``…/ob/v3p0/context-3.0.3.json``): the copy bundled with ``openbadgeslib``.
- The InnoCore micro-credential extension: shipped in this package and served by the app at
  ``/credentials/contexts/micro-credential-v1.json`` (its URL follows ``BASE_URL``).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from pathlib import Path

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
EXTENSION_PATH = "/credentials/contexts/micro-credential-v1.json"


class UnpinnedContext(Exception):
    """A document names a context that is not pinned here, or a pinned file was altered."""


# url (or "extension") -> (package, resource name, sha256)
PINNED: dict[str, tuple[str, str, str]] = {
    VC_V2: (
        "pyld.documentloader.frozen",
        "bundled/credentials-v2.jsonld",
        "8a9f494a89ecc51db093e90e84713e07e84d6d9204364a9b3c7868b21751236f",
    ),
    OB_V3: (
        "openbadgeslib.ob3.contexts",
        "ob-v3p0-context-3.0.3.json",
        "3d34f4d4ef1bce691106e63798beb5e7b862ba841423f5ee1e53ab7ddf3bca84",
    ),
    "extension": (
        "training.credentials",
        "micro-credential-v1.json",
        "9e4c8c88890c02b71632edfbf76ea7a000358874734953fbf5ec8799f37a9f0f",
    ),
}


def _read(package: str, name: str) -> bytes:
    return resources.files(package).joinpath(name).read_bytes()


@cache
def pinned_document(key: str) -> dict:
    """The parsed context for ``key``, after checking its SHA-256 against the pinned value."""
    package, name, expected = PINNED[key]
    raw = _read(package, name)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != expected:
        raise UnpinnedContext(f"context {key} ({package}/{name}) has sha256 {digest}, not pinned")
    return json.loads(raw)


def extension_bytes() -> bytes:
    """The extension context exactly as pinned (served by the app)."""
    pinned_document("extension")
    package, name, _ = PINNED["extension"]
    return _read(package, name)


def extension_file() -> Path:
    package, name, _ = PINNED["extension"]
    return Path(str(resources.files(package).joinpath(name)))


class PinnedLoader:
    """A PyLD document loader over the pinned contexts only; ``extension_url`` names ours."""

    def __init__(self, extension_url: str):
        self.urls = {VC_V2: VC_V2, OB_V3: OB_V3, extension_url: "extension"}

    def __call__(self, url: str, options: dict | None = None) -> dict:
        key = self.urls.get(url)
        if key is None:
            raise UnpinnedContext(f"refusing to load unpinned context {url}")
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": pinned_document(key),
        }
