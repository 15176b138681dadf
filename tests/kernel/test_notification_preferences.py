"""Which e-mails a person wants: the pure rule, the page, the API, and the outbox applying it."""

import re

import pytest
import sqlalchemy as sa

from innocore.audit import AuditEvent
from innocore.notifications import kinds
from innocore.notifications.models import DeliveryStatus
from innocore.notifications.services import queue_email, set_preferences


@pytest.mark.parametrize(
    ("kind", "turned_off", "sent"),
    [
        (kinds.REMINDERS, set(), True),
        (kinds.REMINDERS, {kinds.REMINDERS}, False),
        (kinds.REMINDERS, {kinds.WAITLIST}, True),
        (kinds.WAITLIST, {kinds.WAITLIST, kinds.REMINDERS}, False),
        (kinds.SECURITY, {kinds.SECURITY}, True),  # mandatory: a stray row cannot silence it
        (kinds.STAFF_CHANGES, {kinds.STAFF_CHANGES}, True),
    ],
)
def test_sends_email(kind, turned_off, sent):
    assert kinds.sends_email(kind, turned_off) is sent


def test_mandatory_kinds_are_security_and_staff_changes():
    assert {c for c, k in kinds.KINDS.items() if k.mandatory} == {
        kinds.SECURITY,
        kinds.STAFF_CHANGES,
    }


def _role_mail(user, make_facility, kind):
    from innocore.vocab import FacilityRoleKind

    return queue_email(
        user,
        "Role granted",
        "role_granted",
        kind=kind,
        facility=make_facility(),
        role=FacilityRoleKind.STAFF,
    )


def test_outbox_keeps_a_turned_off_message_in_the_inbox_and_mails_the_mandatory_one(
    db_session, make_user, make_facility, deliver
):
    user = make_user(email="pref@uni.example")
    set_preferences(user, user, {kinds.TRAINING: False})
    quiet = _role_mail(user, make_facility, kinds.TRAINING)
    loud = _role_mail(user, make_facility, kinds.SECURITY)
    to_address = queue_email(
        "desk@uni.example",
        "Role granted",
        "role_granted",
        kind=kinds.TRAINING,
        facility=make_facility(),
        role="staff",
    )
    db_session.commit()
    assert sorted(m["To"] for m in deliver()) == ["desk@uni.example", "pref@uni.example"]
    assert quiet.status == DeliveryStatus.SKIPPED and quiet.kind == kinds.TRAINING
    assert loud.status == to_address.status == DeliveryStatus.SENT


def test_an_unknown_kind_is_a_programming_error(db_session, make_user):
    with pytest.raises(ValueError, match="unknown notification kind"):
        queue_email(make_user(), "x", "verify_email", kind="newsletters", hours=1)


def _ticked(html: str, code: str) -> bool:
    return bool(re.search(rf'value="{code}"\s*(checked)?', html).group(1))


def test_page_turns_reminders_off_and_shows_mandatory_kinds_locked(
    client, login_as, make_user, db_session
):
    user = make_user()
    login_as(user)
    page = client.get("/notifications/preferences")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "always sent" in html
    assert re.search(r'value="security"\s*checked\s+disabled', html)
    assert _ticked(html, "reminders") and not re.search(
        r'value="reminders"\s*checked\s+disabled', html
    )
    wanted = [k for k in kinds.KINDS if k not in (kinds.REMINDERS, kinds.GENERAL)]
    response = client.post("/notifications/preferences", data={"email": wanted})
    assert response.status_code == 302
    html = client.get("/notifications/preferences").get_data(as_text=True)
    assert not _ticked(html, "reminders") and _ticked(html, "waitlist")
    event = db_session.scalar(sa.select(AuditEvent).where(AuditEvent.actor_id == user.id))
    assert event.action == "notification.preferences" and event.changes == {
        "reminders": [True, False]
    }


def test_api_reads_and_sets_preferences_and_refuses_mandatory_or_unknown(
    client, api_headers, make_user, db_session
):
    user = make_user()
    headers = api_headers(user)
    url = "/api/v1/me/notification-preferences"
    before = {p["kind"]: p for p in client.get(url, headers=headers).get_json()["items"]}
    assert before["security"]["mandatory"] and before["reminders"]["email"]
    refused = client.put(
        url,
        json={"email": {"security": False, "digests": False, "reminders": False}},
        headers=headers,
    )
    assert refused.status_code == 422
    assert {e["code"] for e in refused.get_json()["errors"]} == {"mandatory_kind", "unknown_kind"}
    assert {p["kind"]: p["email"] for p in client.get(url, headers=headers).get_json()["items"]}[
        "reminders"
    ]  # nothing half-written
    done = client.put(url, json={"email": {"reminders": False}}, headers=headers)
    assert done.status_code == 200
    assert {p["kind"]: p["email"] for p in done.get_json()["items"]}["reminders"] is False
