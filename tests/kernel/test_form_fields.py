"""Form fields say what is wrong with what was typed, beside the field: every form class alike."""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import DateField as PlainDateField
from wtforms import DateTimeField, DecimalField, FloatField, Form, IntegerField, TimeField
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, InputRequired

from innocore.forms import YEARS_MESSAGE, AmountField, DateField, LocalDateTimeField, YearRangeMixin


class _Sample(Form):
    day = DateField("Day", [InputRequired()])
    at = LocalDateTimeField("At", [InputRequired()])


@pytest.mark.parametrize(
    ("day", "at", "day_error", "at_error"),
    [
        ("99999-01-01", "99999-12-01T10:00", YEARS_MESSAGE, YEARS_MESSAGE),
        ("0001-01-01", "1899-12-31T23:00", YEARS_MESSAGE, YEARS_MESSAGE),
        (
            "2027-02-30",
            "garbage",
            "Not a valid date (year-month-day).",
            "Not a valid date and time (year-month-day hours:minutes).",
        ),
        ("", "", "This field is required.", "This field is required."),
        ("1900-01-01", "2999-12-31T23:00", None, None),
    ],
)
def test_date_fields_refuse_years_we_do_not_serve_beside_the_field(day, at, day_error, at_error):
    form = _Sample(MultiDict({"day": day, "at": at}))
    form.validate()
    assert form.day.errors == ([day_error] if day_error else [])
    assert form.at.errors == ([at_error] if at_error else [])


def _form_classes(app):
    seen, todo = [], list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        seen.append(cls)
        todo.extend(cls.__subclasses__())
    return seen


def _fields(cls):
    for name in dir(cls):
        value = getattr(cls, name, None)
        if isinstance(value, UnboundField):
            validators = value.kwargs.get("validators") or (value.args[1:2] or [[]])[0] or []
            yield name, value.field_class, list(validators)


def test_every_form_field_reports_its_own_parse_errors(app):
    """A date field checks the years itself (the app-wide check leaves page forms to it), and a
    non-text field never hides "Not a valid ..." behind DataRequired's "This field is required"."""
    classes = _form_classes(app)
    assert len(classes) > 20  # every package's forms were imported with the app
    wrong = []
    for cls in classes:
        for name, field_class, validators in _fields(cls):
            where = f"{cls.__module__}.{cls.__name__}.{name}"
            dated = issubclass(field_class, PlainDateField | DateTimeField)
            if dated and not issubclass(field_class, YearRangeMixin):
                wrong.append(f"{where}: use innocore.forms.DateField/LocalDateTimeField")
            if issubclass(field_class, DecimalField | FloatField):
                wrong.append(
                    f"{where}: use innocore.forms.AmountField/MoneyField (reader's locale)"
                )
            parsed = dated or issubclass(
                field_class, IntegerField | DecimalField | FloatField | TimeField | AmountField
            )
            if parsed and any(type(v) is DataRequired for v in validators):
                wrong.append(f"{where}: InputRequired, not DataRequired (it hides parse errors)")
    assert wrong == []
