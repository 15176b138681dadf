"""Every instruments route x every role (see tests/support/matrix.py), another person's booking
included: it is a 404 for everyone who may not see it, before any body is validated."""

from __future__ import annotations

from datetime import timedelta

import pytest

from innocore import clock
from innocore.facilities.models import Facility
from instruments import feeds
from instruments.documents.models import DocumentKind
from instruments.documents.services import Content, publish_document
from instruments.kiosk_devices import create_device
from instruments.models import (
    Booking,
    BookingStatus,
    FeedKind,
    ProblemReport,
    Severity,
    WaitlistEntry,
    WaitlistStatus,
)
from tests.support.matrix import SIGNED_IN, Route, build_world, check_all

STAFF = frozenset({"staff", "manager", "admin"})
MANAGERS = frozenset({"manager", "admin"})
APPROVERS = frozenset({"staff", "manager", "other_manager", "admin"})
OWNER_OR_STAFF = STAFF | {"member"}
OWNER = frozenset({"member"})
NOBODY_BUT_STAFF = STAFF  # another person's booking: only the facility's staff see it

B = "/instruments/bookings/{booking_id}"
X = "/instruments/bookings/{stranger_booking_id}"
AB = "/api/v1/bookings/{booking_id}"
AX = "/api/v1/bookings/{stranger_booking_id}"
W = "/instruments/waitlist/{entry_id}"
WX = "/instruments/waitlist/{stranger_entry_id}"
AW = "/api/v1/waitlist/{entry_id}"
AWX = "/api/v1/waitlist/{stranger_entry_id}"
MOVE = {"starts_at": "2031-03-03T10:00:00+01:00", "ends_at": "2031-03-03T11:00:00+01:00"}
DOWN = {
    "starts_at": "2031-03-03T10:00:00+01:00",
    "ends_at": "2031-03-03T11:00:00+01:00",
    "reason": "Service visit",
}

INSTRUMENT = {"name": "Widefield", "technology": "light_microscopy"}
NEW_INSTRUMENT = {**INSTRUMENT, "facility_id": "{facility_id}"}

ROUTES = [
    Route("GET", "/instruments/{instrument_id}/book", SIGNED_IN),
    Route("POST", "/instruments/{instrument_id}/book", SIGNED_IN),
    Route("GET", "/instruments/{instrument_id}/downtime", STAFF),
    Route("POST", "/instruments/{instrument_id}/downtime", STAFF),
    Route("GET", "/instruments/{instrument_id}/edit", MANAGERS),
    Route("POST", "/instruments/{instrument_id}/edit", MANAGERS),
    Route("GET", "/instruments/{instrument_id}/report", SIGNED_IN),
    Route("POST", "/instruments/{instrument_id}/report", SIGNED_IN),
    Route("GET", "/instruments/new/{facility_id}", MANAGERS),
    Route("POST", "/instruments/new/{facility_id}", MANAGERS),
    Route("GET", "/instruments/facility/{slug}/reminders", MANAGERS),
    Route("POST", "/instruments/facility/{slug}/reminders", MANAGERS),
    Route("GET", "/instruments/approvals", APPROVERS),
    Route("GET", "/instruments/bookings/mine", SIGNED_IN),
    Route("GET", "/instruments/finder", SIGNED_IN),
    Route("GET", "/instruments/feeds", SIGNED_IN),
    Route("POST", "/instruments/feeds", SIGNED_IN),
    Route("POST", "/instruments/feeds/{feed_id}/revoke", OWNER),
    Route("POST", "/instruments/problems/{report_id}/resolve", STAFF),
    Route("GET", B, OWNER_OR_STAFF),
    Route("GET", B + ".ics", OWNER_OR_STAFF),
    Route("POST", B + "/move", OWNER_OR_STAFF),
    Route("POST", B + "/cancel", OWNER_OR_STAFF),
    Route("POST", B + "/end", OWNER_OR_STAFF),
    Route("POST", B + "/approve", STAFF),
    Route("POST", B + "/reject", STAFF),
    Route("POST", B + "/no-show", STAFF),
    # usage: check-in and check-out, the QR code and its page, the kiosk, unbooked use, settings
    Route("POST", B + "/check-in", OWNER_OR_STAFF),
    Route("POST", B + "/check-out", OWNER_OR_STAFF),
    Route("POST", X + "/check-in", NOBODY_BUT_STAFF),
    Route("POST", X + "/check-out", NOBODY_BUT_STAFF),
    Route("GET", "/instruments/{instrument_id}/here", SIGNED_IN),
    Route("GET", "/instruments/{instrument_id}/qr.svg", STAFF),
    Route("GET", "/instruments/facility/{slug}/kiosk", STAFF),
    Route("GET", "/instruments/facility/{slug}/kiosk-devices", MANAGERS),
    Route("POST", "/instruments/facility/{slug}/kiosk-devices", MANAGERS),
    Route("POST", "/instruments/facility/{slug}/kiosk-devices/{kiosk_device_id}/revoke", MANAGERS),
    Route("GET", "/instruments/{instrument_id}/usage", STAFF),
    Route("POST", "/instruments/{instrument_id}/usage", STAFF),
    Route("GET", "/instruments/facility/{slug}/check-in", MANAGERS),
    Route("POST", "/instruments/facility/{slug}/check-in", MANAGERS),
    Route("POST", AB + "/check-in", OWNER_OR_STAFF, api=True),
    Route("POST", AB + "/check-out", OWNER_OR_STAFF, api=True),
    Route("POST", AX + "/check-in", NOBODY_BUT_STAFF, api=True),
    Route("POST", AX + "/check-out", NOBODY_BUT_STAFF, api=True),
    Route("GET", "/api/v1/facilities/{facility_id}/kiosk", STAFF, api=True),
    Route("GET", "/api/v1/facilities/{facility_id}/kiosk-devices", MANAGERS, api=True),
    Route("POST", "/api/v1/facilities/{facility_id}/kiosk-devices", MANAGERS, api=True),
    Route(
        "POST",
        "/api/v1/facilities/{facility_id}/kiosk-devices",
        MANAGERS,
        api=True,
        data={"name": "Front desk"},
    ),
    Route("POST", "/api/v1/kiosk-devices/{kiosk_device_id}/revoke", MANAGERS, api=True),
    Route("POST", "/api/v1/instruments/{instrument_id}/usage", STAFF, api=True),
    Route("PUT", "/api/v1/facilities/{facility_id}/usage-settings", MANAGERS, api=True),
    Route(
        "PUT",
        "/api/v1/facilities/{facility_id}/usage-settings",
        MANAGERS,
        api=True,
        data={"no_show_grace_minutes": 15},
    ),
    Route("GET", X, NOBODY_BUT_STAFF),
    Route("GET", X + ".ics", NOBODY_BUT_STAFF),
    Route("POST", X + "/move", NOBODY_BUT_STAFF),
    Route("POST", X + "/cancel", NOBODY_BUT_STAFF),
    Route("POST", X + "/end", NOBODY_BUT_STAFF),
    Route("GET", "/api/v1/instruments", SIGNED_IN, api=True),
    Route("GET", "/api/v1/instruments/{instrument_id}", SIGNED_IN, api=True),
    Route("GET", "/api/v1/instruments/{instrument_id}/availability", SIGNED_IN, api=True),
    Route("GET", "/api/v1/availability/earliest", SIGNED_IN, api=True),
    Route("GET", "/api/v1/instruments/{instrument_id}/downtime", STAFF, api=True),
    Route("POST", "/api/v1/instruments/{instrument_id}/downtime", STAFF, api=True),
    Route("POST", "/api/v1/instruments/{instrument_id}/downtime", STAFF, api=True, data=DOWN),
    Route("POST", "/api/v1/bookings", SIGNED_IN, api=True),
    Route("GET", "/api/v1/bookings/mine", SIGNED_IN, api=True),
    Route("GET", "/api/v1/approvals", APPROVERS, api=True),
    Route("GET", AB, OWNER_OR_STAFF, api=True),
    Route("GET", AB + ".ics", OWNER_OR_STAFF, api=True),
    Route("PUT", AB, OWNER_OR_STAFF, api=True),
    Route("PUT", AB, OWNER_OR_STAFF, api=True, data=MOVE),
    Route("POST", AB + "/cancel", OWNER_OR_STAFF, api=True),
    Route("POST", AB + "/end", OWNER_OR_STAFF, api=True),
    Route("POST", AB + "/approve", STAFF, api=True),
    Route("POST", AB + "/reject", STAFF, api=True),
    Route("POST", AB + "/reject", STAFF, api=True, data={"reason": "Full"}),
    Route("POST", AB + "/no-show", STAFF, api=True),
    Route("GET", AX, NOBODY_BUT_STAFF, api=True),
    Route("GET", AX + ".ics", NOBODY_BUT_STAFF, api=True),
    Route("PUT", AX, NOBODY_BUT_STAFF, api=True),
    Route("POST", AX + "/cancel", NOBODY_BUT_STAFF, api=True),
    # the pages' other forms, through the API (tests/kernel/test_api_parity.py)
    Route("POST", "/api/v1/instruments", MANAGERS | {"other_manager"}, api=True),
    Route("POST", "/api/v1/instruments", MANAGERS, api=True, data=NEW_INSTRUMENT),
    Route("PUT", "/api/v1/instruments/{instrument_id}", MANAGERS, api=True),
    Route("PUT", "/api/v1/instruments/{instrument_id}", MANAGERS, api=True, data=INSTRUMENT),
    Route("POST", "/api/v1/instruments/{instrument_id}/problems", SIGNED_IN, api=True),
    Route(
        "POST",
        "/api/v1/instruments/{instrument_id}/problems",
        SIGNED_IN,
        api=True,
        data={"severity": "low", "description": "Stage drifts"},
    ),
    Route("POST", "/api/v1/problems/{report_id}/resolve", STAFF, api=True),
    Route("GET", "/api/v1/me/feeds", SIGNED_IN, api=True),
    Route("POST", "/api/v1/me/feeds", SIGNED_IN, api=True),
    Route("DELETE", "/api/v1/me/feeds/{feed_id}", OWNER, api=True),
    Route("PUT", "/api/v1/facilities/{facility_id}/reminders", MANAGERS, api=True),
    Route(
        "PUT",
        "/api/v1/facilities/{facility_id}/reminders",
        MANAGERS,
        api=True,
        data={"reminder_hours": 12},
    ),
    Route("POST", AX + "/end", NOBODY_BUT_STAFF, api=True),
    # facility documents: everyone signed in reads and accepts; the facility's managers publish
    Route("GET", "/instruments/facility/{slug}/documents", SIGNED_IN),
    Route(
        "POST",
        "/instruments/facility/{slug}/documents",
        MANAGERS,
        data={"title": "Rules", "text": "Be careful."},
    ),
    Route("GET", "/instruments/documents/{document_id}", SIGNED_IN),
    Route("GET", "/instruments/documents/{document_id}/versions/1/file", SIGNED_IN),
    Route("POST", "/instruments/documents/{document_id}/accept", SIGNED_IN, data={"version": 1}),
    Route("POST", "/instruments/documents/{document_id}/versions", MANAGERS, data={"text": "v2"}),
    Route("GET", "/api/v1/facilities/{facility_id}/documents", SIGNED_IN, api=True),
    Route(
        "POST",
        "/api/v1/facilities/{facility_id}/documents",
        MANAGERS,
        api=True,
        data={"title": "Rules", "text": "Be careful."},
    ),
    Route("GET", "/api/v1/documents/{document_id}", SIGNED_IN, api=True),
    Route(
        "POST", "/api/v1/documents/{document_id}/accept", SIGNED_IN, api=True, data={"version": 1}
    ),
    Route(
        "POST",
        "/api/v1/documents/{document_id}/versions",
        MANAGERS,
        api=True,
        data={"text": "Version 2"},
    ),
    # the waiting list: one's own entries only (another's is a 404); staff see and remove them
    Route("POST", "/instruments/{instrument_id}/waitlist/join", SIGNED_IN),
    Route("GET", "/instruments/waitlist/mine", SIGNED_IN),
    Route("GET", "/instruments/{instrument_id}/waitlist", STAFF),
    Route("POST", W + "/accept", OWNER),
    Route("POST", W + "/decline", OWNER),
    Route("POST", W + "/withdraw", OWNER_OR_STAFF),
    Route("POST", WX + "/accept", frozenset()),
    Route("POST", WX + "/withdraw", NOBODY_BUT_STAFF),
    Route("POST", "/api/v1/waitlist", SIGNED_IN, api=True),
    Route("GET", "/api/v1/waitlist/mine", SIGNED_IN, api=True),
    Route("GET", "/api/v1/instruments/{instrument_id}/waitlist", STAFF, api=True),
    Route("POST", AW + "/accept", OWNER, api=True),
    Route("POST", AW + "/decline", OWNER, api=True),
    Route("POST", AW + "/withdraw", OWNER_OR_STAFF, api=True),
    Route("POST", AWX + "/accept", frozenset(), api=True),
    Route("POST", AWX + "/decline", frozenset(), api=True),
    Route("POST", AWX + "/withdraw", NOBODY_BUT_STAFF, api=True),
    # account approvals: only a billing account's owner decides (nobody here owns the account)
    Route("GET", "/instruments/account-approvals", SIGNED_IN),
    Route("POST", "/instruments/account-approvals/{booking_id}/approve", frozenset()),
    Route("POST", "/instruments/account-approvals/{booking_id}/refuse", frozenset()),
    Route("GET", "/api/v1/account-approvals", SIGNED_IN, api=True),
    Route("POST", "/api/v1/account-approvals/{booking_id}/approve", frozenset(), api=True),
    Route("POST", "/api/v1/account-approvals/{booking_id}/refuse", frozenset(), api=True),
]

PUBLIC = {
    "/instruments/",
    "/instruments/<int:instrument_id>",
    "/instruments/facility/<slug>",
    "/instruments/photos/<name>",
    "/instruments/static/<path:filename>",
    "/instruments/feeds/<token>.ics",  # the secret address is the credential
    # A kiosk tablet: its device link, then its kiosk cookie, is the credential; nobody's account
    # opens them (tests/instruments/test_kiosk_devices.py: 401 without a live device's cookie).
    "/instruments/kiosk/open/<token>",
    "/instruments/kiosk",
    "/instruments/kiosk/bookings/<int:booking_id>/check-in",
    "/instruments/kiosk/bookings/<int:booking_id>/check-out",
}


@pytest.fixture
def world(db_session, make_user, make_org, make_facility, grant, make_competence, make_instrument):
    people, ids = build_world(make_user, make_org, make_facility, grant, make_competence)
    facility = db_session.get(Facility, ids["facility_id"])
    instrument = make_instrument(facility=facility)
    stranger = make_user()
    start = clock.now().replace(microsecond=0) + timedelta(days=3)

    def booking(user, hours: int) -> Booking:
        b = Booking(
            instrument=instrument,
            user=user,
            booked_by=user,
            status=BookingStatus.PENDING,
            starts_at=start + timedelta(hours=hours),
            ends_at=start + timedelta(hours=hours + 1),
            uid=f"matrix-{user.id}-{hours}@test",
            created_at=clock.now(),
            updated_at=clock.now(),
        )
        db_session.add(b)
        return b

    mine, theirs = booking(people["member"], 0), booking(stranger, 2)
    report = ProblemReport(
        instrument=instrument,
        reporter=stranger,
        severity=Severity.LOW,
        description="Noisy",
        created_at=clock.now(),
    )
    db_session.add(report)
    feed, _ = feeds.create_feed(people["member"], FeedKind.USER, people["member"].id)
    document = publish_document(
        people["manager"],
        facility,
        title="Safety",
        kind=DocumentKind.SAFETY,
        instrument_id=None,
        content=Content(file_name="safety.txt", file_type="text/plain", file_data=b"Be careful."),
    )
    waits = [
        WaitlistEntry(
            instrument=instrument,
            user=user,
            starts_at=b.starts_at,
            ends_at=b.ends_at,
            status=WaitlistStatus.WAITING,
            created_at=clock.now(),
        )
        for user, b in ((people["member"], theirs), (stranger, mine))
    ]
    db_session.add_all(waits)
    tablet, _ = create_device(people["manager"], facility, "Matrix tablet")
    db_session.commit()
    ids.update(
        entry_id=waits[0].id,
        stranger_entry_id=waits[1].id,
        instrument_id=instrument.id,
        booking_id=mine.id,
        stranger_booking_id=theirs.id,
        report_id=report.id,
        feed_id=feed.id,
        document_id=document.id,
        kiosk_device_id=tablet.id,
    )
    return people, ids


@pytest.mark.parametrize(
    "route", ROUTES, ids=lambda r: r.id + (" (with a valid body)" if r.data else "")
)
def test_route_admits_only_its_roles(client, api_headers, world, route):
    people, ids = world
    check_all(client, api_headers, people, ids, route)


def test_every_instruments_route_is_in_the_matrix_or_public(app):
    def template(rule: str) -> str:
        for arg, name in (
            ("<int:instrument_id>", "{instrument_id}"),
            ("<int:facility_id>", "{facility_id}"),
            ("<slug>", "{slug}"),
            ("<int:booking_id>", "{booking_id}"),
            ("<int:feed_id>", "{feed_id}"),
            ("<int:report_id>", "{report_id}"),
            ("<int:document_id>", "{document_id}"),
            ("<int:entry_id>", "{entry_id}"),
            ("<int:device_id>", "{kiosk_device_id}"),
            ("<int:number>", "1"),
        ):
            rule = rule.replace(arg, name)
        return rule

    listed = {(r.method, r.url) for r in ROUTES}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in (
            "instruments",
            "instruments_api",
            "instruments_manage_api",
            "documents_api",
            "usage_api",
            "kiosk_api",
            "waitlist_api",
            "account_approvals_api",
        ):
            continue
        if rule.rule in PUBLIC:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (method, template(rule.rule)) not in listed:
                missing.append(f"{method} {rule.rule}")
    assert missing == []
