"""Client secrets at rest: sealed with Fernet (AES-128-CBC + HMAC-SHA256, ``cryptography``)
under a key created once in the instance folder (``sso_secret.key``, mode 0600), like the
session key. The database alone does not give the secrets away; hosts that share a database
must share this key file as they share ``secret_key``."""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

from innocore.errors import DomainError, Problem
from innocore.files import create_once

KEY_FILE = "sso_secret.key"
PREFIX = "fernet:"  # what a sealed value starts with (the migration seals the others)


def _fernet(instance_path: str | None = None) -> Fernet:
    path = Path(instance_path or current_app.instance_path) / KEY_FILE
    return Fernet(create_once(path, Fernet.generate_key()).strip())


def seal(plain: str, instance_path: str | None = None) -> str:
    """``plain`` encrypted for the database (``"fernet:" + token``); ``""`` stays ``""``."""
    if not plain:
        return ""
    return PREFIX + _fernet(instance_path).encrypt(plain.encode()).decode()


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def unseal(stored: str) -> str:
    """The secret in ``stored`` (as ``seal`` made it). Raises ``DomainError`` 502 when it cannot
    be read: the instance folder's key is not the one it was sealed with, or it was altered."""
    if not stored:
        return ""
    try:
        return _fernet().decrypt(stored.removeprefix(PREFIX).encode()).decode()
    except (InvalidToken, ValueError):
        msg = (
            "The stored client secret of this institution cannot be read (the server's key "
            "changed); a network administrator must enter it again."
        )
        raise DomainError(Problem("sso_unavailable", msg, None), status=502) from None
