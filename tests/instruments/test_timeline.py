"""Pure calendar layout and prefill rules (no database): a prefilled booking stays within the
rules; timeline rows fill their columns exactly, place off-grid blocks outward and put an
overlapping downtime in a second lane."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from instruments.free_time import prefill
from instruments.rules import Busy, Policy, Window
from instruments.timeline import Block, axis, timeline_row

ROME = ZoneInfo("Europe/Rome")
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
OPEN = tuple(Window(d, time(8), time(19)) for d in range(7))


def at(h, m=0, day=4) -> datetime:
    return datetime(2026, 3, day, h, m, tzinfo=UTC)


@pytest.mark.parametrize(
    "policy, start, end, busy, expected",
    [
        # an 11-hour ask on an instrument whose longest booking is 8 h: 8 h
        (Policy("Europe/Rome", max_minutes=480, opening=OPEN), at(7), at(18), [], (at(7), at(15))),
        # no end: an hour; a 90-minute slot makes it one slot, from 09:00 local (its grid)
        (Policy("Europe/Rome", opening=OPEN), at(9), None, [], (at(9), at(10))),
        (
            Policy("Europe/Rome", slot_minutes=90, opening=OPEN),
            at(7, 30),
            None,
            [],
            (at(8), at(9, 30)),
        ),
        # an off-grid start moves to the next slot; the shortest booking is the default length
        (
            Policy("Europe/Rome", slot_minutes=30, min_minutes=120, opening=OPEN),
            at(9, 10),
            None,
            [],
            (at(9, 30), at(11, 30)),
        ),
        # the next booking ends the prefill; whole slots only
        (
            Policy("Europe/Rome", slot_minutes=60, opening=OPEN),
            at(9),
            at(14),
            [Busy(at(11, 30), at(12))],
            (at(9), at(11)),
        ),
        # closing time ends it too
        (Policy("Europe/Rome", opening=OPEN), at(16), at(20), [], (at(16), at(18))),
    ],
)
def test_a_prefill_stays_within_the_rules(policy, start, end, busy, expected):
    assert prefill(policy, busy, starts_at=start, ends_at=end, now=NOW) == expected


def test_a_timeline_row_fills_its_columns_and_rounds_blocks_outward():
    """15-minute columns of Wednesday 4 March (CET): a booking 09:10-10:05 local covers the
    columns 09:00-10:15; a downtime over it goes to a second lane; free time after it is one
    cell that books from its first slot."""
    ax = axis([date(2026, 3, 4)], ROME, 15, NOW)
    booking = Block(at(8, 10), at(9, 5), "booking", "Booked")
    downtime = Block(at(8, 30), at(11), "downtime", "Downtime")
    lanes = timeline_row(
        ax, ROME, blocks=[downtime, booking], free=[(at(9, 5), at(10))], now=NOW, slot_minutes=30
    )
    assert len(lanes) == 2
    for lane in lanes:
        assert sum(c.span for c in lane) == 96
    [b] = [c for c in lanes[0] if c.kind == "booking"]
    assert (b.col, b.span, b.when) == (36, 5, "09:10–10:05 CET")
    [free] = [c for c in lanes[0] if c.kind == "free"]
    assert (free.col, free.span, free.book_at) == (41, 3, at(9, 30))
    [d] = [c for c in lanes[1] if c.kind == "downtime"]
    assert (d.col, d.span) == (38, 10)


@pytest.mark.parametrize(
    ("day", "unit", "labels"),
    [
        (
            date(2027, 10, 31),
            60,
            ["00", "01", "02 CEST", "02 CET", *(f"{h:02}" for h in range(3, 24))],
        ),
        (
            date(2027, 10, 31),
            15,
            ["00", "01", "02 CEST", "02 CET", *(f"{h:02}" for h in range(3, 24))],
        ),
        (date(2027, 3, 28), 60, ["00", "01", *(f"{h:02}" for h in range(3, 24))]),
        (date(2027, 6, 1), 60, [f"{h:02}" for h in range(24)]),
    ],
)
def test_the_repeated_autumn_hour_is_labelled_with_its_zone(day, unit, labels):
    ax = axis([day], ZoneInfo("Europe/Rome"), unit, datetime(2027, 1, 1, tzinfo=UTC))
    assert [h.label for h in ax.hours] == labels
    assert sum(h.span for h in ax.hours) == ax.count
