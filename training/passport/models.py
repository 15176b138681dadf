"""Competence passport: revocable share links (only the token's SHA-256 is stored)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from innocore.db import UTCDateTime
from innocore.extensions import db


class PassportLink(db.Model):
    """A secret address showing one person's passport to whoever has it, until revoked."""

    __tablename__ = "passport_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    label: Mapped[str] = mapped_column(sa.String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<PassportLink {self.id} holder={self.holder_id}>"
