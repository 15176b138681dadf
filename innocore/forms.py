"""Shared form helpers: mapping domain problems onto WTForms fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask_wtf import FlaskForm
from wtforms import SelectChoice

from innocore.errors import DomainError
from innocore.extensions import db

T = TypeVar("T")


def apply_problems(form: FlaskForm, err: DomainError) -> None:
    """Show every problem next to its field, or at the top of the form when it has no field."""
    form.form_errors = list(getattr(form, "form_errors", []))
    for problem in err.problems:
        field = getattr(form, problem.field, None) if problem.field else None
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [problem.message]
        else:
            form.form_errors.append(problem.message)


def strip(value):
    return value.strip() if isinstance(value, str) else value


def choices(pairs) -> list[SelectChoice]:
    """Select options from ``(value, label)`` pairs (WTForms 3.3+ wants SelectChoice objects)."""
    return [SelectChoice(str(value), label) for value, label in pairs]


def attempt(form: FlaskForm, action: Callable[[], T]) -> tuple[bool, T | None]:
    """Run one use case for a validated form at a boundary: commit once if it succeeds; if the
    rules refuse it, roll back and show every problem on the form. Returns ``(succeeded, result)``.
    """
    try:
        result = action()
    except DomainError as err:
        db.session.rollback()
        apply_problems(form, err)
        return False, None
    db.session.commit()
    return True, result


def form_status(form: FlaskForm) -> int:
    """422 when the form shows errors (so clients and tests can tell), else 200."""
    return 422 if form.errors or getattr(form, "form_errors", None) else 200


def attempt_action(action: Callable[[], T]) -> tuple[T | None, DomainError | None]:
    """Run one use case for a button post (no form fields) at a boundary: commit once if it
    succeeds and return ``(result, None)``; if the rules refuse it (422, 409), roll back and
    return ``(None, error)`` so the view renders its own page with ``refusal=error.problems``
    and ``error.status`` (never a redirect that hides the reason). 403 and 404 propagate to
    the app-wide handler.
    """
    try:
        result = action()
    except DomainError as err:
        if err.status in (403, 404):
            raise
        db.session.rollback()
        return None, err
    db.session.commit()
    return result, None
