"""Create requests that happen once: a retried or doubled POST returns the first result.

Two boundaries share one table (``IdempotencyKey``, unique per person and key):

- JSON API creates accept an ``Idempotency-Key`` header (IETF httpapi draft
  "The Idempotency-Key HTTP Header Field"): the first answer is stored with a hash of the body and
  sent again for a retry with the same key; the same key with another body is a 422.
- HTML create forms carry a hidden one-time ``idempotency_key`` made when the form is shown
  (``IdempotentForm``): a second post of the same form (double click, back-and-resubmit, a
  script replaying it) is sent to what the first one created instead of creating another.

The row is written in the create's own transaction, so two simultaneous posts with one key
cannot both commit (the unique constraint refuses the second, which then replays the first).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable

import sqlalchemy as sa
from flask import redirect, request
from flask_login import current_user
from wtforms import HiddenField

from innocore import clock
from innocore.errors import DomainError, Problem
from innocore.extensions import db
from innocore.marks import N_
from instruments.models import IdempotencyKey

MAX_KEY = 200


def _hash(text: bytes) -> str:
    return hashlib.sha256(text).hexdigest()


def body_hash() -> str:
    """SHA-256 of the request body (what an API key is tied to)."""
    return _hash(request.get_data())


def form_hash(scope: str) -> str:
    """A form key is tied to the form it was made for (``scope``: the endpoint and its target)."""
    return _hash(f"form:{scope}".encode())


def header_key() -> str:
    """The request's ``Idempotency-Key`` header ("" when none); over 200 characters is a 422."""
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if len(key) > MAX_KEY:
        raise DomainError(
            Problem(
                "invalid_key",
                N_("Idempotency-Key is at most 200 characters."),
                "Idempotency-Key",
            )
        )
    return key


def stored(key: str, request_hash: str) -> IdempotencyKey | None:
    """The current user's stored answer for ``key``; a 422 ``idempotency_key_reused`` when the
    key was used for another request (another body or another form)."""
    if not key:
        return None
    row = db.session.scalar(
        sa.select(IdempotencyKey).where(
            IdempotencyKey.user_id == current_user.id, IdempotencyKey.key == key
        )
    )
    if row is not None and row.request_hash != request_hash:
        raise DomainError(
            Problem(
                "idempotency_key_reused",
                N_("This Idempotency-Key was used for a different request."),
                "Idempotency-Key",
            )
        )
    return row


def remember(key: str, request_hash: str, status_code: int, response: dict) -> None:
    """Add the answer for ``key`` to the session (committed with the create it belongs to)."""
    if key:
        db.session.add(
            IdempotencyKey(
                user_id=current_user.id,
                key=key[:MAX_KEY],
                request_hash=request_hash,
                status_code=status_code,
                response=response,
                created_at=clock.now(),
            )
        )


def new_form_key() -> str:
    """A fresh one-time key for a create form (made each time the form is shown)."""
    return secrets.token_urlsafe(24)


class IdempotentForm:
    """A create form's mixin: a hidden ``idempotency_key`` made when the form is shown."""

    idempotency_key = HiddenField(default=new_form_key)


def form_replay(form, scope: str):
    """The redirect to what this form's key already created (a second post of the same form),
    or None. Call before running the create."""
    row = stored(_form_key(form), form_hash(scope))
    return redirect(row.response["location"]) if row is not None else None


def form_remember(form, scope: str, location: str) -> None:
    """Store where this form's create led, in the create's transaction."""
    remember(_form_key(form), form_hash(scope), 303, {"location": location})


def _form_key(form) -> str:
    return (form.idempotency_key.data or "").strip()[:MAX_KEY]


def once(run: Callable, replay: Callable):
    """``run()`` (which commits); if the commit meets the unique key of a simultaneous twin,
    roll back and return ``replay()`` (the twin's answer) instead."""
    try:
        return run()
    except sa.exc.IntegrityError:
        db.session.rollback()
        found = replay()
        if found is None:
            raise
        return found
