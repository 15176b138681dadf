"""The audit trail in words: names instead of ids, labels instead of column names.

``readable(event_changes, names)`` is pure: it turns ``{"user_id": [None, 8]}`` into
``[("User", None, "Ada Lovelace")]`` given the names looked up for the ids. ``lookup_names``
reads the names of every id a page of events mentions, one query per kind, whatever the size.
Packages name their own ids (``register_audit_names``), so the kernel imports none of them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime

import sqlalchemy as sa
from flask import Flask, current_app

# column name -> kind of object its id points to (kernel kinds; packages add theirs).
KERNEL_KINDS = {
    "user_id": "user",
    "actor_id": "user",
    "holder_id": "user",
    "issued_by_id": "user",
    "created_by_id": "user",
    "requester_id": "user",
    "decided_by_id": "user",
    "trainer_id": "user",
    "assessor_id": "user",
    "invited_by_id": "user",
    "facility_id": "facility",
    "organisation_id": "organisation",
    "institution_id": "organisation",
    "competence_id": "competence",
    "required_competence_id": "competence",
}
EXTENSION = "innocore.audit_names"
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
NamesFn = Callable[[set[int]], dict[int, str]]


def register_audit_names(app: Flask, kind: str, columns: Iterable[str], fn: NamesFn) -> None:
    """A package names the ids of ``kind`` (``fn(ids) -> {id: name}``, one query) found in the
    ``columns`` of audit changes (e.g. ``"instrument", ["instrument_id"]``)."""
    reg = app.extensions.setdefault(EXTENSION, {"kinds": {}, "columns": {}})
    reg["kinds"][kind] = fn
    for column in columns:
        reg["columns"][column] = kind


def kind_of(column: str, columns: dict[str, str]) -> str | None:
    """The kind of object a column's id points to (any ``*_by_id`` is a person), or None."""
    return columns.get(column) or ("user" if column.endswith("_by_id") else None)


def label_of(column: str, ref: bool = True) -> str:
    """``required_competence_id`` -> "Required competence"; ``starts_at`` -> "Starts at";
    an id that names no object keeps its "id" (``public_id`` -> "Public id")."""
    words = (column.removesuffix("_id") if ref else column).replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else column


def value_text(value, kind: str | None, names: dict, zone: str, local_time) -> str | None:
    """One value in words: a name for an id, a local time for an ISO instant, Yes/No for
    booleans, words for enumeration values; ``None`` stays ``None`` (shown as "—")."""
    if value is None or value == "":
        return None
    if kind and isinstance(value, int) and not isinstance(value, bool):
        return names.get((kind, value), f"#{value}")
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, str) and _ISO.match(value):
        try:
            return local_time(datetime.fromisoformat(value), zone)
        except ValueError:
            return value
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or None
    text = str(value)
    return text.replace("_", " ") if re.fullmatch(r"[a-z]+(_[a-z]+)+", text) else text


def readable(changes: dict, names: dict, columns: dict, zone: str, local_time) -> list[tuple]:
    """``[(label, old_text, new_text), ...]`` for an event's changes, ids named from ``names``
    (``{(kind, id): name}``) through ``columns`` (``{column: kind}``)."""
    out = []
    for column, pair in (changes or {}).items():
        old, new = (
            (list(pair) + [None, None])[:2] if isinstance(pair, list | tuple) else (None, pair)
        )
        kind = kind_of(column, columns)
        old_text = value_text(old, kind, names, zone, local_time)
        new_text = value_text(new, kind, names, zone, local_time)
        if column == "id" or (old_text is None and new_text is None):
            continue  # a new row's own id and its empty columns say nothing
        out.append((label_of(column, kind is not None), old_text, new_text))
    return out


def columns_map() -> dict[str, str]:
    reg = current_app.extensions.get(EXTENSION, {"columns": {}})
    return {**KERNEL_KINDS, **reg["columns"]}


def lookup_names(events) -> dict[tuple[str, int], str]:
    """``{(kind, id): name}`` for every id the events' changes mention (one query per kind)."""
    columns = columns_map()
    wanted: dict[str, set[int]] = defaultdict(set)
    for event in events:
        for column, pair in (event.changes or {}).items():
            kind = kind_of(column, columns)
            values = pair if isinstance(pair, list | tuple) else [pair]
            for v in values:
                if kind and isinstance(v, int) and not isinstance(v, bool):
                    wanted[kind].add(v)
    finders = {**_kernel_finders(), **current_app.extensions.get(EXTENSION, {"kinds": {}})["kinds"]}
    names = {}
    for kind, ids in wanted.items():
        if kind in finders:
            names.update({(kind, i): n for i, n in finders[kind](ids).items()})
    return names


def names_by(model, attr: str = "name") -> NamesFn:
    """A finder of ``{id: name}`` for ``model`` by its ``attr`` column (one query)."""

    def find(ids: set[int]) -> dict[int, str]:
        from innocore.extensions import db

        column = getattr(model, attr)
        return dict(db.session.execute(sa.select(model.id, column).where(model.id.in_(ids))).all())

    return find


def _kernel_finders() -> dict[str, NamesFn]:
    from innocore.accounts.models import Organisation, User
    from innocore.competences.models import Competence
    from innocore.facilities.models import Facility

    return {
        "user": names_by(User),
        "facility": names_by(Facility),
        "organisation": names_by(Organisation),
        "competence": names_by(Competence, "title"),
    }
