"""One confirmation step for every irreversible action of the pages.

A page view decorated with ``@irreversible(describe)`` does nothing on a POST that lacks
``confirmed=1``: it answers with ``core/confirm.html``, which says what will happen (the
``Confirmation`` that ``describe(**view_args)`` returns) and carries the same form fields back with
``confirmed=1``. Without JavaScript that page is the step; with JavaScript ``static/js/confirm.js``
fetches the same page for any form posting to an irreversible route (the patterns are in
``<body data-irreversible>``) and shows its summary in a native ``<dialog>``.

``describe`` returns ``None`` when there is nothing to confirm (the action will be refused and
says why, or this variant of the route is not irreversible): the view then runs at once. When the
request carries ``X-Confirm-Preview: 1`` (the dialog's probe) and there is nothing to confirm, the
answer is ``204`` and nothing runs, so the browser can submit the form itself.

``describe`` must load its objects through the same permission checks as the action (it may raise
``Forbidden``/``NotFound``): the summary names people and times. JSON API endpoints never use this.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from flask import Flask, render_template, request

PREVIEW_HEADER = "X-Confirm-Preview"
_SKIPPED_FIELDS = {"csrf_token", "confirmed"}


@dataclass
class Confirmation:
    """What the confirmation step shows: a question, the consequences (sentences), the label of
    the button that does it, and where "Keep it, go back" leads (a URL)."""

    heading: str
    consequences: list[str]
    confirm_label: str
    back: str
    fields: dict[str, str] = field(default_factory=dict)


def confirmation_page(confirmation: Confirmation, action: str | None = None):
    """Render ``core/confirm.html`` for ``confirmation``; the form posts back to ``action``
    (default: this request's URL) with every field of this request and ``confirmed=1``."""
    fields = {k: v for k, v in request.form.items() if k not in _SKIPPED_FIELDS}
    fields.update(confirmation.fields)
    return render_template(
        "core/confirm.html",
        heading=confirmation.heading,
        consequences=confirmation.consequences,
        action=action or request.path,
        fields=fields,
        confirm_label=confirmation.confirm_label,
        back=confirmation.back,
    )


def irreversible(describe: Callable[..., Confirmation | None]):
    """Decorator for a POST page view (under ``login_required``): confirm before acting.

    ``describe`` takes the view's URL arguments and returns a ``Confirmation`` (ask first) or
    ``None`` (nothing to confirm). The wrapped view is marked so ``irreversible_endpoints`` lists it.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(**kwargs):
            if request.method == "POST" and request.form.get("confirmed") != "1":
                confirmation = describe(**kwargs)
                if confirmation is not None:
                    return confirmation_page(confirmation)
                if request.headers.get(PREVIEW_HEADER) == "1":
                    return "", 204
            return view(**kwargs)

        wrapper.irreversible = describe
        return wrapper

    return decorate


def irreversible_endpoints(app: Flask) -> list[str]:
    """Endpoint names of every page view decorated with ``@irreversible``, sorted."""
    return sorted(
        name for name, view in app.view_functions.items() if getattr(view, "irreversible", None)
    )


def route_patterns(app: Flask) -> str:
    """The irreversible routes as one regular expression over URL paths (for confirm.js)."""
    cached = app.extensions.get("irreversible_routes")
    if cached is None:
        names = set(irreversible_endpoints(app))
        parts = []
        for rule in app.url_map.iter_rules():
            if rule.endpoint in names:
                pieces = re.split(r"<[^>]+>", rule.rule)
                parts.append("[^/]+".join(re.escape(p) for p in pieces))
        cached = "^(?:" + "|".join(sorted(parts)) + ")$" if parts else ""
        app.extensions["irreversible_routes"] = cached
    return cached


def init_app(app: Flask) -> None:
    """Expose ``irreversible_routes()`` to templates (base.html puts it on ``<body>``)."""
    app.jinja_env.globals["irreversible_routes"] = lambda: route_patterns(app)
