"""What the boundary accepts at all, in one place for pages, API and every package.

Every request passes here before any view runs, so a value the databases cannot hold never reaches
a query: integers beyond the smaller database's range (PostgreSQL ``integer``: 32 bits; SQLite
stores 64), the NUL character (PostgreSQL text cannot hold it), years outside the calendar we
serve (``clock.FIRST_YEAR`` to ``clock.LAST_YEAR``: no month follows December 9999) and JSON
nested deeper than any of our documents (Python recurses on each level).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from flask import Flask, Request, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter, IntegerConverter

from innocore.clock import FIRST_YEAR, LAST_YEAR, year_in_range
from innocore.errors import DomainError, Problem
from innocore.marks import N_, T_

API_PATH = "/api/"
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

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > DB_INT_MAX:
            # Not a ValidationError: werkzeug would then answer 405 for a path that matched
            # another method's rule. No object has such an id: 404.
            raise NotFound()
        return number


class _Args(ImmutableMultiDict):
    """``request.args.get(name, type=int)``: out-of-range integers count as malformed (default)."""

    def get(self, key, default=None, type=None):  # noqa: A002 (werkzeug's signature)
        return super().get(key, default, db_int if type is int else type)


class InnoRequest(Request):
    parameter_storage_class = _Args


# A whole field that is a date, a month or a local/offset time: 2026-03, 2026-03-02, 2026-03-02T09:00.
_DATE_LIKE = re.compile(r"([0-9]{4,})-[0-9]{2}(-[0-9]{2}([T ][0-9:.]+([+-][0-9:]+|Z)?)?)?")


def _refused(key: str, value: str) -> Problem | None:
    if "\x00" in key or "\x00" in value:
        return Problem("invalid_character", N_("Text may not contain the NUL character."), key)
    if (m := _DATE_LIKE.fullmatch(value.strip())) and not FIRST_YEAR <= int(
        m.group(1)
    ) <= LAST_YEAR:
        msg = T_(
            "Dates lie in the years %(first_year)s to %(last_year)s.",
            first_year=FIRST_YEAR,
            last_year=LAST_YEAR,
        )
        return Problem("out_of_range", msg, key)
    return None


def refuse_unservable() -> None:
    """A path, query or form field with the NUL character, or a date outside the years we serve,
    is refused (400) before a view sees it: pages and API alike (the API asks once it has
    authenticated the caller, so a request without a token learns 401 first). Dates in a page's
    form body are left to its form fields, which show the error beside the field (422)."""
    if request.path.startswith(API_PATH) and not getattr(request, "_innocore_api_checked", False):
        return
    if "\x00" in request.path:
        raise DomainError(
            Problem("invalid_character", N_("Text may not contain the NUL character."), "path"), 400
        )
    problems = [p for key, value in request.args.items(multi=True) if (p := _refused(key, value))]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        # A page's form comes back with the error beside the field: its date fields check the
        # years themselves (innocore.forms.YearRangeMixin; hand-parsed page dates, as in
        # training.challenges.forms.as_date, keep narrower ranges). The NUL character still stops
        # here; API form bodies are checked whole.
        dates_too = request.path.startswith(API_PATH)
        for key, value in request.form.items(multi=True):
            found = _refused(key, value)
            if found and (dates_too or found.code != "out_of_range"):
                problems.append(found)
    if problems:
        raise DomainError(problems, status=400)


def check_json(data, where: str = "") -> list[Problem]:
    """Problems with a parsed JSON document: depth, NUL characters, integers out of range.

    Walks iteratively (no recursion), so any document Flask could parse is checked safely.
    """
    problems: list[Problem] = []
    stack = [(data, where, 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            msg = T_(
                "JSON may nest at most %(max_json_depth)s levels.", max_json_depth=MAX_JSON_DEPTH
            )
            return [Problem("too_deep", msg, path or None)]
        if isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    problems.append(_nul(path))
                stack.append((item, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(value, list):
            stack.extend(
                (item, f"{path}.{i}" if path else str(i), depth + 1) for i, item in enumerate(value)
            )
        elif isinstance(value, str) and "\x00" in value:
            problems.append(_nul(path))
        elif (
            isinstance(value, int)
            and not isinstance(value, bool)
            and not DB_INT_MIN <= value <= DB_INT_MAX
        ):
            msg = T_(
                "Whole numbers lie between %(db_int_min)s and %(db_int_max)s.",
                db_int_min=DB_INT_MIN,
                db_int_max=DB_INT_MAX,
            )
            problems.append(Problem("out_of_range", msg, path or None))
    return problems


def dates_out_of_range(value, where: str = "") -> list[Problem]:
    """Problems for every date or instant in a parsed body (pydantic's python dump) outside the
    years we serve; arithmetic on them (the next day, the next month) would overflow."""
    problems: list[Problem] = []
    stack = [(value, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, dict):
            stack.extend((v, f"{path}.{k}" if path else str(k)) for k, v in item.items())
        elif isinstance(item, list | tuple):
            stack.extend((v, f"{path}.{i}" if path else str(i)) for i, v in enumerate(item))
        elif isinstance(item, date | datetime) and not year_in_range(item):
            msg = T_(
                "Dates lie in the years %(first_year)s to %(last_year)s.",
                first_year=FIRST_YEAR,
                last_year=LAST_YEAR,
            )
            problems.append(Problem("out_of_range", msg, path or None))
    return problems


def _nul(path: str) -> Problem:
    return Problem("invalid_character", N_("Text may not contain the NUL character."), path or None)


class EmailTokenConverter(BaseConverter):
    """An e-mail confirmation token (``secrets.token_urlsafe(32)``: 43 URL-safe characters).

    Only such a token reaches the confirmation page: any other ``/verify/<text>`` (a certificate
    id in capitals, a truncated id) goes to the certificate lookup, which says what it found.
    """

    regex = "[A-Za-z0-9_-]{43}"
    weight = 50


def init_app(app: Flask) -> None:
    app.request_class = InnoRequest
    app.url_map.converters["int"] = DbIntConverter
    app.url_map.converters["email_token"] = EmailTokenConverter
    app.before_request(refuse_unservable)


__all__ = ["FIRST_YEAR", "LAST_YEAR", "year_in_range", "db_int", "check_json", "init_app"]
