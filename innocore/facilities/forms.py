from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from innocore.accounts.addresses import AcceptedEmail
from innocore.accounts.forms import valid_timezone
from innocore.forms import EmailAddressField, choices, strip
from innocore.vocab import FacilityRoleKind, Technology


class FacilityForm(FlaskForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=200)], filters=[strip])
    slug = StringField(
        _l("Short name in addresses (e.g. light-imaging)"),
        [DataRequired(), Length(max=80)],
        filters=[strip],
    )
    institution_id = SelectField(_l("Institution"), coerce=int)
    timezone = StringField(
        _l("Time zone (IANA, e.g. Europe/Rome)"),
        [DataRequired(), Length(max=64), valid_timezone],
        filters=[strip],
    )
    contact_email = EmailAddressField(
        _l("Contact e-mail"), [DataRequired(), AcceptedEmail(), Length(max=254)]
    )
    contact_phone = StringField(_l("Contact phone"), [Optional(), Length(max=40)], filters=[strip])
    location = StringField(
        _l("Location (building, city)"), [Optional(), Length(max=200)], filters=[strip]
    )
    technologies = SelectMultipleField(
        _l("Technologies offered"), choices=choices((t.value, t.label) for t in Technology)
    )
    description = TextAreaField(_l("Description"), [Optional(), Length(max=20000)], filters=[strip])


class AppointForm(FlaskForm):
    email = EmailAddressField(
        _l("E-mail of the person"), [DataRequired(), AcceptedEmail(), Length(max=254)]
    )
    role = SelectField(_l("Role"), choices=choices((r.value, r.label) for r in FacilityRoleKind))
