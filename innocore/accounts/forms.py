from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from innocore.accounts.addresses import AcceptedEmail
from innocore.clock import is_valid_timezone
from innocore.forms import EmailAddressField, choices, strip
from innocore.marks import N_
from innocore.vocab import Locale, OrganisationKind, Position

NEW_ORG = "new"


def valid_timezone(form, field):
    if not is_valid_timezone(field.data or ""):
        raise ValidationError(_l("Choose a time zone from the list, such as Europe/Rome."))


class RegisterForm(FlaskForm):
    name = StringField(_l("Full name"), [DataRequired(), Length(max=200)], filters=[strip])
    email = EmailAddressField(_l("E-mail"), [DataRequired(), AcceptedEmail(), Length(max=254)])
    organisation = SelectField(_l("Organisation"), [DataRequired()])
    new_org_name = StringField(_l("New organisation name"), [Length(max=200)], filters=[strip])
    new_org_kind = SelectField(
        _l("Kind of organisation"),
        choices=choices((k.value, k.label) for k in OrganisationKind),
        default=OrganisationKind.UNIVERSITY.value,
    )
    new_org_country = StringField(
        _l("Country (two-letter code, e.g. IT)"), [Length(max=2)], filters=[strip]
    )
    timezone = StringField(
        _l("Time zone"),
        [DataRequired(), Length(max=64), valid_timezone],
        default="UTC",
        filters=[strip],
    )
    password = PasswordField(
        _l("Password (at least 10 characters)"), [DataRequired(), Length(max=200)]
    )
    confirm = PasswordField(
        _l("Repeat password"), [DataRequired(), EqualTo("password", _l("The passwords differ."))]
    )

    def validate_new_org_name(self, field):
        if self.organisation.data == NEW_ORG and not field.data:
            raise ValidationError(_l("Name the new organisation."))

    def validate_new_org_country(self, field):
        data = field.data or ""
        if self.organisation.data == NEW_ORG and not (len(data) == 2 and data.isalpha()):
            raise ValidationError(_l("Give the country as a two-letter code, such as DE."))


class LoginForm(FlaskForm):
    email = EmailAddressField(_l("E-mail"), [DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), [DataRequired(), Length(max=200)])
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = EmailAddressField(_l("E-mail"), [DataRequired(), AcceptedEmail(), Length(max=254)])


class ResendVerificationForm(ForgotPasswordForm):
    pass


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), [DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Repeat new password"),
        [DataRequired(), EqualTo("password", _l("The passwords differ."))],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), [DataRequired(), Length(max=200)])
    new_password = PasswordField(_l("New password"), [DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Repeat new password"),
        [DataRequired(), EqualTo("new_password", _l("The passwords differ."))],
    )


class ProfileForm(FlaskForm):
    name = StringField(_l("Full name"), [DataRequired(), Length(max=200)], filters=[strip])
    timezone = StringField(
        _l("Time zone"), [DataRequired(), Length(max=64), valid_timezone], filters=[strip]
    )
    locale = SelectField(_l("Language"), choices=choices((loc.value, loc.label) for loc in Locale))
    position = SelectField(
        _l("Position"),
        choices=choices([("", N_("Not stated")), *((p.value, p.label) for p in Position)]),
        default="",
        filters=[lambda value: value or ""],  # a form without the field: "not stated"
    )


class KioskPinForm(FlaskForm):
    pin = PasswordField(
        _l("New kiosk PIN (4 to 8 digits; empty: remove it)"),
        [Length(max=8)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )


class TokenForm(FlaskForm):
    name = StringField(
        _l("Token name (what it is for)"), [DataRequired(), Length(max=80)], filters=[strip]
    )


class OrganisationForm(FlaskForm):
    organisation = SelectField(_l("Organisation"), [DataRequired()])
