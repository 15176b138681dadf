"""Bad series input is a clear 4xx with a reason, never a 500, and writes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from instruments.series.models import BookingSeries
from tests.instruments.series.test_series import mondays, world  # noqa: F401


@pytest.mark.parametrize(
    "change",
    [
        {"starts_at": "0001-01-01T00:00:00+00:00", "ends_at": "0001-01-01T01:00:00+00:00"},
        {"starts_at": "9999-12-31T22:00:00+00:00", "ends_at": "9999-12-31T23:00:00+00:00"},
        {"until": "9999-12-31", "count": None},
        {"weekdays": [7]},
        {"weekdays": [-1, 0]},
        {"ends_at": "2026-03-16T08:00:00+01:00"},
        {"count": 1},
        {"interval": 0},
        {"frequency": "monthly"},
        {"mode": "sometimes"},
        {"instrument_id": 2**40},
        {"scope": "all"},
        {"user_id": 2**31 - 1},
    ],
)
def test_bad_series_input_is_a_clear_4xx(client, world, api_headers, db_session, change):  # noqa: F811
    instrument, user, _ = world
    body = {k: v for k, v in {**mondays(instrument), **change}.items() if v is not None}
    answer = client.post("/api/v1/series", json=body, headers=api_headers(user))
    assert 400 <= answer.status_code < 500, answer.get_data(as_text=True)
    assert answer.get_json()["errors"][0]["message"]
    assert db_session.scalar(sa.select(sa.func.count(BookingSeries.id))) == 0
