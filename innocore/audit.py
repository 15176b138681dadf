"""Audit trail: who changed what, when, with the changed values."""

from __future__ import annotations

import enum
import re
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from innocore import clock
from innocore.db import UTCDateTime
from innocore.extensions import db

if TYPE_CHECKING:  # named, not imported: accounts record audit events
    from innocore.accounts.models import User


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(80))
    object_type: Mapped[str] = mapped_column(sa.String(60))
    object_id: Mapped[str] = mapped_column(sa.String(60))
    facility_id: Mapped[int | None] = mapped_column(sa.ForeignKey("facility.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id"), index=True
    )
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor: Mapped[User | None] = relationship()

    __table_args__ = (sa.Index("ix_audit_event_object", "object_type", "object_id"),)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} {self.object_type}:{self.object_id}>"


def _jsonable(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return clock.api_time(value)  # an instant in UTC with Z, a date as YYYY-MM-DD
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


_STORED_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}.*[+-]\d{2}:\d{2}$")


def changes_for_api(changes):
    """An event's recorded changes for an API answer: instants recorded with an offset (before
    they were written in UTC with Z) are written as ``clock.api_instant``; the rest as stored."""
    if isinstance(changes, dict):
        return {key: changes_for_api(value) for key, value in changes.items()}
    if isinstance(changes, list):
        return [changes_for_api(value) for value in changes]
    if isinstance(changes, str) and _STORED_INSTANT.match(changes):
        return clock.api_instant(datetime.fromisoformat(changes))
    return changes


def changes_of(obj, *, exclude: tuple[str, ...] = ("password_hash", "kiosk_pin_hash")) -> dict:
    """The column changes pending on an ORM object, as ``{attr: [old, new]}`` (for the audit trail)."""
    state = sa.inspect(obj)
    out = {}
    for attr in state.mapper.column_attrs:
        if attr.key in exclude:
            continue
        hist = state.attrs[attr.key].history
        if hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            out[attr.key] = [_jsonable(old), _jsonable(new)]
    return out


def snapshot(obj, *, exclude: tuple[str, ...] = ("password_hash", "kiosk_pin_hash")) -> dict:
    """Every column of a new object, as ``{attr: [None, value]}``."""
    state = sa.inspect(obj)
    return {
        a.key: [None, _jsonable(getattr(obj, a.key))]
        for a in state.mapper.column_attrs
        if a.key not in exclude
    }


def record(
    actor: User | None,
    action: str,
    obj,
    changes: dict | None = None,
    *,
    facility_id: int | None = None,
    organisation_id: int | None = None,
) -> AuditEvent:
    """Add one audit event to the session (flushes the object first so it has an id)."""
    obj = obj._get_current_object() if hasattr(obj, "_get_current_object") else obj
    if sa.inspect(obj).pending:
        db.session.flush()
    event = AuditEvent(
        occurred_at=clock.now(),
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=type(obj).__tablename__,
        object_id=str(sa.inspect(obj).identity[0]),
        facility_id=facility_id,
        organisation_id=organisation_id,
        changes=changes or {},
    )
    db.session.add(event)
    return event
