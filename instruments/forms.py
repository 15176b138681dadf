"""WTForms of the catalog and booking pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from innocore.forms import LocalDateTimeField, choices
from innocore.vocab import Technology
from instruments.models import ApprovalMode, InstrumentStatus, Severity
from instruments.rules import LIMIT_MAX, LIMITS


class BookingForm(FlaskForm):
    starts_at = LocalDateTimeField("Start (facility time)", validators=[InputRequired()])
    ends_at = LocalDateTimeField("End (facility time)", validators=[InputRequired()])
    purpose = TextAreaField("Purpose")
    project = StringField("Project")
    user_email = StringField(
        "Book for (e-mail, staff only)", validators=[Optional(), Length(max=254)]
    )
    override_reason = TextAreaField("Override reason (staff only)")
    account = SelectField("Account to charge", validators=[Optional()], validate_choice=False)


class MoveForm(FlaskForm):
    starts_at = LocalDateTimeField("New start (facility time)", validators=[InputRequired()])
    ends_at = LocalDateTimeField("New end (facility time)", validators=[InputRequired()])
    override_reason = TextAreaField("Override reason (staff only)")


class ReasonForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[Length(max=1000)])


class DowntimeForm(FlaskForm):
    starts_at = LocalDateTimeField("Start (facility time)", validators=[InputRequired()])
    ends_at = LocalDateTimeField("End (facility time)", validators=[InputRequired()])
    reason = StringField("Reason", validators=[DataRequired(), Length(max=500)])
    # Not ticked by default: cancelling people's bookings is a choice made on purpose, after the
    # page has listed which bookings it would cancel.
    cancel_bookings = BooleanField(
        "Cancel overlapping bookings (otherwise they are flagged)", default=False
    )


class ReminderForm(FlaskForm):
    reminder_hours = IntegerField(
        "Hours before each booking (0: no reminder)",
        validators=[InputRequired(), NumberRange(min=0, max=336)],
    )
    waitlist_hold_minutes = IntegerField(
        "Minutes a waiting-list offer holds freed time for the person offered it",
        validators=[Optional(), NumberRange(min=5, max=1440)],  # empty: unchanged
    )
    cancel_on_certificate_end = BooleanField(
        "Cancel the bookings of a user whose required certificate ends (otherwise they are "
        "flagged for staff and the user is told)"
    )


class ProblemForm(FlaskForm):
    severity = SelectField("Severity", choices=choices((s.value, s.label) for s in Severity))
    description = TextAreaField("What is wrong?", validators=[DataRequired(), Length(max=5000)])


def _opt_int(label: str, **kw):
    return IntegerField(label, validators=[Optional(), NumberRange(min=0, max=LIMIT_MAX)], **kw)


class InstrumentForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    technology = SelectField("Technology", choices=choices((t.value, t.label) for t in Technology))
    model = StringField("Make and model", validators=[Length(max=200)])
    description = TextAreaField("Description")
    location = StringField("Location (room)", validators=[Length(max=200)])
    status = SelectField("Status", choices=choices((s.value, s.label) for s in InstrumentStatus))
    required_competence_id = SelectField("Required competence", coerce=str)
    required_level = _opt_int("Minimum level")
    approval_mode = SelectField(
        "Approval", choices=choices((a.value, a.label) for a in ApprovalMode)
    )
    out_of_hours_level = _opt_int("Out-of-hours use from level")
    opening = TextAreaField("Opening hours (one per line: 'Mon 09:00-18:00'; empty: always open)")
    rate_internal = DecimalField("Hourly rate, internal", validators=[Optional()], places=2)
    rate_external_academic = DecimalField(
        "Hourly rate, external academic", validators=[Optional()], places=2
    )
    rate_industry = DecimalField("Hourly rate, industry", validators=[Optional()], places=2)
    photo = FileField("Photo (PNG or JPEG, at most 2 MB)")
    limit_names = tuple(LIMITS)  # the booking-policy fieldset lists these, in this order


# The booking limits' fields come from their one declaration (``instruments.rules.Limits``).
for _name, _label in LIMITS.items():
    setattr(InstrumentForm, _name, _opt_int(_label))


class UsageSettingsForm(FlaskForm):
    checkin_opens_minutes = IntegerField(
        "Check-in opens this many minutes before a booking starts",
        validators=[InputRequired(), NumberRange(min=0, max=1440)],
    )
    no_show_grace_minutes = IntegerField(
        "A booking not checked in this many minutes after its start becomes a no-show "
        "(empty: no automatic no-shows)",
        validators=[Optional(), NumberRange(min=1, max=1440)],
    )
    charge_actual_use = BooleanField(
        "Charge the time actually used (check-in to check-out) instead of the booked time"
    )
    no_show_fee = DecimalField(
        "Flat fee for a no-show, in the facility's charging currency (empty: the charging "
        "policy's share of the booked time; 0: no-shows cost nothing)",
        places=2,
        validators=[Optional(), NumberRange(min=0, max=100_000)],
    )


class LoggedUseForm(FlaskForm):
    user_email = StringField(
        "E-mail of the person who used the instrument",
        validators=[DataRequired(), Length(max=254)],
    )
    starts_at = LocalDateTimeField("Started (facility time)", validators=[InputRequired()])
    ends_at = LocalDateTimeField("Ended (facility time)", validators=[InputRequired()])
    note = TextAreaField("Note (what was done)", validators=[Length(max=1000)])
