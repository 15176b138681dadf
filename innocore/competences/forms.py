from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from innocore.forms import choices, strip
from innocore.vocab import Technology

DEFAULT_LEVELS = "Assisted use\nIndependent use\nCan train others"


class CompetenceForm(FlaskForm):
    code = StringField(
        _l("Code (e.g. IMG.CLSM)"),
        [DataRequired(), Length(max=40)],
        filters=[strip, lambda v: v.upper() if isinstance(v, str) else v],
    )
    title = StringField(_l("Title"), [DataRequired(), Length(max=200)], filters=[strip])
    technology = SelectField(
        _l("Technology"), choices=choices((t.value, t.label) for t in Technology)
    )
    owner = SelectField(_l("Owned by"), coerce=str)
    levels = TextAreaField(
        _l("Levels, one per line, from level 1 up"),
        [DataRequired(), Length(max=2000)],
        default=DEFAULT_LEVELS,
    )
    description = TextAreaField(_l("Description"), [Optional(), Length(max=20000)], filters=[strip])
    esco_uri = StringField(
        _l("ESCO skill URI (optional alignment)"), [Optional(), Length(max=300)], filters=[strip]
    )
    default_validity_months = IntegerField(
        _l("Certificates valid for (months, empty = no expiry)"), [Optional(), NumberRange(1, 240)]
    )
    lapse_after_days = IntegerField(
        _l("Lapses after this many days without use (empty = never)"),
        [Optional(), NumberRange(1, 3650)],
    )
