"""A unique index refused a row that a concurrent writer inserted first: the service's own
problem (422), not a server error. Apart from ``innocore.db`` (which knows no ``DomainError``)
so that the database helpers, the errors and the extensions import no one in a circle."""

from __future__ import annotations

import sqlalchemy as sa

from innocore.db import unique_violated
from innocore.errors import DomainError
from innocore.extensions import db


def flush_unique(taken: list[tuple[str, tuple, object]]) -> None:
    """Flush the session; if another writer got there first and a unique index of ``taken``
    refuses the row, roll the failed transaction back (nothing of it can be used any more) and
    raise ``DomainError`` with that entry's problem (422, the same one the service's own check
    gives) instead of a server error. ``taken`` holds ``(index or constraint name, its plain
    columns for SQLite's message, Problem)``; any other database error propagates."""
    try:
        db.session.flush()
    except sa.exc.IntegrityError as exc:
        for name, columns, problem in taken:
            if unique_violated(exc, name, columns):
                db.session.rollback()
                raise DomainError(problem) from None
        raise
