"""The booking limits are declared once (``instruments.rules.Limits``); every other shape of them
is made from that declaration, and the database columns match it."""

from __future__ import annotations

import sqlalchemy as sa

from instruments.forms import InstrumentForm
from instruments.manage_api import InstrumentIn
from instruments.models import Instrument
from instruments.rules import LIMITS, Policy
from instruments.services.inventory import InstrumentData

EXPECTED = [
    "slot_minutes",
    "min_minutes",
    "max_minutes",
    "horizon_days",
    "notice_minutes",
    "cancel_cutoff_minutes",
    "max_future_bookings",
    "max_hours_week",
]


def test_every_shape_of_the_limits_has_the_declared_names_and_labels(app):
    assert list(LIMITS) == EXPECTED
    assert LIMITS["cancel_cutoff_minutes"] == "Cancellation cut-off (minutes before start)"
    with app.test_request_context():
        form = InstrumentForm(meta={"csrf": False})
        assert [form[n].label.text for n in form.limit_names] == list(LIMITS.values())
    schema = InstrumentIn.model_json_schema()["properties"]
    assert {n: schema[n]["description"] for n in LIMITS} == LIMITS
    assert schema["max_hours_week"]["anyOf"][0] == {
        "maximum": 100000,
        "minimum": 0,
        "type": "integer",
    }
    policy = Policy("Europe/Rome", slot_minutes=30)
    data = InstrumentData(name="NMR", technology=None, max_hours_week=20)
    assert (policy.slot_minutes, policy.max_hours_week, data.max_hours_week) == (30, None, 20)


def test_the_instrument_table_has_one_nullable_integer_column_per_limit():
    columns = Instrument.__table__.columns
    for name in LIMITS:
        assert isinstance(columns[name].type, sa.Integer) and columns[name].nullable, name
