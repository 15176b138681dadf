"""Applications close at the end of the day typed, in the host facility's zone, and the work
may start on that day: the deadline's date is read on the facility's wall clock, not in UTC."""

from datetime import UTC, date, datetime

import pytest

from training.challenges import rules
from training.challenges.forms import close_instant

NOW = datetime(2027, 5, 3, 9, 0, tzinfo=UTC)


def test_applications_close_at_the_last_second_of_the_day_in_rome():
    assert close_instant(date(2027, 6, 30), "Europe/Rome") == datetime(
        2027, 6, 30, 21, 59, 59, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("zone", "starts_on", "refused"),
    [
        ("Europe/Rome", date(2027, 6, 30), False),
        ("Europe/Rome", date(2027, 6, 29), True),
        # New York's 30 Jun ends on 1 Jul in UTC: the work may still start on 30 Jun.
        ("America/New_York", date(2027, 6, 30), False),
        ("America/New_York", date(2027, 6, 29), True),
    ],
)
def test_the_work_starts_on_or_after_the_closing_day_of_the_host(zone, starts_on, refused):
    posting = rules.Posting(
        "Title",
        "Summary",
        1,
        3,
        1,
        close_instant(date(2027, 6, 30), zone),
        starts_on,
        date(2027, 9, 30),
    )
    codes = [p.code for p in rules.posting_problems(posting, NOW, zone)]
    assert ("starts_before_deadline" in codes) == refused
