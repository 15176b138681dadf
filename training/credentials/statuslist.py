"""W3C Bitstring Status List v1.0: encode and read the ``encodedList`` (pure)."""

from __future__ import annotations

import base64
import gzip
from collections.abc import Iterable

from training.certification.rules import STATUS_LIST_SIZE as LIST_SIZE


def encode(indexes: Iterable[int], size: int = LIST_SIZE) -> str:
    """Multibase ``u`` (base64url, no padding) of the GZIP of the bitstring; index 0 is the MSB."""
    bits = bytearray(size // 8)
    for i in indexes:
        if not 0 <= i < size:
            raise ValueError(f"status index {i} out of range")
        bits[i // 8] |= 0x80 >> (i % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def is_set(encoded: str, index: int) -> bool:
    """The bit at ``index``; raises ``ValueError`` on a malformed or too short list."""
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url ('u')")
    raw = encoded[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    if len(bits) * 8 < LIST_SIZE:
        raise ValueError("status list shorter than 131,072 entries")
    if not 0 <= index < len(bits) * 8:
        raise ValueError("status index out of range")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))
