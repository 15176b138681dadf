"""Domain errors and the one app-wide place that turns errors into HTML pages or JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from innocore.marks import N_, message_text


@dataclass(frozen=True)
class Problem:
    """One reason a request cannot be carried out, addressed to a form field when there is one."""

    code: str
    message: str
    field: str | None = None
    overridable: bool = False

    def as_json(self) -> dict:
        return asdict(self)


class DomainError(Exception):
    """Raised by services when rules refuse a request; carries every problem found."""

    status = 422

    def __init__(self, problems: list[Problem] | Problem, status: int | None = None):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        if status:
            self.status = status
        super().__init__("; ".join(p.message for p in self.problems))


def raise_problems(problems: list[Problem]) -> None:
    """Raise ``DomainError`` (422) with every problem the rules found; do nothing when there is
    none. The one way a service turns a rule's problem list into a refusal."""
    if problems:
        raise DomainError(problems)


class Forbidden(DomainError):
    """The actor may not do this at all (authorisation, not eligibility)."""

    status = 403

    def __init__(self, message: str = N_("You are not allowed to do this.")):
        super().__init__(Problem("forbidden", message))


class NotFound(DomainError):
    """The object does not exist or the actor may not know that it exists."""

    status = 404

    def __init__(self, message: str = N_("Not found.")):
        super().__init__(Problem("not_found", message))


def wants_json() -> bool:
    """JSON for the API and for clients that prefer it over HTML."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and (
        request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def problem_text(problem: Problem) -> str:
    """The human reason of ``problem`` in the reader's language (its ``message`` when the catalogs
    hold no translation, e.g. a reason with values written into it); the code stays English."""

    message = problem.message
    if not message:
        return message
    return message_text(message)


def error_payload(problems: list[Problem]) -> dict:
    """``{"errors": [{"code", "message", "field"}]}``: codes for programs, messages for people."""
    return {
        "errors": [{"code": p.code, "message": problem_text(p), "field": p.field} for p in problems]
    }


def _render(status: int, problems: list[Problem], title: str):
    from innocore.extensions import db

    db.session.rollback()
    if wants_json():
        return jsonify(error_payload(problems)), status
    from flask_babel import gettext

    return render_template(
        "errors/error.html", status=status, title=gettext(title), problems=problems
    ), status


# Reasons shown instead of Werkzeug's default descriptions (which no catalog holds).
HTTP_REASONS = {
    400: N_("The request could not be understood. Reload the page and try again."),
    404: N_("This page does not exist. Check the address, or start again from the home page."),
    405: N_("This address does not accept that kind of request."),
    401: N_("Sign in to continue."),
    403: N_("You are not allowed to do this."),
    409: N_("This changed in the meantime. Reload the page and try again."),
    413: N_("The upload is too large."),
    415: N_("This kind of content is not accepted here."),
    429: N_("Too many requests: wait a moment and try again."),
}
# Titles of HTTP errors in words the catalogs hold (Werkzeug's names, "Bad Request", are English
# only); an error not listed reads "Error".
HTTP_TITLES = {
    400: N_("Bad request"),
    401: N_("Sign-in required"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    409: N_("Conflict"),
    413: N_("Upload too large"),
    415: N_("Unsupported content"),
    422: N_("Cannot do that"),
    429: N_("Too many requests"),
    500: N_("Server error"),
}


def register_error_handlers(app: Flask) -> None:
    app.jinja_env.globals["problem_text"] = problem_text

    @app.errorhandler(DomainError)
    def domain_error(err: DomainError):
        titles = {403: N_("Not allowed"), 404: N_("Not found"), 409: N_("Conflict")}
        return _render(err.status, err.problems, titles.get(err.status, N_("Cannot do that")))

    @app.errorhandler(CSRFError)
    def csrf_error(err: CSRFError):
        msg = N_(
            "The form had expired or did not come from this site. "
            "Please reload the page and try again."
        )
        return _render(400, [Problem("csrf", msg)], N_("Form expired"))

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        code = (err.name or "error").lower().replace(" ", "_")
        reason = err.description or err.name
        if reason == type(err).description and err.code in HTTP_REASONS:
            reason = HTTP_REASONS[err.code]  # Werkzeug's English default: ours is in the catalogs
        # The reason is translated when shown (``problem_text``): a description given as
        # ``abort(400, N_(...))`` / ``T_(...)`` reads in the reader's language, in HTML and JSON.
        title = HTTP_TITLES.get(err.code or 500, N_("Error"))
        body, status = _render(err.code or 500, [Problem(code, reason)], title)
        response = make_response(body, status)
        if isinstance(err, MethodNotAllowed) and err.valid_methods:
            response.headers["Allow"] = ", ".join(sorted(err.valid_methods))  # RFC 9110 §15.5.6
        return response

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        app.logger.exception("unhandled error")
        msg = N_("Something went wrong on our side. Nothing was saved; please try again.")
        return _render(500, [Problem("internal_error", msg)], N_("Server error"))
