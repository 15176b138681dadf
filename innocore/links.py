"""Absolute links, built in one place from ``BASE_URL`` (``INNOCORE_BASE_URL``).

E-mails, feeds, credentials and API answers carry links that must work from anywhere, and many of
them are built where there is no request at all (scheduled jobs, CLI commands, the demo seeders).
Production sets no ``SERVER_NAME``, so ``url_for(..., _external=True)`` cannot build them there;
and inside a request it would follow the request's host (an internal address behind a proxy).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def absolute_url(endpoint: str, **values) -> str:
    """The absolute URL of ``endpoint`` under ``BASE_URL``, the same inside and outside a request.

    ``endpoint`` is a full endpoint name (``"instruments.show"``); ``values`` fill the rule's
    variables and any others become the query string (``None`` values are left out), as in
    ``url_for``. ``BASE_URL`` may carry a path prefix (``https://host/innocore``): the link keeps
    it. Raises ``werkzeug.routing.BuildError`` for an unknown endpoint or missing values.
    """
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc,
        script_name=base.path.rstrip("/") or "/",
        url_scheme=base.scheme or "http",
    )
    return adapter.build(endpoint, values, force_external=True)
