"""Shared form helpers: mapping domain problems onto WTForms fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice

from innocore.errors import DomainError


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
