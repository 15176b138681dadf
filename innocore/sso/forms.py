"""The form a network administrator fills in for an organisation's identity provider."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from innocore.forms import strip


class ConnectionForm(FlaskForm):
    issuer = StringField(
        "Issuer (the provider's https address)", [DataRequired(), Length(max=500)], filters=[strip]
    )
    client_id = StringField("Client id", [DataRequired(), Length(max=200)], filters=[strip])
    client_secret = PasswordField(
        "Client secret (leave empty to keep the stored one)", [Optional(), Length(max=500)]
    )
    email_claim = StringField("E-mail claim", [DataRequired(), Length(max=100)], default="email")
    name_claim = StringField("Name claim", [DataRequired(), Length(max=100)], default="name")
    affiliation_claim = StringField(
        "Affiliation claim (e.g. eduperson_scoped_affiliation)", [Length(max=100)],
        filters=[strip],
    )  # fmt: skip
    affiliations = StringField(
        "Affiliations that count as membership (comma-separated, e.g. staff,member; empty: any)",
        [Length(max=500)], filters=[strip],
    )  # fmt: skip
    local_passwords = BooleanField("Members may also sign in with a local password", default=True)
