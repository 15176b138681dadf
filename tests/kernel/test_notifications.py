"""The outbox: queued in the transaction, delivered over real SMTP by a job, retried, never twice."""

from datetime import timedelta

import sqlalchemy as sa

from innocore.extensions import db
from innocore.notifications.models import DeliveryStatus, Notification
from innocore.notifications.services import backoff, deliver_due, queue_email


def queue(user, **kw):
    return queue_email(
        user,
        "Role granted",
        "role_granted",
        kind="security",
        facility=kw.pop("facility"),
        role=kw.pop("role"),
        **kw,
    )


def test_queued_mail_is_sent_by_the_job_with_text_and_html(
    db_session, make_user, make_facility, deliver
):
    from innocore.vocab import FacilityRoleKind

    user = make_user(email="u@uni.example")
    queue(user, facility=make_facility(name="Imaging"), role=FacilityRoleKind.STAFF)
    db_session.commit()
    [mail] = deliver()
    assert mail["To"] == "u@uni.example"
    assert {p.get_content_type() for p in mail.walk()} >= {"text/plain", "text/html"}
    assert "Imaging" in mail.get_body(("plain",)).get_content()
    note = db.session.scalar(sa.select(Notification))
    assert note.status == DeliveryStatus.SENT and note.attempts == 1
    assert deliver() == []  # a second run sends nothing


def test_ics_attachment_carries_method(db_session, make_user, make_facility, deliver):
    from innocore.vocab import FacilityRoleKind

    ics = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    queue(
        make_user(),
        facility=make_facility(),
        role=FacilityRoleKind.STAFF,
        ics=ics,
        ics_method="REQUEST",
    )
    db_session.commit()
    [mail] = deliver()
    parts = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    assert parts and all(p.get_param("method") == "REQUEST" for p in parts)


def test_mail_server_down_loses_nothing_and_delivery_resumes(
    app, db_session, make_user, make_facility, clock, smtp_server
):
    from innocore.vocab import FacilityRoleKind

    queue(make_user(), facility=make_facility(), role=FacilityRoleKind.TRAINER)
    db_session.commit()
    app.config["MAIL_PORT"] = 1  # nothing listens there
    try:
        assert deliver_due() == {"sent": 0, "retry": 1, "failed": 0}
    finally:
        app.config["MAIL_PORT"] = smtp_server.port
    note = db.session.scalar(sa.select(Notification))
    assert note.status == DeliveryStatus.PENDING and note.attempts == 1
    assert note.last_error
    assert deliver_due() == {"sent": 0, "retry": 0, "failed": 0}  # waiting for its backoff
    clock.advance(seconds=backoff(1).total_seconds() + 1)
    assert deliver_due()["sent"] == 1
    assert len(smtp_server.messages) == 1


def test_gives_up_after_max_attempts(app, db_session, make_user, make_facility, clock):
    from innocore.vocab import FacilityRoleKind

    queue(make_user(), facility=make_facility(), role=FacilityRoleKind.TRAINER)
    db_session.commit()
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = 1
    try:
        for _ in range(app.config["MAIL_MAX_ATTEMPTS"]):
            deliver_due()
            clock.advance(hours=2)
    finally:
        app.config["MAIL_PORT"] = port
    assert db.session.scalar(sa.select(Notification.status)) == DeliveryStatus.FAILED


def test_backoff_grows_and_is_capped():
    assert [backoff(n) for n in (1, 2, 3)] == [timedelta(seconds=s) for s in (30, 60, 120)]
    assert backoff(50) == timedelta(hours=1)


def test_dedupe_key_queues_a_message_once(db_session, make_user, make_facility):
    from innocore.vocab import FacilityRoleKind

    user, facility = make_user(), make_facility()
    first = queue(user, facility=facility, role=FacilityRoleKind.STAFF, dedupe_key="reminder:1")
    second = queue(user, facility=facility, role=FacilityRoleKind.STAFF, dedupe_key="reminder:1")
    db_session.commit()
    assert first is not None and second is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 1


def test_claimed_message_is_not_sent_by_a_second_sender(
    db_session, make_user, make_facility, clock, deliver
):
    from innocore.notifications.services import claim, due_ids
    from innocore.vocab import FacilityRoleKind

    queue(make_user(), facility=make_facility(), role=FacilityRoleKind.STAFF)
    db_session.commit()
    [note_id] = due_ids(clock.now, 10)
    assert claim(note_id, "sender A") is not None
    db_session.commit()
    assert claim(note_id, "sender B") is None
    assert due_ids(clock.now, 10) == []
    assert deliver() == []  # a whole run of another sender leaves it to its claimant
    clock.advance(seconds=121)  # the claimant died: after MAIL_CLAIM_SECONDS it goes out
    assert len(deliver()) == 1


def test_each_notification_keeps_one_message_id_across_attempts(
    app, db_session, make_user, make_facility, clock, deliver
):
    """A relay that accepted a message just before a crash gets the same Message-ID again."""
    from urllib.parse import urlsplit

    from innocore.notifications.services import build_message
    from innocore.vocab import FacilityRoleKind

    note = queue(make_user(), facility=make_facility(), role=FacilityRoleKind.STAFF)
    other = queue(make_user(), facility=make_facility(), role=FacilityRoleKind.STAFF)
    db_session.commit()
    first_try = build_message(note)["Message-ID"]
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = 1
    try:
        assert deliver() == []
    finally:
        app.config["MAIL_PORT"] = port
    clock.advance(minutes=5)
    ids = {m["To"]: m["Message-ID"] for m in deliver()}
    assert ids[note.to_email] == first_try != ids[other.to_email]
    assert first_try.endswith(f"@{urlsplit(app.config['BASE_URL']).hostname}>")


def test_user_sees_and_marks_own_notifications(login_as, make_user, make_facility, db_session):
    from innocore.vocab import FacilityRoleKind

    me, other = make_user(), make_user()
    queue(me, facility=make_facility(name="Mine"), role=FacilityRoleKind.STAFF)
    theirs = queue(other, facility=make_facility(name="Theirs"), role=FacilityRoleKind.STAFF)
    db_session.commit()
    client = login_as(me)
    page = client.get("/notifications")
    assert b"Mine" in page.data and b"Theirs" not in page.data
    response = client.post("/notifications/read", data={"id": theirs.id})
    assert response.status_code == 404  # someone else's id is not ours to learn of
    assert theirs.read_at is None
    client.post("/notifications/read")
    assert b"unread" not in client.get("/notifications").data


def test_jobs_run_through_the_cli_and_are_idempotent(app, db_session, make_user, make_facility):
    from innocore.vocab import FacilityRoleKind

    queue(make_user(), facility=make_facility(), role=FacilityRoleKind.STAFF)
    db_session.commit()
    runner = app.test_cli_runner()
    out = runner.invoke(args=["innocore", "run-job", "deliver_outbox"])
    assert "'sent': 1" in out.output
    out = runner.invoke(args=["innocore", "run-job", "deliver_outbox"])
    assert "'sent': 0" in out.output or "None" in out.output
    bad = runner.invoke(args=["innocore", "run-job", "nope"])
    assert bad.exit_code != 0 and "Unknown job" in bad.output
