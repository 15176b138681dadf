"""WTForms of the services catalog, requests, quotes and delivery."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from innocore.forms import AmountField, DateField, LocalDateTimeField, MoneyField, choices
from instruments.idempotency import IdempotentForm
from instruments.requests.models import ServiceUnit

LINES = 8


class ServiceForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    unit = SelectField(_l("Priced"), choices=choices((u.value, u.label) for u in ServiceUnit))
    description = TextAreaField(_l("Description"), validators=[Length(max=20000)])
    deliverables = TextAreaField(_l("Deliverables"), validators=[Length(max=20000)])
    expertise = TextAreaField(_l("Expertise behind it"), validators=[Length(max=20000)])
    turnaround_days = IntegerField(
        _l("Typical turnaround (days)"), validators=[Optional(), NumberRange(0, 3650)]
    )
    price_internal = MoneyField(_l("Price, internal users"), validators=[Optional()])
    price_external_academic = MoneyField(_l("Price, external academics"), validators=[Optional()])
    price_industry = MoneyField(_l("Price, industry"), validators=[Optional()])
    instrument_ids = SelectMultipleField(_l("Related instruments"), coerce=int, choices=[])
    active = BooleanField(_l("Listed (requestable)"), default=True)


class ExpertiseForm(FlaskForm):
    topic = StringField(_l("Topic"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    user_id = SelectField(_l("Staff member"), validators=[Optional()], choices=[])


class RequestForm(IdempotentForm, FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("What do you need?"), validators=[DataRequired()])
    samples = IntegerField(_l("Number of samples"), validators=[Optional()])
    desired_start_on = DateField(_l("Desired start"), validators=[Optional()])
    desired_end_on = DateField(_l("Desired end"), validators=[Optional()])
    attachments = MultipleFileField(_l("Attachments"))
    account = SelectField(_l("Account to charge"), validators=[Optional()], validate_choice=False)


class LineForm(Form):
    description = StringField(_l("Description"), validators=[Optional(), Length(max=300)])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=40)])
    quantity = AmountField(_l("Quantity"), validators=[Optional()], places=2)
    unit_price = MoneyField(_l("Unit price"), validators=[Optional()])


class QuoteForm(FlaskForm):
    lines = FieldList(FormField(LineForm), min_entries=LINES, max_entries=LINES)
    valid_until_on = DateField(_l("Valid until"), validators=[Optional()])
    terms = TextAreaField(_l("Terms"), validators=[Length(max=20000)])


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[DataRequired()])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"))


class AttachForm(FlaskForm):
    attachments = MultipleFileField(_l("Add attachments"))


class DeliverableForm(FlaskForm):
    label = StringField(_l("Label"), validators=[Optional(), Length(max=200)])
    file = FileField(_l("File"))
    url = URLField(_l("…or a link"), validators=[Optional(), Length(max=500)])


class DeliverForm(FlaskForm):
    closing_note = TextAreaField(_l("Closing note"), validators=[DataRequired()])


class FeedbackForm(FlaskForm):
    rating = SelectField(
        _l("Rating"), choices=choices((str(i), f"{i} / 5") for i in range(5, 0, -1)), default="5"
    )
    comment = TextAreaField(_l("Comment"), validators=[Length(max=5000)])


class BookTimeForm(FlaskForm):
    instrument_id = SelectField(_l("Instrument"), choices=[])
    starts_at = LocalDateTimeField(_l("Start (facility time)"))
    ends_at = LocalDateTimeField(_l("End (facility time)"))
