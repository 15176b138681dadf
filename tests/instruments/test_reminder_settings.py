"""Facility managers set the reminder lead time; the reminder job then uses it."""

from __future__ import annotations

from instruments.models import FacilityBookingSettings
from instruments.services import booking_settings


def test_manager_sets_the_reminder_lead_time(client, login_as, make_user, make_facility, grant):
    facility = make_facility()
    manager = make_user()
    grant(manager, facility, "manager")
    login_as(manager)
    url = f"/instruments/facility/{facility.slug}/reminders"

    page = client.get(url)
    assert page.status_code == 200 and b'value="24"' in page.data

    refused = client.post(url, data={"reminder_hours": "400"})
    assert refused.status_code == 422 and b"336" in refused.data
    assert booking_settings.reminder_hours(facility.id) == 24

    saved = client.post(url, data={"reminder_hours": "6"})
    assert saved.status_code == 303
    assert booking_settings.reminder_hours(facility.id) == 6
    assert client.get(url).data.count(b'value="6"') == 1


def test_zero_turns_reminders_off_and_is_audited(db_session, make_user, make_facility, grant):
    from innocore.audit import AuditEvent

    facility = make_facility()
    manager = make_user()
    grant(manager, facility, "manager")
    booking_settings.set_reminder_hours(manager, facility, 0)
    db_session.flush()
    assert db_session.get(FacilityBookingSettings, facility.id).reminder_hours == 0
    event = db_session.query(AuditEvent).filter_by(action="facility.reminder_hours").one()
    assert event.changes == {"reminder_hours": [24, 0]}
