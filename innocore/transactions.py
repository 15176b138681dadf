"""Which units of work write, so that on SQLite every writer takes the write lock at BEGIN.

SQLite has one writer at a time. A transaction that begins as a reader and later writes cannot
wait for the lock: it fails at once ("database is locked") if another writer committed after its
first read. So every transaction that may write begins ``IMMEDIATE`` and queues on the busy
timeout (``innocore.db``), and reads stay concurrent (WAL). The intent, decided here:

- a request with a state-changing method (POST, PUT, PATCH, DELETE) may write;
- a request with a safe method (GET, HEAD, OPTIONS) only reads, unless its view is marked
  ``@writes`` (a link that confirms an e-mail address, say);
- everything outside a request (scheduled jobs, CLI commands, shells, migrations) may write.

A view marked ``@reads_first`` does slow work before it writes (a password hash): it begins as a
reader and its service calls ``begin_serialised_write`` before the first write, so the write lock
is not held during the slow part.

On every database (PostgreSQL too, so both test runs catch it) a write in a transaction that was
begun as a reader warns ``ReadTransactionWrite`` (an error under the test suite): mark the view,
or call ``begin_serialised_write`` first.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from sqlalchemy.orm import Session

from innocore import db as dbmod

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITES = "innocore_writes"  # view attribute: True (writes on a safe method) or "reads_first"

V = TypeVar("V", bound=Callable)


class ReadTransactionWrite(RuntimeWarning):
    """A unit of work described as read-only wrote to the database."""


def writes(view: V) -> V:
    """Mark a view that writes although its method is safe (GET): it begins IMMEDIATE on SQLite."""
    setattr(view, WRITES, True)
    return view


def reads_first(view: V) -> V:
    """Mark a state-changing view that reads (slowly) before it writes: it begins as a reader, and
    its service calls ``begin_serialised_write`` before the first write."""
    setattr(view, WRITES, "reads_first")
    return view


def _view_mark():
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, WRITES, None)


def writes_expected() -> bool:
    """Whether the unit of work now running may write (see the module's rules)."""
    if not has_request_context():
        return True
    mark = _view_mark()
    if request.method in SAFE_METHODS:
        return mark is True
    return mark != "reads_first"


def _wrote_in_read_transaction(session: Session) -> None:
    if writes_expected() or session.info.get(dbmod.SERIALISED) is session.get_transaction():
        return
    warnings.warn(
        f"{request.method} {request.endpoint} wrote in a read transaction: on SQLite that fails "
        "under concurrent writers; mark the view @writes or call begin_serialised_write first",
        ReadTransactionWrite,
        stacklevel=4,
    )


def _before_flush(session: Session, _context, _instances) -> None:
    if session.new or session.deleted or any(session.is_modified(o) for o in session.dirty):
        _wrote_in_read_transaction(session)


def _orm_execute(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _wrote_in_read_transaction(state.session)


def install() -> None:
    """Tell the SQLite BEGIN hook what each transaction intends, and watch for undeclared writes."""
    dbmod.set_write_intent(writes_expected)
    for name, hook in (("before_flush", _before_flush), ("do_orm_execute", _orm_execute)):
        if not sa.event.contains(Session, name, hook):
            sa.event.listen(Session, name, hook)
