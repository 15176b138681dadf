"""Factories of the booking engine's tests."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal

import pytest

from innocore import clock as clock_module
from innocore.vocab import Technology, UserCategory
from instruments.eligibility import EXTENSION_KEY, Eligibility
from instruments.models import Instrument, OpeningHours, Rate

MONDAY_9_UTC = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def make_instrument(db_session, make_facility):
    def make(**kw):
        facility = kw.pop("facility", None) or make_facility()
        opening = kw.pop("opening", None)
        rates = kw.pop("rates", {})
        now = clock_module.now()
        instrument = Instrument(
            facility=facility,
            name=kw.pop("name", "Confocal microscope"),
            technology=kw.pop("technology", Technology.LIGHT_MICROSCOPY),
            model=kw.pop("model", "LSM 980"),
            created_at=now,
            updated_at=now,
            opening_hours=[
                OpeningHours(weekday=d, opens=o, closes=c) for d, o, c in (opening or [])
            ],
            rates=[Rate(category=UserCategory(k), hourly=Decimal(v)) for k, v in rates.items()],
            **kw,
        )
        db_session.add(instrument)
        db_session.flush()
        return instrument

    return make


WEEKDAYS_8_TO_20 = [(d, time(8), time(20)) for d in range(5)]


@pytest.fixture
def eligibility(app):
    """``eligibility({(user_id, competence_id): Eligibility(...)})`` plugs in a provider."""
    original = app.extensions[EXTENSION_KEY]

    def plug(table: dict):
        app.extensions[EXTENSION_KEY] = lambda u, c, at: table.get((u, c), Eligibility())

    yield plug
    app.extensions[EXTENSION_KEY] = original
