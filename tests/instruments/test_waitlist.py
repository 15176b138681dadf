"""The waiting list for instrument time (issue 14 part 5): join, offer on cancel or move, accept,
decline, expiry to the next person, exactly once, and the held time closed to everyone else.

The clock starts Monday 2026-03-02 09:00 UTC; the facility is in Europe/Rome (UTC+1 in March),
so the wanted time Tuesday 10:00-11:00 Rome is 09:00-10:00 UTC, and a 30-minute hold made at
09:00 UTC ends at 09:30 UTC (10:30 Rome).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from innocore.errors import DomainError, NotFound
from innocore.notifications.models import Notification
from instruments import services
from instruments.models import (
    Booking,
    BookingStatus,
    FacilityBookingSettings,
    WaitlistEntry,
    WaitlistStatus,
)
from instruments.services import BookingInput
from instruments.services import waitlist as wl
from instruments.services.holds import expire_offers
from tests.instruments.conftest import WEEKDAYS_8_TO_20

ROME = ZoneInfo("Europe/Rome")
START, END = datetime(2026, 3, 3, 10, tzinfo=ROME), datetime(2026, 3, 3, 11, tzinfo=ROME)


def codes(err) -> list[str]:
    return sorted(p.code for p in err.value.problems)


@pytest.fixture
def world(clock, make_user, make_instrument, make_facility, grant):
    facility = make_facility()
    instrument = make_instrument(facility=facility, opening=WEEKDAYS_8_TO_20, slot_minutes=30)
    people = [make_user(organisation=facility.institution) for _ in range(4)]
    holder, first, second, other = people
    staff = make_user(organisation=facility.institution)
    grant(staff, facility, "staff")
    booking = services.create_booking(holder, instrument.id, BookingInput(START, END))
    return instrument, booking, holder, first, second, other, staff


def _offers_to(user) -> int:
    from innocore.extensions import db

    return db.session.scalar(
        sa.select(sa.func.count()).where(
            Notification.user_id == user.id,
            Notification.dedupe_key.like("instrument-waitlist-offer-%"),
        )
    )


def test_join_is_refused_when_free_when_not_eligible_and_twice(world, make_competence, db_session):
    instrument, _, _, first, _, _, _ = world
    later = START + timedelta(hours=2), END + timedelta(hours=2)
    with pytest.raises(DomainError) as err:
        wl.join_waitlist(first, instrument.id, *later)
    assert codes(err) == ["slot_free"]
    wl.join_waitlist(first, instrument.id, START, END)
    with pytest.raises(DomainError) as err:
        wl.join_waitlist(first, instrument.id, START, END)
    assert codes(err) == ["already_waiting"]
    instrument.required_competence_id = make_competence().id
    db_session.flush()
    with pytest.raises(DomainError) as err:
        wl.join_waitlist(first, instrument.id, START, END + timedelta(minutes=30))
    assert codes(err) == ["competence_missing"]


def test_cancel_offers_the_time_to_the_first_waiter_only_and_nobody_else_can_book_it(
    world, clock, db_session
):
    instrument, booking, holder, first, second, other, _ = world
    a = wl.join_waitlist(first, instrument.id, START, END)
    clock.advance(minutes=1)
    b = wl.join_waitlist(second, instrument.id, START, END)
    services.cancel_booking(holder, booking.id)
    db_session.commit()
    assert (a.status, b.status) == (WaitlistStatus.OFFERED, WaitlistStatus.WAITING)
    # Offered at 09:01 UTC, held 30 minutes: until 09:31 UTC.
    assert a.offer_expires_at == datetime(2026, 3, 2, 9, 31, tzinfo=UTC)
    assert a.hold_booking.status == BookingStatus.HELD and a.hold_booking.user_id == first.id
    assert (_offers_to(first), _offers_to(second)) == (1, 0)
    with pytest.raises(DomainError) as err:  # half an hour of the held hour
        services.create_booking(other, instrument.id, BookingInput(START, START.replace(minute=30)))
    assert codes(err) == ["conflict"] and err.value.status == 409


def test_accept_turns_the_hold_into_a_confirmed_booking(world, db_session):
    instrument, booking, holder, first, _, _, _ = world
    entry = wl.join_waitlist(first, instrument.id, START, END, purpose="imaging")
    services.cancel_booking(holder, booking.id)
    hold_id = entry.hold_booking_id
    wl.accept_offer(first, entry.id)
    db_session.commit()
    got = db_session.get(Booking, hold_id)
    assert (got.status, got.user_id, got.purpose) == (BookingStatus.CONFIRMED, first.id, "imaging")
    assert (got.starts_at, got.ends_at) == (START.astimezone(UTC), END.astimezone(UTC))
    assert entry.status == WaitlistStatus.ACCEPTED


def test_expiry_offers_the_next_person_exactly_once_and_a_late_accept_is_refused(
    world, clock, db_session
):
    instrument, booking, holder, first, second, _, _ = world
    a = wl.join_waitlist(first, instrument.id, START, END)
    b = wl.join_waitlist(second, instrument.id, START, END)
    services.cancel_booking(holder, booking.id)
    db_session.commit()
    clock.advance(minutes=30)  # the hold ends now, 09:30 UTC
    with pytest.raises(DomainError) as err:
        wl.accept_offer(first, a.id)
    assert codes(err) == ["offer_lapsed"]
    db_session.rollback()
    assert expire_offers() == 1
    assert expire_offers() == 0  # a second scheduler (or a re-run) finds nothing to do
    db_session.expire_all()
    assert (a.status, b.status) == (WaitlistStatus.EXPIRED, WaitlistStatus.OFFERED)
    assert a.hold_booking.status == BookingStatus.RELEASED
    assert b.hold_booking.status == BookingStatus.HELD
    assert (_offers_to(first), _offers_to(second)) == (1, 1)
    with pytest.raises(DomainError) as err:
        wl.accept_offer(first, a.id)
    assert codes(err) == ["offer_closed"]


def test_decline_and_move_pass_the_time_on_with_the_facility_hold_length(world, db_session):
    instrument, booking, holder, first, second, _, _ = world
    db_session.add(
        FacilityBookingSettings(facility_id=instrument.facility_id, waitlist_hold_minutes=10)
    )
    a = wl.join_waitlist(first, instrument.id, START, END)
    b = wl.join_waitlist(second, instrument.id, START, END)
    services.move_booking(holder, booking.id, START + timedelta(hours=3), END + timedelta(hours=3))
    assert a.status == WaitlistStatus.OFFERED
    assert a.offer_expires_at == datetime(2026, 3, 2, 9, 10, tzinfo=UTC)  # 10 minutes from 09:00
    wl.decline_offer(first, a.id)
    db_session.commit()
    assert (a.status, b.status) == (WaitlistStatus.DECLINED, WaitlistStatus.OFFERED)


def test_others_entries_are_invisible(world):
    instrument, _, _, first, second, _, staff = world
    a = wl.join_waitlist(first, instrument.id, START, END)
    for act in (wl.accept_offer, wl.decline_offer, wl.withdraw_entry):
        with pytest.raises(NotFound):
            act(second, a.id)
    assert wl.withdraw_entry(staff, a.id).status == WaitlistStatus.WITHDRAWN


def test_the_database_refuses_an_overlap_with_a_hold(world, db_session):
    """PostgreSQL's exclusion constraint covers held bookings (SQLite relies on the write lock
    and the rules, tested above)."""
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("the exclusion constraint is PostgreSQL's")
    from instruments.services.common import flush_or_conflict

    instrument, booking, holder, first, _, other, _ = world
    entry = wl.join_waitlist(first, instrument.id, START, END)
    services.cancel_booking(holder, booking.id)
    hold = entry.hold_booking
    db_session.add(
        Booking(
            instrument=instrument,
            user=other,
            booked_by=other,
            starts_at=hold.starts_at,
            ends_at=hold.ends_at,
            status=BookingStatus.CONFIRMED,
            uid="race@test",
            created_at=hold.created_at,
            updated_at=hold.created_at,
        )
    )
    with pytest.raises(DomainError) as err:
        flush_or_conflict()
    assert err.value.status == 409


def test_pages_join_from_the_refused_booking_then_accept_the_offer(
    world, login_as, db_session, clock
):
    instrument, booking, holder, first, _, _, _ = world
    db_session.commit()
    client = login_as(first)
    form = {"starts_at": "2026-03-03T10:00", "ends_at": "2026-03-03T11:00"}
    refused = client.post(f"/instruments/{instrument.id}/book", data=form)
    assert refused.status_code == 422 and b"Join the waiting list" in refused.data
    joined = client.post(f"/instruments/{instrument.id}/waitlist/join", data=form)
    assert joined.status_code == 302 and joined.headers["Location"].endswith("/waitlist/mine")
    page = client.get("/instruments/waitlist/mine")
    assert b"Position 1 in line" in page.data
    services.cancel_booking(holder, booking.id)
    db_session.commit()
    page = client.get("/instruments/waitlist/mine")
    # first's zone is UTC (the factory's default): held until 09:30 UTC, 30 minutes left.
    assert b"Held for you until Mon 02 Mar 2026, 09:30 UTC" in page.data
    assert b"(30 min left)" in page.data
    entry = db_session.scalar(sa.select(WaitlistEntry).where(WaitlistEntry.user_id == first.id))
    done = client.post(f"/instruments/waitlist/{entry.id}/accept")
    assert done.status_code == 302
    assert db_session.get(Booking, entry.hold_booking_id).status == BookingStatus.CONFIRMED


def test_api_twins_and_who_sees_what(world, client, api_headers, db_session):
    instrument, booking, holder, first, second, _, staff = world
    db_session.commit()
    body = {
        "instrument_id": instrument.id,
        "starts_at": "2026-03-03T10:00:00+01:00",
        "ends_at": "2026-03-03T11:00:00+01:00",
    }
    made = client.post("/api/v1/waitlist", json=body, headers=api_headers(first))
    assert made.status_code == 201 and made.json["status"] == "waiting"
    assert made.json["position"] == 1 and made.json["local_start"] == "2026-03-03T10:00:00+01:00"
    entry_id = made.json["id"]
    mine = client.get("/api/v1/waitlist/mine", headers=api_headers(second))
    assert mine.status_code == 200 and mine.json == {"items": []}
    stolen = client.post(f"/api/v1/waitlist/{entry_id}/accept", headers=api_headers(second))
    assert stolen.status_code == 404
    listed = client.get(f"/api/v1/instruments/{instrument.id}/waitlist", headers=api_headers(staff))
    assert [e["id"] for e in listed.json["items"]] == [entry_id]
    refused = client.get(
        f"/api/v1/instruments/{instrument.id}/waitlist", headers=api_headers(first)
    )
    assert refused.status_code == 403
    cancel = client.post(
        f"/api/v1/bookings/{booking.id}/cancel", json={}, headers=api_headers(holder)
    )
    assert cancel.status_code == 200
    accepted = client.post(f"/api/v1/waitlist/{entry_id}/accept", headers=api_headers(first))
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"
    got = client.get(f"/api/v1/bookings/{accepted.json['booking_id']}", headers=api_headers(first))
    assert got.json["status"] == "confirmed"


def test_managers_set_the_hold_length(world, client, api_headers, make_user, grant):
    instrument = world[0]
    manager = make_user(organisation=instrument.facility.institution)
    grant(manager, instrument.facility, "manager")
    url = f"/api/v1/facilities/{instrument.facility_id}/reminders"
    body = {"reminder_hours": 24, "waitlist_hold_minutes": 45}
    saved = client.put(url, json=body, headers=api_headers(manager))
    assert saved.status_code == 200 and saved.json["waitlist_hold_minutes"] == 45
    too_short = client.put(
        url, json={**body, "waitlist_hold_minutes": 4}, headers=api_headers(manager)
    )
    assert too_short.status_code == 422


def _said(response) -> str:
    """What a person reads on the page: text without tags and scripts, spaces collapsed."""
    html = re.sub(r"<script.*?</script>", " ", response.get_data(as_text=True), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_refused_join_says_why_on_the_page_and_is_offered_only_when_it_could_succeed(
    world, login_as, db_session
):
    instrument, _, _, first, second, _, staff = world
    db_session.commit()
    form = {"starts_at": "2026-03-03T10:00", "ends_at": "2026-03-03T11:00"}
    book, join = (f"/instruments/{instrument.id}/{p}" for p in ("book", "waitlist/join"))
    member = login_as(first)
    # A problem on the "Book for" field, which a member's page does not show, is still said.
    unknown = member.post(join, data={**form, "user_email": "nobody@example.org"})
    assert unknown.status_code == 422 and "Nobody with this e-mail." in _said(unknown)
    # A time also refused for another reason is not offered: waiting would be refused too.
    long = member.post(book, data={**form, "purpose": "x" * 2001})
    assert long.status_code in (409, 422) and "Join the waiting list" not in _said(long)
    assert member.post(join, data=form).status_code == 302
    again = member.post(join, data=form)
    assert again.status_code == 422
    assert "You are already on the waiting list for this time." in _said(again)
    # Staff booking the taken time for someone else are not offered a wait for themselves,
    # and a join with that e-mail says why instead of putting the staff member in line.
    staffer = login_as(staff)
    for_other = staffer.post(book, data={**form, "user_email": second.email})
    assert "Join the waiting list" not in _said(for_other)
    joined = staffer.post(join, data={**form, "user_email": second.email})
    assert joined.status_code == 422
    assert "The waiting list keeps time for yourself only" in _said(joined)
    assert (
        db_session.scalar(sa.select(sa.func.count()).where(WaitlistEntry.user_id == staff.id)) == 0
    )
