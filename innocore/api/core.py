"""The JSON API toolkit: operations described in code, pydantic bodies, pagination, OpenAPI 3.

Every package declares its endpoints with ``@operation(...)`` on its own blueprint; the OpenAPI
document is generated from those declarations and the app's URL map, so it cannot drift.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, g, jsonify, request, url_for
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.json_schema import GenerateJsonSchema

from innocore.errors import DomainError, Forbidden, Problem
from innocore.extensions import csrf, db
from innocore.inputs import (
    DB_INT_MAX,
    DB_INT_MIN,
    FIRST_YEAR,
    LAST_YEAR,
    check_json,
    dates_out_of_range,
    refuse_unservable,
    year_in_range,
)
from innocore.marks import N_, T_
from innocore.transactions import SAFE_METHODS

API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class Q:
    """A query parameter: what it means and which values it takes.

    The toolkit checks every declared parameter before the view runs (a bad value is a 400 naming
    the parameter) and the OpenAPI document describes it from the same declaration.
    ``type``: ``string`` (free text), ``integer`` (an id: 1 to the databases' maximum), ``number``,
    ``month`` (``2026-03``), ``date`` (``2026-03-31``), ``instant`` (ISO 8601 with an offset);
    ``enum``: the accepted values.
    """

    description: str
    type: str = "string"
    enum: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None

    def schema(self) -> dict:
        if self.enum is not None:
            return {"type": "string", "enum": list(self.enum)}
        if self.type == "integer":
            low = 1 if self.minimum is None else self.minimum
            high = DB_INT_MAX if self.maximum is None else self.maximum
            return {"type": "integer", "minimum": low, "maximum": high}
        if self.type == "number":
            return {
                "type": "number",
                "exclusiveMinimum": self.minimum or 0,
                "maximum": self.maximum,
            }
        if self.type == "month":
            return {"type": "string", "pattern": MONTH_PATTERN}
        if self.type == "instant":
            return {"type": "string", "format": "date-time"}
        if self.type == "date":
            return {"type": "string", "format": "date", "pattern": DATE_PATTERN}
        return {"type": "string", "maxLength": 200}

    def problem(self, name: str, raw: str) -> Problem | None:
        """Why ``raw`` is not a value of this parameter, or None."""
        if self.enum is not None:
            ok = raw in self.enum
            return (
                None
                if ok
                else Problem(
                    "invalid_choice", f"'{name}' is one of: " + ", ".join(self.enum) + ".", name
                )
            )
        if self.type == "integer":
            schema = self.schema()
            ok = bool(re.fullmatch(r"-?[0-9]{1,12}", raw))
            ok = ok and schema["minimum"] <= int(raw) <= schema["maximum"]
            msg = T_(
                "'%(name)s' is a whole number from %(schema)s to %(schema2)s.",
                name=name,
                schema=schema["minimum"],
                schema2=schema["maximum"],
            )
            return None if ok else Problem("invalid_number", msg, name)
        if self.type == "number":
            try:
                number = float(raw)
                ok = (self.minimum or 0) < number <= (self.maximum or DB_INT_MAX)
            except ValueError:
                ok = False
            msg = T_(
                "'%(name)s' is a number above %(minimum)s and up to %(maximum)s.",
                name=name,
                minimum=self.minimum or 0,
                maximum=self.maximum,
            )
            return None if ok else Problem("invalid_number", msg, name)
        if self.type == "month":
            ok = bool(re.fullmatch(MONTH_PATTERN, raw))
            ok = ok and FIRST_YEAR <= int(raw[:4]) <= LAST_YEAR
            msg = T_(
                "'%(name)s' is a month like 2026-03, in the years %(first_year)s to %(last_year)s.",
                name=name,
                first_year=FIRST_YEAR,
                last_year=LAST_YEAR,
            )
            return None if ok else Problem("invalid_month", msg, name)
        if self.type == "instant":
            return instant_problem(name, raw)
        if self.type == "date":
            return date_problem(name, raw)
        return (
            None
            if len(raw) <= 200
            else Problem("too_long", T_("'%(name)s' is too long.", name=name), name)
        )


MONTH_PATTERN = "^[0-9]{4}-(0[1-9]|1[0-2])$"
DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def date_problem(name: str, raw: str) -> Problem | None:
    """Why ``raw`` is not a calendar date ``2026-03-31`` of the years we store, or None."""
    try:
        ok = bool(re.fullmatch(DATE_PATTERN, raw))
        ok = ok and FIRST_YEAR <= date.fromisoformat(raw).year <= LAST_YEAR
    except ValueError:
        ok = False
    msg = T_(
        "'%(name)s' is a date like 2026-03-31, in the years %(first_year)s to %(last_year)s.",
        name=name,
        first_year=FIRST_YEAR,
        last_year=LAST_YEAR,
    )
    return None if ok else Problem("invalid_date", msg, name)


def instant_problem(name: str, raw: str) -> Problem | None:
    """Why ``raw`` is not an ISO-8601 instant with an offset in the years we serve, or None."""
    try:
        value = parse_instant_text(raw)
    except ValueError:
        return Problem(
            "invalid_datetime", T_("'%(name)s' is not an ISO-8601 time.", name=name), name
        )
    if value.tzinfo is None:
        return Problem(
            "naive_datetime",
            T_("'%(name)s' needs a UTC offset (e.g. +01:00 or Z).", name=name),
            name,
        )
    if not year_in_range(value):
        msg = T_(
            "'%(name)s' lies in the years %(first_year)s to %(last_year)s.",
            name=name,
            first_year=FIRST_YEAR,
            last_year=LAST_YEAR,
        )
        return Problem("out_of_range", msg, name)
    return None


def parse_instant_text(raw: str) -> datetime:
    """``datetime.fromisoformat`` that also reads ``Z`` and a ``+`` turned into a space by a URL."""
    return datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "+"))


def enum_values(enum_cls) -> tuple[str, ...]:
    """The string values of an ``Enum`` (for ``Q(enum=...)``)."""
    return tuple(member.value for member in enum_cls)


def _technology_query() -> Q:
    from innocore.vocab import Technology

    return Q("technology code", enum=enum_values(Technology))


TECHNOLOGY = _technology_query()

PAGE_QUERY = {
    "page": Q("page number, from 1", "integer", maximum=DB_INT_MAX // 100),
    "per_page": Q("items per page", "integer", maximum=100),
}


@dataclass
class Operation:
    summary: str
    tags: list[str]
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    paginated: bool = False  # the view returns ``paginated(...)``: {items, page, per_page, ...}
    listed: bool = False  # the view returns a list; the toolkit answers {"items": [...]}
    status: int = 200
    public: bool = False
    query: dict[str, str | Q] = field(default_factory=dict)  # name -> description or Q
    description: str = ""
    # Checked before the body is parsed, so a refused caller learns nothing from validation errors:
    # ``permission(user, **view_args) -> bool``.
    permission: Callable[..., bool] | None = None

    def query_params(self) -> dict[str, Q]:
        params = {n: q if isinstance(q, Q) else Q(q) for n, q in self.query.items()}
        return params | (PAGE_QUERY if self.paginated else {})


def signed_in(user, **_) -> bool:
    """The permission of operations any signed-in person may call (the service decides the rest)."""
    return bool(user.is_authenticated)


class Page(dict):
    """What ``paginated`` returns; the toolkit checks that only paginated operations return it."""


OPERATIONS: dict[str, Operation] = {}  # endpoint name -> declaration
PUBLIC_PAGES = {"api.docs", "api.docs_assets"}  # HTML docs need no token


def api_blueprint(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    """A blueprint under /api/v1 whose every request is authenticated the API way."""
    bp = Blueprint(name, import_name, url_prefix=API_PREFIX + url_prefix)
    csrf.exempt(bp)  # writes require a bearer token, which a cross-site form cannot send
    bp.before_request(_authenticate)
    return bp


def _authenticate():
    endpoint = request.endpoint or ""
    op = OPERATIONS.get(endpoint)
    if not ((op is not None and op.public) or endpoint in PUBLIC_PAGES):
        if not current_user.is_authenticated:
            return _unauthorised(
                N_("Send a personal access token: 'Authorization: Bearer <token>'.")
            )
        if request.method not in SAFE_METHODS and not g.get("api_token_auth"):
            # A browser session may read the API, but writes need a token (no CSRF via cookies).
            return _unauthorised(N_("Writes through the API need a personal access token."))
    request._innocore_api_checked = True
    refuse_unservable()
    return None


def _unauthorised(message: str):
    """401 with the reason in the reader's language (``message`` marked with ``N_``)."""
    from flask_babel import gettext

    body = {"errors": [{"code": "unauthorised", "message": gettext(message), "field": None}]}
    response = jsonify(body)
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="innocore"'
    return response


class Strict(BaseModel):
    """The base of every request body: unknown fields are refused (422), text is stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def operation(bp: Blueprint, rule: str, method: str, **meta) -> Callable:
    """Register ``view`` on ``bp`` at ``rule`` for ``method`` and describe it for OpenAPI.

    With ``body=Model`` the parsed body is passed as the keyword argument ``body``. A handler
    calls one service, commits once, then builds its answer from the committed rows (so numbers
    read back as stored: ``900`` -> ``"900.00"``); a ``DomainError`` is rolled back and answered
    by ``innocore/errors.py``, never caught in the handler.
    """

    def decorator(view):
        op = Operation(**meta)
        endpoint = f"{bp.name}.{view.__name__}"
        OPERATIONS[endpoint] = op

        @wraps(view)
        def wrapped(*args, **kwargs):
            if op.permission is not None and not op.permission(current_user, **kwargs):
                raise Forbidden(N_("You are not allowed to do this."))
            check_query(op)
            if op.body is not None:
                kwargs["body"] = parse_body(op.body)
            return _shaped(op, endpoint, view(*args, **kwargs))

        bp.add_url_rule(rule, view_func=wrapped, methods=[method])
        return wrapped

    return decorator


def check_query(op: Operation) -> None:
    """Every declared query parameter that was sent holds a value it takes; else a 422."""
    problems = [
        problem
        for name, param in op.query_params().items()
        for raw in request.args.getlist(name)
        if (problem := param.problem(name, raw)) is not None
    ]
    if problems:
        raise DomainError(problems, status=400)


def _shaped(op: Operation, endpoint: str, result):
    """The view's answer in the shape its declaration promises: the document cannot drift, since
    a list operation's envelope is built here and any other shape is a programming error."""
    body, rest = (result[0], result[1:]) if isinstance(result, tuple) else (result, ())
    if isinstance(body, Response) and not (op.listed or op.paginated):
        return result  # a file, a redirect or a JSON document of its own shape
    if isinstance(body, list):
        if not op.listed:
            raise TypeError(f"{endpoint} returned a list; declare it with listed=True")
        body = {"items": body}
    elif op.listed:
        raise TypeError(f"{endpoint} is declared listed=True; return a list")
    elif op.paginated != isinstance(body, Page):
        raise TypeError(f"{endpoint}: paginated=True and returning paginated(...) go together")
    elif isinstance(body, dict) and "items" in body and not op.paginated:
        raise TypeError(f"{endpoint} returned an 'items' envelope; return a list, listed=True")
    return (body, *rest) if rest else body


def json_object() -> dict | None:
    """The request's JSON body when it is an object; None for anything else (malformed, a list,
    nested too deep for the parser). Safe to call from a permission check."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        return None
    return data if isinstance(data, dict) else None


def parse_body(model: type[BaseModel]) -> BaseModel:
    """The JSON body as ``model``; 400 when it is not a JSON object, 422 listing every problem."""
    data = json_object()
    if data is None:
        raise DomainError(
            Problem("invalid_json", N_("Send a JSON object (Content-Type: application/json).")),
            status=400,
        )
    if problems := check_json(data):
        raise DomainError(problems)
    try:
        # Strict, as JSON: 0 is not false, 1.0 not an integer, a number not a time. The document
        # (JSON Schema) says the same, so what it calls invalid is refused.
        parsed = model.model_validate_json(json.dumps(data), strict=True)
    except ValidationError as exc:
        raise DomainError(
            [
                Problem("invalid", err["msg"], ".".join(str(p) for p in err["loc"]) or None)
                for err in exc.errors(include_url=False)
            ]
        ) from None
    if problems := dates_out_of_range(parsed.model_dump()):
        raise DomainError(problems)
    return parsed


def page_args() -> tuple[int, int]:
    """``page`` (from 1) and ``per_page`` (1 to 100) from the query string; bad values are a 400."""
    problems = [
        problem
        for name, param in PAGE_QUERY.items()
        if (raw := request.args.get(name)) is not None
        and (problem := param.problem(name, raw)) is not None
    ]
    if problems:
        raise DomainError(problems, status=400)
    page = int(request.args.get("page", 1))
    return page, int(request.args.get("per_page", current_app.config["PAGE_SIZE"]))


def paginated(stmt: sa.Select, serialise: Callable[[Any], dict]) -> dict:
    """A page of ``stmt`` as ``{items, page, per_page, total, next, prev}``: two queries, any size."""
    page, per_page = page_args()
    result = db.paginate(stmt, page=page, per_page=per_page, error_out=False)
    args = {k: v for k, v in request.args.items() if k not in ("page", "per_page")}

    def link(p):
        return url_for(request.endpoint, **request.view_args, **args, page=p, per_page=per_page)

    return Page(
        {
            "items": [serialise(item) for item in result.items],
            "page": page,
            "per_page": per_page,
            "total": result.total,
            "next": link(page + 1) if result.has_next else None,
            "prev": link(page - 1) if page > 1 else None,
        }
    )


# ---- OpenAPI ---------------------------------------------------------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "field": {"type": ["string", "null"]},
                },
            },
        }
    },
}


class _DbRangeSchema(GenerateJsonSchema):
    """Integers in request bodies are declared in the databases' range (``check_json`` enforces it)."""

    def int_schema(self, schema):
        out = super().int_schema(schema)
        if "minimum" not in out and "exclusiveMinimum" not in out:
            out["minimum"] = DB_INT_MIN
        if "maximum" not in out and "exclusiveMaximum" not in out:
            out["maximum"] = DB_INT_MAX
        return out


def _schema_ref(model: type[BaseModel], components: dict) -> dict:
    schema = model.model_json_schema(
        ref_template="#/components/schemas/{model}", schema_generator=_DbRangeSchema
    )
    for name, sub in schema.pop("$defs", {}).items():
        _add_component(components, name, sub)
    _add_component(components, model.__name__, schema)
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _add_component(components: dict, name: str, schema: dict) -> None:
    """Schemas are named after their pydantic models: two different models of one name would
    silently describe each other's answers, so that is a programming error."""
    if name in components and components[name] != schema:
        raise TypeError(f"two API models are named {name}; give one a name of its own")
    components[name] = schema


def _path_params(rule: str) -> tuple[str, list[dict]]:
    params = []

    def repl(m):
        conv, name = m.group(1), m.group(2)
        kind = "integer" if conv == "int" else "string"
        params.append({"name": name, "in": "path", "required": True, "schema": {"type": kind}})
        return "{" + name + "}"

    path = re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", repl, rule)
    return path, params


def _describe(op: Operation, method: str, path_params: list[dict], components: dict) -> dict:
    doc: dict[str, Any] = {
        "summary": op.summary,
        "tags": op.tags,
        "parameters": list(path_params),
        "responses": {},
    }
    if op.description:
        doc["description"] = op.description
    for name, param in op.query_params().items():
        doc["parameters"].append(
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": param.description,
                "schema": param.schema(),
            }
        )
    if op.body is not None:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema_ref(op.body, components)}},
        }
    ok: dict[str, Any] = {"description": "Success"}
    if op.response is not None or op.paginated or op.listed:
        item = _schema_ref(op.response, components) if op.response else {"type": "object"}
        if op.paginated:
            schema = {
                "type": "object",
                "required": ["items", "page", "per_page", "total", "next", "prev"],
                "properties": {
                    "items": {"type": "array", "items": item},
                    "page": {"type": "integer"},
                    "per_page": {"type": "integer"},
                    "total": {"type": "integer"},
                    "next": {"type": ["string", "null"]},
                    "prev": {"type": ["string", "null"]},
                },
            }
        elif op.listed:
            schema = {
                "type": "object",
                "required": ["items"],
                "properties": {"items": {"type": "array", "items": item}},
            }
        else:
            schema = item
        ok["content"] = {"application/json": {"schema": schema}}
    doc["responses"][str(op.status)] = ok
    err = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}}}
    codes = {"400": "Malformed request", "404": "Not found (or not yours)"}
    if not op.public:
        codes |= {"401": "Missing or invalid token", "403": "Not allowed"}
    writes = method in ("POST", "PUT", "PATCH", "DELETE")
    if writes:
        codes["409"] = "Conflicts with the current state (someone else changed it first)"
    if writes or op.body is not None or op.query_params():
        codes["422"] = "Refused by the rules or a bad parameter; every problem is listed"
    for code, desc in codes.items():
        doc["responses"][code] = {"description": desc, **err}
    if op.public:
        doc["security"] = []
    return doc


def openapi_document(app) -> dict:
    """The OpenAPI 3.1 document for every declared operation mounted in ``app``."""
    components: dict[str, Any] = {"Errors": ERROR_SCHEMA}
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        op = OPERATIONS.get(rule.endpoint)
        if op is None:
            continue
        path, params = _path_params(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _describe(op, method, params, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "InnoCore API",
            "version": "1",
            "description": "Everything a person does in the InnoCore web pages, as JSON. "
            "Authenticate with a personal access token from your profile page.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Personal access token (icp_…)",
                }
            },
        },
        "security": [{"bearer": []}],
    }
