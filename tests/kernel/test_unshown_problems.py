"""A refusal's every problem reaches the person: beside its field when the page shows that
field, else at the top of the page (a hidden input, a staff-only field on a member's page, a
select left out because it has one choice, a field the form does not have)."""

from __future__ import annotations

import re

from flask import render_template_string
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField

from innocore.errors import DomainError, Problem
from innocore.forms import apply_problems

PAGE = """{% extends "base.html" %}{% from "macros/forms.html" import field, form_errors %}
{% block content %}{{ form_errors(form) }}<form>{{ field(form.shown) }}{{ form.secret }}
{% if staff %}{{ field(form.staff_only) }}{% endif %}</form>{% endblock %}"""


class _Form(FlaskForm):
    shown = StringField("Shown")
    staff_only = StringField("Book for (staff only)")
    account = SelectField("Account", choices=[SelectChoice("", "None")])
    secret = HiddenField()


PROBLEMS = [
    Problem("beside", "Beside its field.", "shown"),
    Problem("staff_only", "On a field this page leaves out.", "staff_only"),
    Problem("select", "On a select this page leaves out.", "account"),
    Problem("hidden", "On a hidden input.", "secret"),
    Problem("no_field", "About the whole request."),
    Problem("unknown", "On a field the form does not have.", "user_id"),
]


def _page(app, *, staff: bool) -> str:
    with app.test_request_context("/"):
        form = _Form(meta={"csrf": False})
        apply_problems(form, DomainError(PROBLEMS))
        return render_template_string(PAGE, form=form, staff=staff)


def _alerts(html: str) -> str:
    """The text of the page's alert boxes (the form-level errors), tags removed."""
    boxes = re.findall(r'<div class="form-errors" role="alert"[^>]*>(.*?)</div>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", b) for b in boxes)


def test_every_problem_is_shown_once_on_a_member_page(app):
    html = _page(app, staff=False)
    for problem in PROBLEMS:
        assert html.count(problem.message) == 1, problem.code
    alerts = _alerts(html)
    assert "Beside its field." not in alerts
    for problem in PROBLEMS[1:]:
        assert problem.message in alerts, problem.code


def test_a_field_the_page_renders_keeps_its_problem_beside_it(app):
    html = _page(app, staff=True)
    assert html.count("On a field this page leaves out.") == 1
    assert "On a field this page leaves out." not in _alerts(html)
    assert re.search(r'id="staff_only-error">On a field this page leaves out', html)
