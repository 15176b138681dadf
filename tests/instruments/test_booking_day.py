"""The ``booking_day`` rollup (migration 0018_booking_day) follows what really happens to a
booking: check-in, early check-out, the no-show job, a waiting-list hold accepted or released.
After every step the rollup equals the bookings summed again from scratch, and at the end the
network report read from it says what the live facility report says.

The clock starts Monday 2 March 2026 at 09:00 UTC (10:00 in Rome); the facility opens check-in
15 minutes before a start and makes a booking not checked in 15 minutes after its start a no-show.
All bookings start on 2 March (UTC), one rollup day.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from instruments import services
from instruments.models import Booking, BookingDay, BookingStatus, UsageChannel
from instruments.no_shows import release_no_shows
from instruments.services import BookingInput
from instruments.services import waitlist as wl
from instruments.services.booking_settings import set_usage_settings
from instruments.services.holds import expire_offers

DAY = datetime(2026, 3, 2, tzinfo=UTC)
BOOKED = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)


def at(h, m=0, s=0):
    return DAY.replace(hour=h, minute=m, second=s)


def rollup(db_session, instrument_id) -> tuple[int, int, int, int, int]:
    """(bookings, booked seconds, used seconds, no-shows, late cancellations) of the day."""
    row = db_session.execute(
        sa.select(
            BookingDay.booked_count,
            BookingDay.booked_seconds,
            BookingDay.used_seconds,
            BookingDay.no_shows,
            BookingDay.late_cancellations,
        ).where(BookingDay.instrument_id == instrument_id, BookingDay.day_start == DAY)
    ).one()
    return tuple(int(v) for v in row)


def recount(db_session, instrument_id) -> tuple[int, int, int, int, int]:
    """The same five figures summed from the bookings in Python, by the reports' rule: booked =
    confirmed, completed, no-show; used = check-in to check-out (or the booked end) of a
    confirmed booking checked in, else a completed booking's length."""
    db_session.expire_all()
    n = booked = used = no_shows = late = 0
    for bk in db_session.scalars(sa.select(Booking).where(Booking.instrument_id == instrument_id)):
        length = int((bk.ends_at - bk.starts_at).total_seconds())
        if bk.status in BOOKED:
            n, booked = n + 1, booked + length
        if bk.checked_in_at is not None and bk.status == BookingStatus.CONFIRMED:
            used += int(((bk.checked_out_at or bk.ends_at) - bk.checked_in_at).total_seconds())
        elif bk.status == BookingStatus.COMPLETED:
            used += length
        no_shows += bk.status == BookingStatus.NO_SHOW
        late += bk.status == BookingStatus.CANCELLED and bool(bk.cancelled_late)
    return n, booked, used, no_shows, late


@pytest.fixture
def lab(clock, db_session, make_user, make_instrument, make_facility, grant):
    facility = make_facility()
    instrument = make_instrument(facility=facility)
    people = [make_user(organisation=facility.institution) for _ in range(3)]
    manager = make_user()
    grant(manager, facility, "manager")
    set_usage_settings(
        manager,
        facility,
        checkin_opens_minutes=15,
        no_show_grace_minutes=15,
        charge_actual_use=False,
    )
    db_session.commit()
    return facility, instrument, *people, manager


def test_rollup_follows_check_in_out_no_shows_and_waiting_list_holds(
    lab, clock, db_session, client, api_headers, make_user
):
    facility, instrument, ada, bo, cy, manager = lab

    def step(expected):
        assert rollup(db_session, instrument.id) == expected
        assert recount(db_session, instrument.id) == expected

    first = services.create_booking(ada, instrument.id, BookingInput(at(10), at(12)))
    services.create_booking(bo, instrument.id, BookingInput(at(13), at(14)))
    db_session.commit()
    step((2, 3 * 3600, 0, 0, 0))  # 2 h + 1 h booked, nothing used yet

    # Ada checks in at 09:50, before her start: used runs to the booked end, 2 h 10 min.
    clock.set(at(9, 50))
    services.check_in(ada, first.id, UsageChannel.API)
    db_session.commit()
    step((2, 3 * 3600, 7800, 0, 0))

    # She checks out at 10:40:30: the booking ends at 10:41 (41 min booked); used 09:50 to
    # 10:40:30 = 50.5 min = 3030 s.
    clock.set(at(10, 40, 30))
    services.check_out(ada, first.id, UsageChannel.API)
    db_session.commit()
    step((2, 41 * 60 + 3600, 3030, 0, 0))

    # Bo never comes: at 13:15 the job makes his booking a no-show (still booked, not used).
    clock.set(at(13, 15))
    assert release_no_shows() == 1
    db_session.commit()
    step((2, 41 * 60 + 3600, 3030, 1, 0))

    # A waiting list: Cy waits for Ada's 15:00-16:00; Ada cancels, Cy is offered a hold (not a
    # booking), then accepts it (a booking of 1 h).
    third = services.create_booking(ada, instrument.id, BookingInput(at(15), at(16)))
    entry = wl.join_waitlist(cy, instrument.id, at(15), at(16))
    db_session.commit()
    step((3, 41 * 60 + 2 * 3600, 3030, 1, 0))
    services.cancel_booking(ada, third.id)
    db_session.commit()
    assert db_session.get(Booking, entry.hold_booking_id).status == BookingStatus.HELD
    step((2, 41 * 60 + 3600, 3030, 1, 0))
    wl.accept_offer(cy, entry.id)
    db_session.commit()
    step((3, 41 * 60 + 2 * 3600, 3030, 1, 0))

    # Another offer lapses: the hold is released and never counted.
    fourth = services.create_booking(ada, instrument.id, BookingInput(at(17), at(18)))
    lapsing = wl.join_waitlist(bo, instrument.id, at(17), at(18))
    services.cancel_booking(ada, fourth.id)
    db_session.commit()
    clock.advance(hours=1)
    assert expire_offers() == 1
    db_session.commit()
    assert db_session.get(Booking, lapsing.hold_booking_id).status == BookingStatus.RELEASED
    step((3, 41 * 60 + 2 * 3600, 3030, 1, 0))

    # The network report (from the rollup) and the facility report (live) agree: booked 41 min
    # + 1 h + 1 h = 9660 s = 2.68 h; used 3030 s = 0.84 h; one no-show.
    period = "from=2026-03-01&to=2026-03-31"
    live = client.get(
        f"/api/v1/reports/facilities/{facility.id}?{period}", headers=api_headers(manager)
    ).json
    util = {s["key"]: s for s in live["sections"]}["utilisation"]
    values = {f["label"]: f["value"] for f in util["figures"]}
    assert (values["Booked hours"], values["Used hours"]) == (2.68, 0.84)
    net = client.get(
        f"/api/v1/reports/network?{period}&facility={facility.id}",
        headers=api_headers(make_user(is_network_admin=True)),
    ).json
    facilities = {s["key"]: s for s in net["sections"]}["facilities"]
    row = next(t for t in facilities["tables"] if t["title"] == "Instrument use by facility")[
        "rows"
    ][0]
    assert row[2:4] == [2.68, 0.84] and row[5] == 1
