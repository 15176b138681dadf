"""Secret tokens in links and credentials (API tokens, calendar feeds, passport links, e-mail
links, company invitations): the raw token is shown once, only its SHA-256 digest is stored, and a
live row is found by the digest of what a request presents.
"""

from __future__ import annotations

import hashlib
from typing import TypeVar

import sqlalchemy as sa

from innocore.errors import NotFound
from innocore.extensions import db

MAX_TOKEN_LENGTH = 100  # longer input is refused before it is hashed
M = TypeVar("M")


def digest(raw: str) -> str:
    """The stored form of a secret token: SHA-256 of its UTF-8 bytes, 64 hex characters."""
    return hashlib.sha256(raw.encode()).hexdigest()


def find_live(model: type[M], raw: str | None, *, unknown: str, query=None) -> M:
    """The unrevoked row of ``model`` (a table with ``token_hash`` and ``revoked_at``) whose token
    is ``raw``; ``NotFound(unknown)`` when the token is empty, too long, unknown or revoked.
    ``query`` may be a select of ``model`` with options (joined loads) to start from."""
    row = None
    if raw and len(raw) <= MAX_TOKEN_LENGTH:
        stmt = query if query is not None else sa.select(model)
        row = db.session.scalar(
            stmt.where(model.token_hash == digest(raw), model.revoked_at.is_(None))
        )
    if row is None:
        raise NotFound(unknown)
    return row
