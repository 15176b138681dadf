"""WTForms of the catalog and booking pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from innocore.forms import EmailAddressField, LocalDateTimeField, MoneyField, choices
from innocore.marks import N_
from innocore.vocab import Technology
from instruments.idempotency import IdempotentForm
from instruments.models import ApprovalMode, InstrumentStatus, Severity
from instruments.rules import LIMIT_MAX, LIMITS


class BookingForm(IdempotentForm, FlaskForm):
    starts_at = LocalDateTimeField(_l("Start (facility time)"), validators=[InputRequired()])
    ends_at = LocalDateTimeField(_l("End (facility time)"), validators=[InputRequired()])
    purpose = TextAreaField(_l("Purpose"))
    project = StringField(_l("Project"))
    user_email = EmailAddressField(
        _l("Book for (e-mail, staff only)"), validators=[Optional(), Length(max=254)]
    )
    override_reason = TextAreaField(_l("Override reason (staff only)"))
    account = SelectField(_l("Account to charge"), validators=[Optional()], validate_choice=False)


class MoveForm(FlaskForm):
    starts_at = LocalDateTimeField(_l("New start (facility time)"), validators=[InputRequired()])
    ends_at = LocalDateTimeField(_l("New end (facility time)"), validators=[InputRequired()])
    override_reason = TextAreaField(_l("Override reason (staff only)"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Length(max=1000)])


class DowntimeForm(FlaskForm):
    starts_at = LocalDateTimeField(_l("Start (facility time)"), validators=[InputRequired()])
    ends_at = LocalDateTimeField(_l("End (facility time)"), validators=[InputRequired()])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    # Not ticked by default: cancelling people's bookings is a choice made on purpose, after the
    # page has listed which bookings it would cancel.
    cancel_bookings = BooleanField(
        _l("Cancel overlapping bookings (otherwise they are flagged)"), default=False
    )


class ReminderForm(FlaskForm):
    reminder_hours = IntegerField(
        _l("Hours before each booking (0: no reminder)"),
        validators=[InputRequired(), NumberRange(min=0, max=336)],
    )
    waitlist_hold_minutes = IntegerField(
        _l("Minutes a waiting-list offer holds freed time for the person offered it"),
        validators=[Optional(), NumberRange(min=5, max=1440)],  # empty: unchanged
    )
    cancel_on_certificate_end = BooleanField(
        _l(
            "Cancel the bookings of a user whose required certificate ends (otherwise they are "
            "flagged for staff and the user is told)"
        )
    )


class ProblemForm(FlaskForm):
    severity = SelectField(_l("Severity"), choices=choices((s.value, s.label) for s in Severity))
    description = TextAreaField(_l("What is wrong?"), validators=[DataRequired(), Length(max=5000)])


def _opt_int(label: str, **kw):
    """An optional whole number from 0 to ``LIMIT_MAX``; ``label`` is marked where it is written
    (``N_``) and looked up in the reader's language when shown."""
    return IntegerField(_l(label), validators=[Optional(), NumberRange(min=0, max=LIMIT_MAX)], **kw)


class InstrumentForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    technology = SelectField(
        _l("Technology"), choices=choices((t.value, t.label) for t in Technology)
    )
    model = StringField(_l("Make and model"), validators=[Length(max=200)])
    description = TextAreaField(_l("Description"))
    location = StringField(_l("Location (room)"), validators=[Length(max=200)])
    status = SelectField(
        _l("Status"), choices=choices((s.value, s.label) for s in InstrumentStatus)
    )
    required_competence_id = SelectField(_l("Required competence"), coerce=str)
    required_level = _opt_int(N_("Minimum level"))
    approval_mode = SelectField(
        _l("Approval"), choices=choices((a.value, a.label) for a in ApprovalMode)
    )
    out_of_hours_level = _opt_int(N_("Out-of-hours use from level"))
    opening = TextAreaField(
        _l("Opening hours (one per line: 'Mon 09:00-18:00'; empty: always open)")
    )
    rate_internal = MoneyField(_l("Hourly rate, internal"), validators=[Optional()])
    rate_external_academic = MoneyField(
        _l("Hourly rate, external academic"), validators=[Optional()]
    )
    rate_industry = MoneyField(_l("Hourly rate, industry"), validators=[Optional()])
    photo = FileField(_l("Photo (PNG or JPEG, at most 2 MB)"))
    limit_names = tuple(LIMITS)  # the booking-policy fieldset lists these, in this order


# The booking limits' fields come from their one declaration (``instruments.rules.Limits``);
# their labels are marked there (N_) and looked up when shown.
for _name, _label in LIMITS.items():
    setattr(InstrumentForm, _name, _opt_int(_label))


class UsageSettingsForm(FlaskForm):
    checkin_opens_minutes = IntegerField(
        _l("Check-in opens this many minutes before a booking starts"),
        validators=[InputRequired(), NumberRange(min=0, max=1440)],
    )
    no_show_grace_minutes = IntegerField(
        _l(
            "A booking not checked in this many minutes after its start becomes a no-show "
            "(empty: no automatic no-shows)"
        ),
        validators=[Optional(), NumberRange(min=1, max=1440)],
    )
    charge_actual_use = BooleanField(
        _l("Charge the time actually used (check-in to check-out) instead of the booked time")
    )
    no_show_fee = MoneyField(
        _l(
            "Flat fee for a no-show, in the facility's charging currency (empty: the charging "
            "policy's share of the booked time; 0: no-shows cost nothing)"
        ),
        validators=[Optional(), NumberRange(min=0, max=100_000)],
    )


class LoggedUseForm(FlaskForm):
    user_email = EmailAddressField(
        _l("E-mail of the person who used the instrument"),
        validators=[DataRequired(), Length(max=254)],
    )
    starts_at = LocalDateTimeField(_l("Started (facility time)"), validators=[InputRequired()])
    ends_at = LocalDateTimeField(_l("Ended (facility time)"), validators=[InputRequired()])
    note = TextAreaField(_l("Note (what was done)"), validators=[Length(max=1000)])


class KioskDeviceForm(FlaskForm):
    name = StringField(
        _l("Device name (where the tablet is, e.g. Confocal room tablet)"),
        [DataRequired(), Length(max=80)],
    )
