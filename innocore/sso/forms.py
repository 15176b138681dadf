"""The form a network administrator fills in for an organisation's identity provider."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from innocore.forms import choices, strip


class ConnectionForm(FlaskForm):
    protocol = SelectField(
        "Protocol", choices=choices([("oidc", "OpenID Connect"), ("saml", "SAML 2.0")])
    )
    issuer = StringField(
        "Issuer (OpenID Connect) or IdP entity id (SAML)",
        [DataRequired(), Length(max=500)],
        filters=[strip],
    )
    client_id = StringField(
        "Client id (OpenID Connect)", [Optional(), Length(max=200)], filters=[strip], default=""
    )
    idp_metadata_url = StringField(
        "IdP metadata address (SAML; fetched and refreshed, instead of pasting the XML)",
        [Optional(), Length(max=1000)],
        filters=[strip],
        default="",
    )
    idp_metadata = TextAreaField(
        "IdP metadata XML (SAML)", [Optional(), Length(max=200_000)], filters=[strip], default=""
    )
    client_secret = PasswordField(
        "Client secret (OpenID Connect; leave empty to keep the stored one)",
        [Optional(), Length(max=500)],
    )
    email_claim = StringField("E-mail claim", [DataRequired(), Length(max=100)], default="email")
    name_claim = StringField("Name claim", [DataRequired(), Length(max=100)], default="name")
    affiliation_claim = StringField(
        "Affiliation claim (e.g. eduperson_scoped_affiliation)",
        [Length(max=100)],
        filters=[strip],
    )
    affiliations = StringField(
        "Affiliations that count as membership (comma-separated, e.g. staff,member; empty: any)",
        [Length(max=500)],
        filters=[strip],
    )
    local_passwords = BooleanField("Members may also sign in with a local password", default=True)
    enabled = BooleanField(
        "Switched on (members see \u201cSign in with\u201d this organisation)", default=True
    )
