"""Report buckets in a facility's zone: month and week boundaries, opening hours across DST, the
zone's offset changes and the heat-map arithmetic (pure, no database)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from innocore.errors import DomainError
from innocore.reports import buckets as bk
from innocore.reports.core import parse_dates


@pytest.mark.parametrize(
    ("zone", "month", "hours"),
    [
        ("Europe/Rome", date(2026, 3, 1), 743),  # clocks go forward on 29 March
        ("Europe/Rome", date(2026, 10, 1), 745),  # and back on 25 October
        ("Europe/Lisbon", date(2026, 10, 1), 745),
        ("Europe/Rome", date(2026, 6, 1), 720),
        ("UTC", date(2026, 10, 1), 744),
    ],
)
def test_months_are_local_midnights(zone, month, hours):
    end = date(month.year, month.month + 1, 1) - timedelta(days=1)
    (only,) = bk.months(month, end, zone)
    assert (only.ends_at - only.starts_at) == timedelta(hours=hours)


def test_months_are_clipped_to_the_range():
    out = bk.months(date(2026, 1, 15), date(2026, 3, 10), "Europe/Rome")
    assert [b.label for b in out] == ["2026-01", "2026-02", "2026-03"]
    assert out[0].starts_at == datetime(2026, 1, 14, 23, tzinfo=UTC)
    assert out[-1].ends_at == datetime(2026, 3, 10, 23, tzinfo=UTC)


def test_weeks_start_on_monday_and_carry_iso_labels():
    out = bk.weeks(date(2026, 10, 1), date(2026, 10, 31), "Europe/Rome")
    assert [b.label for b in out] == ["2026-W40", "2026-W41", "2026-W42", "2026-W43", "2026-W44"]
    assert out[1].starts_at == datetime(2026, 10, 4, 22, tzinfo=UTC)  # Monday 5 Oct, 00:00 CEST
    assert out[4].starts_at == datetime(2026, 10, 25, 23, tzinfo=UTC)  # Monday 26 Oct, 00:00 CET


@pytest.mark.parametrize(
    ("day", "expected_hours"),
    [(date(2026, 3, 29), 2), (date(2026, 10, 25), 4), (date(2026, 10, 18), 3)],
)
def test_opening_hours_last_what_the_clock_says(day, expected_hours):
    bucket = bk.Bucket(
        "d",
        bk.local_midnight(day, "Europe/Rome"),
        bk.local_midnight(day + timedelta(days=1), "Europe/Rome"),
    )
    windows = [(6, time(1), time(4))]  # Sunday 01:00-04:00
    assert bk.opening_seconds(windows, [bucket], "Europe/Rome") == [expected_hours * 3600]


def test_offset_changes_find_the_transitions():
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    assert bk.offset_changes(start, end, "Europe/Rome") == [
        (start, 3600),
        (datetime(2026, 3, 29, 1, tzinfo=UTC), 7200),
        (datetime(2026, 10, 25, 1, tzinfo=UTC), 3600),
    ]
    assert bk.offset_changes(start, end, "UTC") == [(start, 0)]


def _cells_by_brute_force(bookings):
    cells = [0] * 168
    for s, e in bookings:
        for t in range(s, e, 60):
            cells[(t % bk.WEEK_SECONDS) // 3600] += 60
    return cells


@pytest.mark.parametrize(
    "bookings",
    [
        [(3600 * 9, 3600 * 11)],  # Monday 09-11
        [(3600 * 9 + 1800, 3600 * 10 + 600)],
        [(3600 * 167 + 1200, bk.WEEK_SECONDS + 3600 * 2)],  # Sunday 23:20 to Monday 02:00
        [(3600 * 5, 3600 * 5 + bk.WEEK_SECONDS * 2 + 300), (60, 120)],  # over two weeks
    ],
)
def test_heat_cells_match_counting_minute_by_minute(bookings):
    def agg(points):
        rows = {}
        for t in points:
            h = (t % bk.WEEK_SECONDS) // 3600
            n, s = rows.get(h, (0, 0))
            rows[h] = (n + 1, s + t % 3600)
        return [(h, n, s) for h, (n, s) in rows.items()]

    full = sum(e // bk.WEEK_SECONDS - s // bk.WEEK_SECONDS for s, e in bookings)
    cells = bk.heat_cells(agg([s for s, _ in bookings]), agg([e for _, e in bookings]), full)
    expected = _cells_by_brute_force(bookings)
    assert [round(v * 3600) for row in cells for v in row] == expected


@pytest.mark.parametrize(
    ("raw_from", "raw_to", "code"),
    [
        ("2026-02-30", None, "invalid_date"),
        ("yesterday", None, "invalid_date"),
        ("2026-05-01", "2026-04-30", "period_order"),
        ("2020-01-01", "2026-01-01", "period_too_long"),
    ],
)
def test_bad_periods_are_refused_with_the_reason(raw_from, raw_to, code):
    with pytest.raises(DomainError) as caught:
        parse_dates(raw_from, raw_to, date(2026, 11, 30))
    assert caught.value.problems[0].code == code and caught.value.status == 400


def test_default_period_is_the_last_twelve_months():
    assert parse_dates(None, None, date(2026, 11, 30)) == (date(2025, 12, 1), date(2026, 11, 30))
