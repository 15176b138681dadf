"""Attendance, assessments (history), reminders, closing notices and calendar feeds."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.support import appconfig
from training.jobs import closing_notices, send_reminders
from training.models import Assessment, Attendance, Enrolment


def _enrolled(login_as, session, user, db_session):
    login_as(user).post(f"/training/sessions/{session.id}/enrol")
    return db_session.scalar(
        sa.select(Enrolment).where(Enrolment.session_id == session.id, Enrolment.user_id == user.id)
    )


def test_trainer_marks_attendance_per_part(
    clock, client, login_as, make_session, internal_user, db_session
):
    start = __import__("innocore").clock.now() + timedelta(days=5)
    session = make_session(
        parts=[
            (start, start + timedelta(hours=3)),
            (start + timedelta(days=1), start + timedelta(days=1, hours=3)),
        ]
    )
    paula = _enrolled(login_as, session, internal_user(session.facility), db_session)
    p1, p2 = session.parts
    trainer = session.trainers[0]
    marks = {f"a-{paula.id}-{p1.id}": "present", f"a-{paula.id}-{p2.id}": "absent"}
    clock.set(p1.starts_at)  # the second part has not started: attendance is not open for it
    early = login_as(trainer).post(f"/training/sessions/{session.id}/attendance", data=marks)
    assert early.status_code == 422 and "Attendance opens when a part starts" in early.text
    clock.set(p2.starts_at)
    response = login_as(trainer).post(f"/training/sessions/{session.id}/attendance", data=marks)
    assert response.status_code == 302
    listing = client.get(f"/training/sessions/{session.id}/participants").data.decode()
    assert "Present" in listing and "Absent" in listing  # words, not the codes


def test_trainer_of_another_facility_cannot_take_attendance(
    login_as, make_session, make_facility, make_user, grant, internal_user, db_session
):
    session = make_session()
    row = _enrolled(login_as, session, internal_user(session.facility), db_session)
    other = make_user()
    grant(other, make_facility(), "trainer")
    response = login_as(other).post(
        f"/training/sessions/{session.id}/attendance",
        data={f"a-{row.id}-{session.parts[0].id}": "present"},
    )
    assert response.status_code == 403
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0


def test_assessment_history_keeps_corrections(
    clock, client, login_as, make_session, internal_user, db_session
):
    from training.models import AttendanceStatus
    from training.services.records import record_attendance

    session = make_session()
    row = _enrolled(login_as, session, internal_user(session.facility), db_session)
    trainer = session.trainers[0]
    clock.set(session.parts[0].ends_at)
    record_attendance(trainer, session, {(row.id, session.parts[0].id): AttendanceStatus.PRESENT})
    db_session.commit()
    login_as(trainer)
    failed = client.post(
        f"/training/enrolments/{row.id}/assessment",
        data={"outcome": "failed", "evidence_text": "Could not align."},
    )
    assert failed.status_code == 302
    passed = client.post(
        f"/training/enrolments/{row.id}/assessment",
        data={
            "outcome": "passed",
            "level_reached": "2",
            "evidence_text": "Re-assessed: aligned the laser.",
        },
    )
    assert passed.status_code == 302
    rows = db_session.scalars(sa.select(Assessment).order_by(Assessment.id)).all()
    assert [r.outcome.value for r in rows] == ["failed", "passed"]
    assert rows[1].supersedes_id == rows[0].id
    page = client.get(f"/training/enrolments/{row.id}/assessment").data.decode()
    assert "Could not align." in page and "Re-assessed" in page


def test_assessment_needs_a_participant_and_evidence(
    clock, client, login_as, make_session, internal_user, db_session
):
    session = make_session(capacity=1)
    _enrolled(login_as, session, internal_user(session.facility), db_session)
    waiting = _enrolled(login_as, session, internal_user(session.facility), db_session)
    login_as(session.trainers[0])
    response = client.post(
        f"/training/enrolments/{waiting.id}/assessment",
        data={"outcome": "passed", "level_reached": "2"},
    )
    assert response.status_code == 422
    text = response.data.decode()
    assert "not a participant" in text and "Give evidence" in text
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Assessment)) == 0


def test_reminders_are_sent_once_before_each_part(
    login_as, clock, make_session, internal_user, deliver, db_session
):
    session = make_session(starts_at=clock.now + timedelta(days=3))
    _enrolled(login_as, session, internal_user(session.facility), db_session)
    deliver()
    assert send_reminders() == 0  # three days ahead: not yet
    clock.advance(days=2, hours=1)
    assert send_reminders() == 1
    assert send_reminders() == 0
    [mail] = deliver()
    assert mail["Subject"].startswith("Reminder:")


def test_closing_notice_gives_trainers_the_participant_list_once(
    login_as, clock, make_session, internal_user, deliver, db_session
):
    session = make_session()
    paula = internal_user(session.facility, name="Paula Student")
    _enrolled(login_as, session, paula, db_session)
    deliver()
    assert closing_notices() == 0
    clock.set(session.enrol_closes_at + timedelta(minutes=1))
    assert closing_notices() == 1
    assert closing_notices() == 0
    [mail] = deliver()
    assert mail["To"] == session.trainers[0].email
    assert "Paula Student" in mail.get_body(("plain",)).get_content()


def test_personal_feed_is_secret_and_revocable(
    client, login_as, make_session, internal_user, db_session
):
    import re

    session = make_session()
    paula = internal_user(session.facility)
    _enrolled(login_as, session, paula, db_session)
    page = client.post("/training/my/feed").data.decode()
    url = re.search(r"(https?://\S+/training/feeds/[^<\s]+\.ics)", page).group(1)
    feed = client.get(appconfig.path_of(url))
    assert feed.status_code == 200
    assert feed.mimetype == "text/calendar"
    assert f"UID:training-part-{session.parts[0].id}@{appconfig.base_host()}" in feed.data.decode()
    client.post("/training/my/feed/revoke")
    assert client.get(url).status_code == 404


def test_session_ics_is_public_and_stable(client, make_session):
    session = make_session()
    first = client.get(f"/training/sessions/{session.id}.ics").data.decode()
    assert "BEGIN:VTIMEZONE" in first and "TZID=Europe/Rome" in first
    assert f"UID:training-part-{session.parts[0].id}@{appconfig.base_host()}" in first
