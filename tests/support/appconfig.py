"""The test world is the production world: production settings plus only what a test must change.

A test changes three things: the database (a throw-away one), the mail port (a local aiosmtpd
server, or a closed port) and the instance folder (a temporary one, so the generated secret key,
the issuers' signing keys and uploaded photos never land in the checkout). A server that other
processes reach also says where it listens (``BASE_URL``), as any deployment does.
"""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

# Nothing listens on port 1: mail to it fails as it would with the relay down.
CLOSED_PORT = 1


def settings(
    database_url: str,
    *,
    instance: str | Path,
    smtp_port: int | None = None,
    **changes,
) -> dict:
    """``create_app`` overrides (config keys without the ``INNOCORE_`` prefix)."""
    return {
        "DATABASE_URL": database_url,
        "MAIL_PORT": smtp_port or CLOSED_PORT,
        "INSTANCE_PATH": str(instance),
        # The suite's OpenID provider and SAML IdP listen on loopback without TLS.
        "SSO_PLAIN_HTTP_HOSTS": "127.0.0.1,localhost",
        **changes,
    }


def environ(config: dict) -> dict:
    """The same settings as ``INNOCORE_*`` variables for a subprocess, over this process's
    environment."""
    return {**os.environ, **{f"INNOCORE_{k}": str(v) for k, v in config.items()}}


def temporary_instance(label: str) -> tempfile.TemporaryDirectory:
    """A fresh instance folder; ``.cleanup()`` removes it."""
    return tempfile.TemporaryDirectory(prefix=f"innocore-{label}-")


@functools.cache
def password_hash(password: str) -> str:
    """The production argon2id hash of ``password``, computed once per test run (each hash costs
    what it costs in production; factories reuse it)."""
    from innocore.accounts.services import hash_password

    return hash_password(password)


def path_of(url: str) -> str:
    """The path of an absolute link the app gave out (for the test client); fails unless the
    link is under ``BASE_URL``."""
    from flask import current_app

    base = current_app.config["BASE_URL"].rstrip("/")
    assert url.startswith(base + "/"), f"{url} is not under {base}"
    return url[len(base) :]


def base_host() -> str:
    """The host name of ``BASE_URL`` (it names this installation in iCalendar UIDs)."""
    from urllib.parse import urlsplit

    from flask import current_app

    return urlsplit(current_app.config["BASE_URL"]).hostname
