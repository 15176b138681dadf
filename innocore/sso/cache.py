"""Providers' published documents (OpenID discovery, JWKS, SAML metadata by URL), fetched over
HTTP and kept in the database (``SsoProviderDocument``) so that every worker and every host
shares one copy: a sign-in does not fetch them again until they expire.

How long a document is kept: the provider's ``Cache-Control: max-age`` (RFC 9111 §5.2.2.1),
at least ``MIN_SECONDS`` and at most ``MAX_SECONDS``; ``DEFAULT_SECONDS`` without one. A
document that can no longer be fetched is not served stale: sign-in says the provider does not
answer. Writes go through the request's session (``begin_serialised_write``; an upsert, so two
workers fetching at once both succeed); the calling view commits.
"""

from __future__ import annotations

import re
from datetime import timedelta

import requests
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from innocore import clock
from innocore.db import begin_serialised_write
from innocore.errors import DomainError, Problem
from innocore.extensions import db
from innocore.sso.models import SsoProviderDocument

TIMEOUT_SECONDS = 10
DEFAULT_SECONDS = 60 * 60
MIN_SECONDS = 5 * 60
MAX_SECONDS = 24 * 60 * 60
MAX_BYTES = 2_000_000  # a federation's metadata aggregate is larger: give the IdP's own URL


def _unavailable() -> DomainError:
    msg = "Your institution's sign-in service does not answer. Try again later."
    return DomainError(Problem("sso_unavailable", msg, None), status=502)


def _lifetime(response: requests.Response) -> int:
    found = re.search(r"max-age\s*=\s*(\d+)", response.headers.get("Cache-Control", ""))
    seconds = int(found.group(1)) if found else DEFAULT_SECONDS
    return max(MIN_SECONDS, min(MAX_SECONDS, seconds))


def document(url: str, *, refresh: bool = False) -> str:
    """The text at ``url``: the stored copy while it is fresh (and ``refresh`` is false), else
    fetched now and stored. Raises ``DomainError`` 502 when it cannot be fetched."""
    now = clock.now()
    if not refresh:  # columns, not the entity: an upsert does not refresh a loaded object
        row = db.session.execute(
            sa.select(SsoProviderDocument.body, SsoProviderDocument.expires_at).where(
                SsoProviderDocument.url == url
            )
        ).first()
        if row is not None and row.expires_at > now:
            return row.body
    try:
        response = requests.get(url, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
        if len(response.content) > MAX_BYTES:
            raise _unavailable()
        body = response.text
    except requests.RequestException:
        raise _unavailable() from None
    _store(url, body, now, now + timedelta(seconds=_lifetime(response)))
    return body


def refresh_if_older(url: str, seconds: int) -> bool:
    """Fetch ``url`` again now unless the stored copy is younger than ``seconds`` (a provider
    that rolled its keys over is asked again at most once a minute, whatever comes in).
    Returns whether it was fetched. Raises ``DomainError`` 502 when it cannot be."""
    fetched_at = db.session.scalar(
        sa.select(SsoProviderDocument.fetched_at).where(SsoProviderDocument.url == url)
    )
    if fetched_at is not None and fetched_at > clock.now() - timedelta(seconds=seconds):
        return False
    document(url, refresh=True)
    return True


def _store(url: str, body: str, fetched_at, expires_at) -> None:
    begin_serialised_write(db.session())
    values = {"url": url, "body": body, "fetched_at": fetched_at, "expires_at": expires_at}
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(SsoProviderDocument)
    db.session.execute(
        insert.values(**values).on_conflict_do_update(
            index_elements=[SsoProviderDocument.url],
            set_={k: v for k, v in values.items() if k != "url"},
        )
    )


def forget(url: str) -> None:
    """Drop the stored copy of ``url`` (an administrator changed the provider)."""
    begin_serialised_write(db.session())
    db.session.execute(sa.delete(SsoProviderDocument).where(SsoProviderDocument.url == url))
