"""Files the installation creates once for itself (secret key, signing keys)."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def create_once(path: Path, content: bytes) -> bytes:
    """The content of ``path``, writing ``content`` (mode 0600) first if the file does not exist.

    Safe when several processes start at once (gunicorn workers): the file appears complete or not
    at all (written under a temporary name, then hard-linked into place), and every process ends
    up with the content of the first one that linked it.
    """
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
            with contextlib.suppress(FileExistsError):  # another process was first: use theirs
                os.link(tmp, path)
        finally:
            tmp.unlink()
    return path.read_bytes()
