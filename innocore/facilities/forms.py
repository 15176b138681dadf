from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from innocore.accounts.addresses import AcceptedEmail
from innocore.accounts.forms import valid_timezone
from innocore.forms import choices, strip
from innocore.vocab import FacilityRoleKind, Technology


class FacilityForm(FlaskForm):
    name = StringField("Name", [DataRequired(), Length(max=200)], filters=[strip])
    slug = StringField(
        "Short name in addresses (e.g. light-imaging)",
        [DataRequired(), Length(max=80)],
        filters=[strip],
    )
    institution_id = SelectField("Institution", coerce=int)
    timezone = StringField(
        "Time zone (IANA, e.g. Europe/Rome)",
        [DataRequired(), Length(max=64), valid_timezone],
        filters=[strip],
    )
    contact_email = EmailField(
        "Contact e-mail", [DataRequired(), AcceptedEmail(), Length(max=254)], filters=[strip]
    )
    contact_phone = StringField("Contact phone", [Optional(), Length(max=40)], filters=[strip])
    location = StringField(
        "Location (building, city)", [Optional(), Length(max=200)], filters=[strip]
    )
    technologies = SelectMultipleField(
        "Technologies offered", choices=choices((t.value, t.label) for t in Technology)
    )
    description = TextAreaField("Description", [Optional(), Length(max=20000)], filters=[strip])


class AppointForm(FlaskForm):
    email = EmailField(
        "E-mail of the person", [DataRequired(), AcceptedEmail(), Length(max=254)], filters=[strip]
    )
    role = SelectField("Role", choices=choices((r.value, r.label) for r in FacilityRoleKind))
