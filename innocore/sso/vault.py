"""Client secrets at rest: sealed with Fernet (AES-128-CBC + HMAC-SHA256, ``cryptography``)
under keys kept in the instance folder (``sso_secret.key``, mode 0600), like the session key.
The database alone does not give the secrets away; hosts that share a database must share this
key file as they share ``secret_key``.

The key file holds one key per line, the newest first: the newest seals, every key opens
(``cryptography``'s ``MultiFernet``). ``flask innocore sso rotate-key`` adds a key and seals
every stored secret again under it; ``--retire`` then drops the older keys (see the README,
"Institutional sign-in")."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

from innocore.errors import DomainError, Problem
from innocore.files import create_once
from innocore.marks import N_

KEY_FILE = "sso_secret.key"
PREFIX = "fernet:"  # what a sealed value starts with (the migration seals the others)


def key_path(instance_path: str | None = None) -> Path:
    return Path(instance_path or current_app.instance_path) / KEY_FILE


def _keys(instance_path: str | None = None) -> list[bytes]:
    """The keys of the key file, newest first (the file is created with one key if missing)."""
    raw = create_once(key_path(instance_path), Fernet.generate_key())
    return [line.strip() for line in raw.splitlines() if line.strip()]


def _fernet(instance_path: str | None = None) -> MultiFernet:
    return MultiFernet([Fernet(k) for k in _keys(instance_path)])


def _write_keys(path: Path, keys: list[bytes]) -> None:
    """Replace the key file atomically (mode 0600): readers see the old file or the new one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(b"\n".join(keys) + b"\n")
    os.replace(tmp, path)


def add_key(instance_path: str | None = None) -> int:
    """Put a new key first in the key file (it seals from now on; the older ones still open).
    Returns how many keys the file holds now."""
    path = key_path(instance_path)
    keys = [Fernet.generate_key(), *_keys(instance_path)]
    _write_keys(path, keys)
    return len(keys)


def retire_old_keys(stored: list[str], instance_path: str | None = None) -> int:
    """Keep only the newest key. ``stored``: every sealed value in the database, all of which
    must open with the newest key alone (``rotate`` them first); raises ``ValueError`` naming
    how many do not. Returns how many keys were dropped."""
    keys = _keys(instance_path)
    newest = Fernet(keys[0])
    unreadable = 0
    for value in stored:
        if not value:
            continue
        try:
            newest.decrypt(value.removeprefix(PREFIX).encode())
        except InvalidToken:
            unreadable += 1
    if unreadable:
        raise ValueError(f"{unreadable} stored secret(s) are not sealed under the newest key")
    _write_keys(key_path(instance_path), keys[:1])
    return len(keys) - 1


def seal(plain: str, instance_path: str | None = None) -> str:
    """``plain`` encrypted for the database (``"fernet:" + token``, newest key); ``""`` stays
    ``""``."""
    if not plain:
        return ""
    return PREFIX + _fernet(instance_path).encrypt(plain.encode()).decode()


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def _unreadable() -> DomainError:
    msg = N_(
        "The stored client secret of this institution cannot be read (the server's key "
        "changed); a network administrator must enter it again."
    )
    return DomainError(Problem("sso_unavailable", msg, None), status=502)


def unseal(stored: str) -> str:
    """The secret in ``stored`` (as ``seal`` made it, under any key of the file). Raises
    ``DomainError`` 502 when it cannot be read: no key of the instance folder opens it, or it
    was altered."""
    if not stored:
        return ""
    try:
        return _fernet().decrypt(stored.removeprefix(PREFIX).encode()).decode()
    except (InvalidToken, ValueError):
        raise _unreadable() from None


def reseal(stored: str, instance_path: str | None = None) -> str:
    """``stored`` sealed again under the newest key (``MultiFernet.rotate``, which keeps the
    token's original timestamp). Raises ``DomainError`` 502 when no key opens it."""
    if not stored:
        return ""
    try:
        token = _fernet(instance_path).rotate(stored.removeprefix(PREFIX).encode())
    except (InvalidToken, ValueError):
        raise _unreadable() from None
    return PREFIX + token.decode()
