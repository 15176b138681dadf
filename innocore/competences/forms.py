from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from innocore.forms import choices, strip
from innocore.vocab import Technology

DEFAULT_LEVELS = "Assisted use\nIndependent use\nCan train others"


class CompetenceForm(FlaskForm):
    code = StringField(
        "Code (e.g. IMG.CLSM)",
        [DataRequired(), Length(max=40)],
        filters=[strip, lambda v: v.upper() if isinstance(v, str) else v],
    )
    title = StringField("Title", [DataRequired(), Length(max=200)], filters=[strip])
    technology = SelectField("Technology", choices=choices((t.value, t.label) for t in Technology))
    owner = SelectField("Owned by", coerce=str)
    levels = TextAreaField(
        "Levels, one per line, from level 1 up",
        [DataRequired(), Length(max=2000)],
        default=DEFAULT_LEVELS,
    )
    description = TextAreaField("Description", [Optional(), Length(max=20000)], filters=[strip])
    esco_uri = StringField(
        "ESCO skill URI (optional alignment)", [Optional(), Length(max=300)], filters=[strip]
    )
    default_validity_months = IntegerField(
        "Certificates valid for (months, empty = no expiry)", [Optional(), NumberRange(1, 240)]
    )
    lapse_after_days = IntegerField(
        "Lapses after this many days without use (empty = never)",
        [Optional(), NumberRange(1, 3650)],
    )
