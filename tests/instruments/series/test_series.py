"""Recurring series: local time kept across DST, all or nothing, skipped dates, cancel scopes,
one UID per occurrence, one e-mail per series; through the API and the pages."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from innocore.notifications.models import Notification
from instruments.models import Booking, BookingStatus
from instruments.series import rules
from instruments.series.models import BookingSeries
from tests.instruments.conftest import WEEKDAYS_8_TO_20

ROME = ZoneInfo("Europe/Rome")


def rome(*a) -> str:
    return datetime(*a, tzinfo=ROME).isoformat()


@pytest.fixture
def world(clock, make_user, make_instrument, make_facility, grant):
    facility = make_facility()  # Europe/Rome: summer time from Sunday 29 March 2026
    instrument = make_instrument(facility=facility, opening=WEEKDAYS_8_TO_20, slot_minutes=30)
    user = make_user(organisation=facility.institution)
    staff = make_user(organisation=facility.institution)
    grant(staff, facility, "staff")
    return instrument, user, staff


def mondays(instrument, count=4, **kw) -> dict:
    """Mondays 09:00-10:00 Rome from 16 March 2026: 16, 23 March (UTC+1), 30 March, 6 April
    (UTC+2, after the change)."""
    return {
        "instrument_id": instrument.id,
        "starts_at": rome(2026, 3, 16, 9),
        "ends_at": rome(2026, 3, 16, 10),
        "frequency": "weekly",
        "count": count,
        **kw,
    }


def _rows(db_session, model):
    return db_session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_weekly_series_across_the_dst_change_keeps_09_00_with_one_uid_and_one_email(
    client, world, api_headers, db_session
):
    instrument, user, _ = world
    mails_before = _rows(db_session, Notification)
    done = client.post("/api/v1/series", json=mondays(instrument), headers=api_headers(user))
    assert done.status_code == 201, done.get_json()
    plan = done.get_json()
    assert plan["rrule"] == "FREQ=WEEKLY;INTERVAL=1;COUNT=4"
    assert [o["starts_at"] for o in plan["occurrences"]] == [
        "2026-03-16T08:00:00Z",
        "2026-03-23T08:00:00Z",
        "2026-03-30T07:00:00Z",  # 09:00 in summer time is 07:00 UTC
        "2026-04-06T07:00:00Z",
    ]
    assert {o["local_start"][11:] for o in plan["occurrences"]} == {"09:00"}
    series = client.get(f"/api/v1/series/{plan['series_id']}", headers=api_headers(user))
    occurrences = series.get_json()["occurrences"]
    assert [o["local_start"][11:16] for o in occurrences] == ["09:00"] * 4
    assert len({o["uid"] for o in occurrences}) == 4
    assert {o["series_id"] for o in occurrences} == {plan["series_id"]}
    assert series.get_json()["in_words"] == "Every week, 4 times"
    # One e-mail for the series, its invitation one event (own UID) per occurrence.
    assert _rows(db_session, Notification) == mails_before + 1
    mail = db_session.scalars(sa.select(Notification).order_by(Notification.id.desc())).first()
    events = Calendar.from_ical(mail.ics).walk("VEVENT")
    assert sorted(str(e["UID"]) for e in events) == sorted(o["uid"] for o in occurrences)
    # Each occurrence's own .ics carries its own UID (feeds and downloads as for any booking).
    one = client.get(f"/api/v1/bookings/{occurrences[2]['id']}.ics", headers=api_headers(user))
    assert [str(e["UID"]) for e in Calendar.from_ical(one.data).walk("VEVENT")] == [
        occurrences[2]["uid"]
    ]


def _block(db_session, instrument, other, day):
    """Someone else's booking 09:00-10:00 Rome on ``day`` (March 2026)."""
    start = datetime(2026, 3, day, 9, tzinfo=ROME).astimezone(UTC)
    db_session.add(
        Booking(
            instrument=instrument,
            user=other,
            booked_by=other,
            starts_at=start,
            ends_at=start.replace(hour=start.hour + 1),
            status=BookingStatus.CONFIRMED,
            uid=f"blocker-{day}@test",
            created_at=start,
            updated_at=start,
        )
    )
    db_session.commit()


def test_all_or_nothing_writes_nothing_when_one_date_is_taken(
    client, world, api_headers, db_session, make_user
):
    instrument, user, _ = world
    _block(db_session, instrument, make_user(), 30)
    bookings, series = _rows(db_session, Booking), _rows(db_session, BookingSeries)
    refused = client.post("/api/v1/series", json=mondays(instrument), headers=api_headers(user))
    assert refused.status_code == 409
    errors = refused.get_json()["errors"]
    assert [e["code"] for e in errors] == ["conflict"]
    assert errors[0]["message"].startswith("2026-03-30 09:00: ")
    db_session.expire_all()
    assert (_rows(db_session, Booking), _rows(db_session, BookingSeries)) == (bookings, series)


def test_skip_conflicts_books_the_rest_and_lists_the_skipped_date(
    client, world, api_headers, db_session, make_user, login_as
):
    instrument, user, _ = world
    _block(db_session, instrument, make_user(), 23)
    body = mondays(instrument, mode="skip_conflicts")
    preview = client.post(
        "/api/v1/series", json={**body, "dry_run": True}, headers=api_headers(user)
    )
    assert preview.status_code == 200
    assert [o["status"] for o in preview.get_json()["occurrences"]] == [
        "confirmed",
        "refused",
        "confirmed",
        "confirmed",
    ]
    assert preview.get_json()["series_id"] is None
    # a preview booked nothing, so it names no booking
    assert [o["booking_id"] for o in preview.get_json()["occurrences"]] == [None] * 4
    db_session.expire_all()
    assert _rows(db_session, BookingSeries) == 0  # the preview wrote nothing
    done = client.post("/api/v1/series", json=body, headers=api_headers(user))
    assert done.status_code == 201
    plan = done.get_json()
    assert (plan["booked"], plan["skipped"]) == (3, 1)
    skipped = [o for o in plan["occurrences"] if o["status"] == "refused"]
    assert skipped[0]["local_start"] == "2026-03-23T09:00"
    assert skipped[0]["problems"][0]["code"] == "conflict"
    mine = client.get("/api/v1/series/mine", headers=api_headers(user)).get_json()
    one = client.get(f"/api/v1/series/{plan['series_id']}", headers=api_headers(user)).get_json()
    assert mine["items"][0] == one  # the list shows the same three dates and skipped one
    assert len(one["occurrences"]) == 3 and len(one["skipped"]) == 1
    page = login_as(user).get(f"/instruments/series/{plan['series_id']}").get_data(as_text=True)
    assert "Skipped when booked" in page and "2026-03-23 09:00" in page


def test_cancel_this_following_and_all_leave_started_occurrences_alone(
    client, world, api_headers, db_session, clock
):
    instrument, user, _ = world
    plan = client.post(
        "/api/v1/series", json=mondays(instrument, count=5), headers=api_headers(user)
    ).get_json()
    ids = [o["booking_id"] for o in plan["occurrences"]]
    url = f"/api/v1/series/{plan['series_id']}/cancel"
    clock.set(datetime(2026, 3, 16, 8, 30, tzinfo=UTC))  # the first one is running
    this = client.post(
        url, json={"scope": "this", "from_booking_id": ids[1]}, headers=api_headers(user)
    )
    assert this.get_json()["cancelled"] == [ids[1]]
    following = client.post(
        url, json={"scope": "following", "from_booking_id": ids[3]}, headers=api_headers(user)
    )
    assert following.get_json()["cancelled"] == [ids[3], ids[4]]
    every = client.post(
        url, json={"scope": "all", "reason": "Project ended"}, headers=api_headers(user)
    )
    assert every.get_json() == {
        "series_id": plan["series_id"],
        "cancelled": [ids[2]],
        "left_alone": [ids[0]],  # the running one; the others were cancelled before
        "already_cancelled": [ids[1], ids[3], ids[4]],
    }
    again = client.post(url, json={"scope": "all"}, headers=api_headers(user))
    assert again.status_code == 422
    assert again.get_json()["errors"][0]["code"] == "nothing_to_cancel"
    db_session.expire_all()
    statuses = [db_session.get(Booking, i).status for i in ids]
    assert statuses == [BookingStatus.CONFIRMED] + [BookingStatus.CANCELLED] * 4


def test_the_pages_preview_book_and_cancel_with_a_confirmation(world, login_as, db_session):
    instrument, user, _ = world
    client = login_as(user)
    form = {
        "starts_at": "2026-03-16T09:00",
        "ends_at": "2026-03-16T10:00",
        "frequency": "weekly",
        "interval": "1",
        "count": "3",
        "mode": "all_or_nothing",
    }
    assert client.get(f"/instruments/series/new/{instrument.id}").status_code == 200
    preview = client.post(f"/instruments/series/new/{instrument.id}", data={**form, "preview": "1"})
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "3 of 3 dates can be booked" in text
    assert "Mon 30 Mar 2026 09:00" in text
    db_session.expire_all()
    assert _rows(db_session, BookingSeries) == 0
    booked = client.post(f"/instruments/series/new/{instrument.id}", data={**form, "book": "1"})
    assert booked.status_code == 303
    series_url = booked.headers["Location"]
    series_id = int(series_url.rstrip("/").split("/")[-1])
    page = client.get(series_url).get_data(as_text=True)
    assert "Every week. 3 times in all." in page and page.count("Cancel this and following") == 3
    asked = client.post(f"/instruments/series/{series_id}/cancel", data={"scope": "all"})
    assert asked.status_code == 200 and "3 bookings" in asked.get_data(as_text=True)
    db_session.expire_all()
    assert all(b.active for b in db_session.get(BookingSeries, series_id).bookings)
    done = client.post(
        f"/instruments/series/{series_id}/cancel",
        data={"scope": "all", "confirmed": "1"},
        follow_redirects=True,
    )
    assert "3 occurrences cancelled" in done.get_data(as_text=True)


def test_the_page_says_nothing_was_booked_and_lists_the_refused_date(
    world, login_as, db_session, make_user
):
    instrument, user, _ = world
    _block(db_session, instrument, make_user(), 23)
    page = login_as(user).post(
        f"/instruments/series/new/{instrument.id}",
        data={
            "starts_at": "2026-03-16T09:00",
            "ends_at": "2026-03-16T10:00",
            "frequency": "weekly",
            "count": "3",
            "mode": "all_or_nothing",
            "book": "1",
        },
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 422  # as the single-booking form answers a conflict
    assert "Nothing was booked." in text and text.count("2026-03-23 09:00: ") == 1
    assert _rows(db_session, BookingSeries) == 0


def test_a_refused_rule_is_a_clear_422_on_the_form(world, login_as):
    instrument, user, _ = world
    too_many = login_as(user).post(
        f"/instruments/series/new/{instrument.id}",
        data={
            "starts_at": "2026-03-16T09:00",
            "ends_at": "2026-03-16T10:00",
            "frequency": "daily",
            "until": "2027-03-16",
            "mode": "all_or_nothing",
            "book": "1",
        },
    )
    assert too_many.status_code == 422
    assert "spans at most 52 weeks" in too_many.get_data(as_text=True)


# ---- the pure rules --------------------------------------------------------------------------


def _utc(*a):
    return datetime(*a, tzinfo=UTC)


def test_an_occurrence_in_the_skipped_spring_hour_moves_forward_by_the_gap():
    # Daily 02:30-03:00 Rome from 28 March 2026: 02:30 on 29 March does not exist, so it is
    # read at UTC+1 (RFC 5545 §3.3.5) and booked 03:30-04:00 CEST.
    rec = rules.Recurrence(rules.Frequency.DAILY, count=3)
    occs, problems = rules.expand(
        rec, _utc(2026, 3, 28, 1, 30), _utc(2026, 3, 28, 2, 0), "Europe/Rome"
    )
    assert problems == [] and [o.problems for o in occs] == [[], [], []]
    assert (occs[1].starts_at, occs[1].ends_at) == (_utc(2026, 3, 29, 1, 30), _utc(2026, 3, 29, 2))
    assert occs[2].starts_at == _utc(2026, 3, 30, 0, 30)


@pytest.mark.parametrize(
    "rec, code",
    [
        (rules.Recurrence(rules.Frequency.WEEKLY), "end_missing"),
        (rules.Recurrence(rules.Frequency.WEEKLY, count=3, until=date(2026, 5, 1)), "end_twice"),
        (rules.Recurrence(rules.Frequency.WEEKLY, count=105), "count_invalid"),
        (rules.Recurrence(rules.Frequency.WEEKLY, interval=13, count=3), "interval_invalid"),
        (rules.Recurrence(rules.Frequency.DAILY, until=date(2027, 3, 20)), "too_long"),
        (rules.Recurrence(rules.Frequency.DAILY, until=date(2026, 9, 1)), "too_many"),
    ],
)
def test_a_series_ends_repeats_2_to_104_times_within_52_weeks(rec, code):
    _, problems = rules.expand(rec, _utc(2026, 3, 16, 8), _utc(2026, 3, 16, 9), "Europe/Rome")
    assert [p.code for p in problems] == [code]


def test_the_rrule_reads_back_what_the_form_chose():
    rec = rules.Recurrence(rules.Frequency.WEEKLY, 2, (0, 2), until=date(2026, 6, 30))
    text = rules.rrule_text(rec, "Europe/Rome")
    assert text == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;UNTIL=20260630T215959Z"
    assert rules.parse_rrule(text, "Europe/Rome") == rec
    assert rules.in_words(rec) == "Every 2 weeks on Monday and Wednesday, until 30 Jun 2026"


def test_staff_approve_a_requested_series_at_once_with_one_email(
    client, world, api_headers, db_session
):
    from instruments.models import ApprovalMode

    instrument, user, staff = world
    instrument.approval_mode = ApprovalMode.EVERYONE
    db_session.commit()
    plan = client.post(
        "/api/v1/series", json=mondays(instrument, count=3), headers=api_headers(user)
    ).get_json()
    assert {o["status"] for o in plan["occurrences"]} == {"pending"}
    url = f"/api/v1/series/{plan['series_id']}/approve"
    assert client.post(url, json={}, headers=api_headers(user)).status_code == 403
    mails = _rows(db_session, Notification)
    done = client.post(url, json={}, headers=api_headers(staff))
    assert done.status_code == 200
    assert done.get_json()["approved"] == [o["booking_id"] for o in plan["occurrences"]]
    assert done.get_json()["still_pending"] == []
    assert _rows(db_session, Notification) == mails + 1
    again = client.post(url, json={}, headers=api_headers(staff))
    assert again.status_code == 422
    assert again.get_json()["errors"][0]["code"] == "nothing_pending"
