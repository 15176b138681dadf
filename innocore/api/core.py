"""The JSON API toolkit: operations described in code, pydantic bodies, pagination, OpenAPI 3.

Every package declares its endpoints with ``@operation(...)`` on its own blueprint; the OpenAPI
document is generated from those declarations and the app's URL map, so it cannot drift.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, g, jsonify, request, url_for
from flask_login import current_user
from pydantic import BaseModel, ValidationError

from innocore.errors import DomainError, Forbidden, Problem
from innocore.extensions import csrf, db

API_PREFIX = "/api/v1"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_PAGE = 1_000_000  # a larger page number would overflow the database's OFFSET


@dataclass
class Operation:
    summary: str
    tags: list[str]
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    paginated: bool = False
    status: int = 200
    public: bool = False
    query: dict[str, str] = field(default_factory=dict)  # name -> description
    description: str = ""
    # Checked before the body is parsed, so a refused caller learns nothing from validation errors:
    # ``permission(user, **view_args) -> bool``.
    permission: Callable[..., bool] | None = None


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
    if (op is not None and op.public) or endpoint in PUBLIC_PAGES:
        return None
    if not current_user.is_authenticated:
        return _unauthorised("Send a personal access token: 'Authorization: Bearer <token>'.")
    if request.method not in SAFE_METHODS and not g.get("api_token_auth"):
        # A browser session may read the API, but writes need a token (no CSRF via cookies).
        return _unauthorised("Writes through the API need a personal access token.")
    return None


def _unauthorised(message: str):
    response = jsonify({"errors": [{"code": "unauthorised", "message": message, "field": None}]})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="innocore"'
    return response


def operation(bp: Blueprint, rule: str, method: str, **meta) -> Callable:
    """Register ``view`` on ``bp`` at ``rule`` for ``method`` and describe it for OpenAPI.

    With ``body=Model`` the parsed body is passed as the keyword argument ``body``.
    """

    def decorator(view):
        op = Operation(**meta)
        endpoint = f"{bp.name}.{view.__name__}"
        OPERATIONS[endpoint] = op

        @wraps(view)
        def wrapped(*args, **kwargs):
            if op.permission is not None and not op.permission(current_user, **kwargs):
                raise Forbidden("You are not allowed to do this.")
            if op.body is not None:
                kwargs["body"] = parse_body(op.body)
            return view(*args, **kwargs)

        bp.add_url_rule(rule, view_func=wrapped, methods=[method])
        return wrapped

    return decorator


def parse_body(model: type[BaseModel]) -> BaseModel:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError(
            Problem("invalid_json", "Send a JSON object (Content-Type: application/json)."),
            status=400,
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise DomainError(
            [
                Problem("invalid", err["msg"], ".".join(str(p) for p in err["loc"]) or None)
                for err in exc.errors(include_url=False)
            ]
        ) from None


def page_args() -> tuple[int, int]:
    """``page`` (from 1) and ``per_page`` (1 to 100) from the query string; bad values are a 400."""
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", current_app.config["PAGE_SIZE"]))
    except ValueError:
        raise DomainError(
            Problem("invalid_page", "page and per_page must be whole numbers."), status=400
        ) from None
    if not 1 <= page <= MAX_PAGE or not 1 <= per_page <= 100:
        raise DomainError(
            Problem("invalid_page", "page starts at 1; per_page is between 1 and 100."), status=400
        )
    return page, per_page


def paginated(stmt: sa.Select, serialise: Callable[[Any], dict]) -> dict:
    """A page of ``stmt`` as ``{items, page, per_page, total, next, prev}``: two queries, any size."""
    page, per_page = page_args()
    result = db.paginate(stmt, page=page, per_page=per_page, error_out=False)
    args = {k: v for k, v in request.args.items() if k not in ("page", "per_page")}

    def link(p):
        return url_for(request.endpoint, **request.view_args, **args, page=p, per_page=per_page)

    return {
        "items": [serialise(item) for item in result.items],
        "page": page,
        "per_page": per_page,
        "total": result.total,
        "next": link(page + 1) if result.has_next else None,
        "prev": link(page - 1) if page > 1 else None,
    }


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


def _schema_ref(model: type[BaseModel], components: dict) -> dict:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in schema.pop("$defs", {}).items():
        components[name] = sub
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


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
    for name, desc in op.query.items():
        doc["parameters"].append(
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": desc,
                "schema": {"type": "string"},
            }
        )
    if op.paginated:
        doc["parameters"] += [
            {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
            {
                "name": "per_page",
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": 100},
            },
        ]
    if op.body is not None:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema_ref(op.body, components)}},
        }
    ok: dict[str, Any] = {"description": "Success"}
    if op.response is not None:
        item = _schema_ref(op.response, components)
        schema = (
            item
            if not op.paginated
            else {
                "type": "object",
                "properties": {
                    "items": {"type": "array", "items": item},
                    "page": {"type": "integer"},
                    "per_page": {"type": "integer"},
                    "total": {"type": "integer"},
                    "next": {"type": ["string", "null"]},
                    "prev": {"type": ["string", "null"]},
                },
            }
        )
        ok["content"] = {"application/json": {"schema": schema}}
    doc["responses"][str(op.status)] = ok
    err = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}}}
    codes = {"400": "Malformed request", "404": "Not found (or not yours)"}
    if not op.public:
        codes |= {"401": "Missing or invalid token", "403": "Not allowed"}
    if method in ("POST", "PUT", "PATCH", "DELETE"):
        codes["422"] = "Refused by the rules; every problem is listed"
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
