"""The series form: the booking form's fields and how the booking repeats."""

from __future__ import annotations

from wtforms import IntegerField, RadioField, SelectField, SelectMultipleField
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from innocore.forms import DateField, choices
from instruments.forms import BookingForm
from instruments.series import rules
from instruments.series.models import SeriesMode


class SeriesForm(BookingForm):
    frequency = SelectField(
        "Repeat", choices=choices((f.value, f.label) for f in rules.Frequency), default="weekly"
    )
    interval = IntegerField(
        "Every (1 = every day or week, 2 = every other…)",
        default=1,
        validators=[Optional(), NumberRange(min=1, max=rules.MAX_INTERVAL)],
    )
    weekdays = SelectMultipleField(
        "On these days (none: the first date's weekday, or every day)",
        choices=choices(enumerate(rules.DAY_NAMES)),
        coerce=int,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validators=[Optional()],
        validate_choice=False,  # the rule refuses a day out of range in words
    )
    count = IntegerField(
        f"Number of times (2 to {rules.MAX_OCCURRENCES})",
        validators=[Optional(), NumberRange(min=2, max=rules.MAX_OCCURRENCES)],
    )
    until = DateField("Or until (last date, inclusive)", validators=[Optional()])
    mode = RadioField(
        "If some dates cannot be booked",
        choices=choices((m.value, m.label) for m in SeriesMode),
        default=SeriesMode.ALL_OR_NOTHING.value,
    )
