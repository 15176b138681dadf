"""Personal access tokens for the JSON API: shown once, stored as SHA-256, revocable."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.db import UTCDateTime, begin_serialised_write
from innocore.errors import DomainError, NotFound, Problem
from innocore.extensions import db
from innocore.marks import N_, T_
from innocore.secret_links import digest

PREFIX = "icp_"
MAX_ACTIVE_TOKENS = 20


class ApiToken(db.Model):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.display_prefix}… user={self.user_id}>"


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; the secret is returned once and never stored."""
    name = " ".join((name or "").split())
    if not name or len(name) > 80:
        raise DomainError(
            Problem("invalid_name", N_("Give the token a name of 1 to 80 characters."), "name")
        )
    active = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    )
    if active >= MAX_ACTIVE_TOKENS:
        raise DomainError(
            Problem(
                "too_many_tokens",
                T_(
                    "You have %(max_active_tokens)s active tokens; revoke one first.",
                    max_active_tokens=MAX_ACTIVE_TOKENS,
                ),
            )
        )
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=digest(raw),
        display_prefix=raw[:10],
        created_at=clock.now(),
    )
    db.session.add(token)
    audit.record(user, "api_token.created", token, {"name": [None, name]})
    return token, raw


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (another person's token is simply not found)."""
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    if token is None:
        raise NotFound(N_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        audit.record(
            user, "api_token.revoked", token, {"revoked_at": [None, token.revoked_at.isoformat()]}
        )
    return token


def list_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc())
        )
    )


def user_for_token(raw: str) -> User | None:
    """The active user owning an unrevoked token; records when it was last used."""
    if not raw.startswith(PREFIX) or len(raw) > 100:
        return None
    token = db.session.scalar(
        sa.select(ApiToken)
        .options(sa.orm.joinedload(ApiToken.user))  # one query for the token and its user
        .where(ApiToken.token_hash == digest(raw), ApiToken.revoked_at.is_(None))
    )
    if token is None or not token.user.active:
        return None
    now = clock.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        _touch(token.id, now)
    return token.user


def _touch(token_id: int, now: datetime) -> None:
    """Record use, coarsely (at most every five minutes), in a short write of its own before the
    request's work. A GET's read transaction ends first, so on SQLite the update waits for the
    write lock like every writer instead of being refused."""
    begin_serialised_write(db.session())
    db.session.execute(sa.update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
    db.session.commit()
