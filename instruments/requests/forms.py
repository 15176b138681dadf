"""WTForms of the services catalog, requests, quotes and delivery."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    DecimalField,
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

from innocore.forms import DateField, LocalDateTimeField, choices
from instruments.requests.models import ServiceUnit

LINES = 8


class ServiceForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    unit = SelectField("Priced", choices=choices((u.value, u.label) for u in ServiceUnit))
    description = TextAreaField("Description", validators=[Length(max=20000)])
    deliverables = TextAreaField("Deliverables", validators=[Length(max=20000)])
    expertise = TextAreaField("Expertise behind it", validators=[Length(max=20000)])
    turnaround_days = IntegerField(
        "Typical turnaround (days)", validators=[Optional(), NumberRange(0, 3650)]
    )
    price_internal = DecimalField("Price, internal users", validators=[Optional()], places=2)
    price_external_academic = DecimalField(
        "Price, external academics", validators=[Optional()], places=2
    )
    price_industry = DecimalField("Price, industry", validators=[Optional()], places=2)
    instrument_ids = SelectMultipleField("Related instruments", coerce=int, choices=[])
    active = BooleanField("Listed (requestable)", default=True)


class ExpertiseForm(FlaskForm):
    topic = StringField("Topic", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Length(max=5000)])
    user_id = SelectField("Staff member", validators=[Optional()], choices=[])


class RequestForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("What do you need?", validators=[DataRequired()])
    samples = IntegerField("Number of samples", validators=[Optional()])
    desired_start_on = DateField("Desired start", validators=[Optional()])
    desired_end_on = DateField("Desired end", validators=[Optional()])
    attachments = MultipleFileField("Attachments")
    account = SelectField("Account to charge", validators=[Optional()], validate_choice=False)


class LineForm(Form):
    description = StringField("Description", validators=[Optional(), Length(max=300)])
    unit = StringField("Unit", validators=[Optional(), Length(max=40)])
    quantity = StringField("Quantity", validators=[Optional(), Length(max=20)])
    unit_price = StringField("Unit price", validators=[Optional(), Length(max=20)])


class QuoteForm(FlaskForm):
    lines = FieldList(FormField(LineForm), min_entries=LINES, max_entries=LINES)
    valid_until_on = DateField("Valid until", validators=[Optional()])
    terms = TextAreaField("Terms", validators=[Length(max=20000)])


class MessageForm(FlaskForm):
    body = TextAreaField("Message", validators=[DataRequired()])


class ReasonForm(FlaskForm):
    reason = TextAreaField("Reason")


class AttachForm(FlaskForm):
    attachments = MultipleFileField("Add attachments")


class DeliverableForm(FlaskForm):
    label = StringField("Label", validators=[Optional(), Length(max=200)])
    file = FileField("File")
    url = URLField("…or a link", validators=[Optional(), Length(max=500)])


class DeliverForm(FlaskForm):
    closing_note = TextAreaField("Closing note", validators=[DataRequired()])


class FeedbackForm(FlaskForm):
    rating = SelectField(
        "Rating", choices=choices((str(i), f"{i} / 5") for i in range(5, 0, -1)), default="5"
    )
    comment = TextAreaField("Comment", validators=[Length(max=5000)])


class BookTimeForm(FlaskForm):
    instrument_id = SelectField("Instrument", choices=[])
    starts_at = LocalDateTimeField("Start (facility time)")
    ends_at = LocalDateTimeField("End (facility time)")
