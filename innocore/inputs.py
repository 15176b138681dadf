"""What the boundary accepts at all, in one place for pages, API and every package.

Every request passes here before any view runs, so a value the databases cannot hold never reaches
a query: integers beyond the smaller database's range (PostgreSQL ``integer``: 32 bits; SQLite
stores 64), the NUL character (PostgreSQL text cannot hold it), years outside the calendar we
serve (``clock.FIRST_YEAR`` to ``clock.LAST_YEAR``: no month follows December 9999) and JSON
nested deeper than any of our documents (Python recurses on each level).
"""

from __future__ import annotations

from flask import Flask, Request, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from innocore.clock import FIRST_YEAR, LAST_YEAR, year_in_range
from innocore.errors import DomainError, Problem

DB_INT_MIN = -(2**31)
DB_INT_MAX = 2**31 - 1  # PostgreSQL ``integer``; SQLite's 64-bit range contains it
MAX_JSON_DEPTH = 32


def db_int(value) -> int:
    """``int(value)`` when it fits every database's integer column; else ``ValueError``."""
    number = int(value)
    if not DB_INT_MIN <= number <= DB_INT_MAX:
        raise ValueError(f"{number} is outside {DB_INT_MIN}..{DB_INT_MAX}")
    return number


class DbIntConverter(IntegerConverter):
    """``<int:...>`` path segments: whole numbers the databases can hold; anything else is a 404."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 (werkzeug's parameter name)
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


class _Args(ImmutableMultiDict):
    """``request.args.get(name, type=int)``: out-of-range integers count as malformed (default)."""

    def get(self, key, default=None, type=None):  # noqa: A002 (werkzeug's signature)
        return super().get(key, default, db_int if type is int else type)


class InnoRequest(Request):
    parameter_storage_class = _Args


def _has_nul(values) -> str | None:
    for key, value in values:
        if "\x00" in key or "\x00" in value:
            return key
    return None


def refuse_nul() -> None:
    """The NUL character in a path, query or form field is refused before a view sees it."""
    field = None
    if "\x00" in request.path:
        field = "path"
    else:
        field = _has_nul(request.args.items(multi=True))
        if field is None and request.mimetype in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            field = _has_nul(request.form.items(multi=True))
    if field is not None:
        raise DomainError(
            Problem("invalid_character", "Text may not contain the NUL character.", field),
            status=400,
        )


def check_json(data, where: str = "") -> list[Problem]:
    """Problems with a parsed JSON document: depth, NUL characters, integers out of range.

    Walks iteratively (no recursion), so any document Flask could parse is checked safely.
    """
    problems: list[Problem] = []
    stack = [(data, where, 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            msg = f"JSON may nest at most {MAX_JSON_DEPTH} levels."
            return [Problem("too_deep", msg, path or None)]
        if isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    problems.append(_nul(path))
                stack.append((item, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}.{i}" if path else str(i), depth + 1)
                         for i, item in enumerate(value))  # fmt: skip
        elif isinstance(value, str) and "\x00" in value:
            problems.append(_nul(path))
        elif (
            isinstance(value, int)
            and not isinstance(value, bool)
            and not DB_INT_MIN <= value <= DB_INT_MAX
        ):
            msg = f"Whole numbers lie between {DB_INT_MIN} and {DB_INT_MAX}."
            problems.append(Problem("out_of_range", msg, path or None))
    return problems


def _nul(path: str) -> Problem:
    return Problem("invalid_character", "Text may not contain the NUL character.", path or None)


def init_app(app: Flask) -> None:
    app.request_class = InnoRequest
    app.url_map.converters["int"] = DbIntConverter
    app.before_request(refuse_nul)


__all__ = ["FIRST_YEAR", "LAST_YEAR", "year_in_range", "db_int", "check_json", "init_app"]
