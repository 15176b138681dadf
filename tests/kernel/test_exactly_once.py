"""Every queued e-mail reaches the relay exactly once (issue 9, point 9): with a slow relay, with
several senders and schedulers at once, and when the database is busy right after a send.

Real commits on a database of their own (SQLite file or PostgreSQL), a real SMTP server that
takes its time over each message, and `flask innocore scheduler` as real processes.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.slow


def _queue(app, count: int) -> None:
    from innocore.extensions import db
    from innocore.notifications.services import queue_email

    with app.test_request_context(base_url=app.config["BASE_URL"], method="POST"):
        for n in range(count):
            queue_email(
                f"reader{n}@example.org",
                f"Exactly once {n}",
                "verify_email",
                kind="security",
                link=f"{app.config['BASE_URL']}/n/{n}",
            )
        db.session.commit()


def _statuses(app) -> Counter:
    from innocore.extensions import db
    from innocore.notifications.models import Notification

    with app.app_context():
        rows = db.session.execute(
            sa.select(Notification.status, sa.func.count()).group_by(Notification.status)
        ).all()
        db.session.remove()
    return Counter({status.value: count for status, count in rows})


def _assert_each_once(app, messages) -> None:
    """Every message the relay got is a different notification, and every sent one arrived."""
    received = Counter(m["Message-ID"] for m in messages)
    assert [mid for mid, times in received.items() if times > 1] == []
    statuses = _statuses(app)
    assert statuses["pending"] == 0 and statuses["sent"] == len(received) == len(messages)


def _busy_writer(app, stop: threading.Event) -> None:
    """Ordinary write traffic beside the senders: short write transactions, back to back."""
    from innocore.extensions import db

    with app.app_context():
        while not stop.is_set():
            with db.engine.begin() as conn:  # outside a request: BEGIN IMMEDIATE on SQLite
                conn.execute(sa.text("UPDATE user_account SET locale = locale"))
                time.sleep(0.15)  # hold the write lock a while
            time.sleep(0.05)


@pytest.fixture(scope="module")
def world():
    """A slow relay (0.5 s a message) and a migrated database of our own, shared by the module."""
    from tests.support.live import LiveServer
    from tests.support.mail import SMTPServer

    relay = SMTPServer(delay=0.5)
    relay.start()
    server = LiveServer(label="exactly-once", smtp_port=relay.port)  # never started
    yield server, relay
    server.stop()
    relay.stop()


@pytest.fixture
def outbox(world):
    """``(app, relay, env)`` with an empty outbox and an empty mailbox."""
    from innocore.extensions import db
    from innocore.notifications.models import Notification

    server, relay = world
    relay.clear()
    with server.app.app_context():
        db.session.execute(sa.delete(Notification))
        db.session.commit()
        db.session.remove()
    claim = server.app.config["MAIL_CLAIM_SECONDS"]
    yield server.app, relay, server.env
    server.app.config["MAIL_CLAIM_SECONDS"] = claim


def test_two_senders_at_once_send_each_message_once_though_the_relay_outlasts_claims(outbox):
    """Two senders work the same outbox at once; a batch lasts far longer than a claim (the old
    way: 20 messages claimed for 4 s, 10 s of sending, so the other sender took them again)."""
    from innocore.notifications.services import deliver_due

    app, relay, _ = outbox
    app.config["MAIL_CLAIM_SECONDS"] = 4
    _queue(app, 20)
    results = []

    def sender():
        with app.app_context():
            results.append(deliver_due())

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r["sent"] for r in results) == 20
    assert all(r["sent"] > 0 for r in results)  # both really sent: they shared the work
    _assert_each_once(app, relay.messages)


def test_a_send_is_recorded_even_when_the_first_record_loses_a_race(outbox, monkeypatch):
    """The database refuses the record right after the relay accepted a message ("database is
    locked"): it is recorded at the next try, and no later run sends the message again."""
    from innocore.notifications import services

    app, relay, _ = outbox
    record_sent, refused = services.record_sent, []

    def refused_once(note_id, holder):
        if not refused:
            refused.append(note_id)
            raise sa.exc.OperationalError(
                "UPDATE notification", {}, Exception("database is locked")
            )
        return record_sent(note_id, holder)

    monkeypatch.setattr(services, "record_sent", refused_once)
    _queue(app, 2)
    with app.app_context():
        assert services.deliver_due()["sent"] == 2
        monkeypatch.setattr(services, "record_sent", record_sent)
        app.config["MAIL_CLAIM_SECONDS"] = 0  # even with every claim already run out
        assert services.deliver_due()["sent"] == 0
    assert refused
    _assert_each_once(app, relay.messages)


def test_two_scheduler_processes_deliver_each_message_once_and_run_every_job_cleanly(outbox):
    """Two `flask innocore scheduler` processes on the demo network (every job has work), 40
    queued e-mails, a relay taking 0.5 s each, claims and leases shortened to 4 and 8 s, writers
    busy beside them: each message arrives once, every job runs without an error (the status
    lists' unique key included), nothing waits for ever."""
    from innocore.demo import seed_demo
    from innocore.extensions import db
    from tests.support.scheduler import SchedulerProcess, unexpected_errors
    from training.certification.models import Certificate, StatusListSnapshot

    app, relay, env = outbox
    schedulers, stop = [], threading.Event()
    writer = threading.Thread(target=_busy_writer, args=(app, stop))
    try:
        with app.test_request_context(base_url=app.config["BASE_URL"], method="POST"):
            seed_demo()
            db.session.commit()
        _queue(app, 40)
        env = {
            **env,
            "INNOCORE_OUTBOX_INTERVAL_SECONDS": "1",
            "INNOCORE_MAIL_CLAIM_SECONDS": "4",
            "INNOCORE_JOB_LEASE_SECONDS": "8",
        }
        schedulers = [SchedulerProcess(env, f"scheduler-{n}").start(wait=False) for n in (1, 2)]
        for s in schedulers:
            s.wait_started()
        writer.start()
        started = time.monotonic()
        while _statuses(app)["pending"] and time.monotonic() - started < 120:
            time.sleep(0.1)
        time.sleep(2)  # a late duplicate would arrive now
        stop.set()
        writer.join()
        logs = "".join(s.stop() for s in schedulers)
        schedulers = []
        _assert_each_once(app, relay.messages)
        assert len(relay.messages) >= 40
        assert "database is locked" not in logs
        assert unexpected_errors(logs) == []
        with app.app_context():
            issuers = set(db.session.scalars(sa.select(Certificate.issuer_key)))
            lists = set(db.session.scalars(sa.select(StatusListSnapshot.issuer_key)))
            db.session.remove()
        from training.credentials.documents import REVOCATION, SUSPENSION
        from training.credentials.services import snapshot_key

        wanted = {snapshot_key(i, p) for i in issuers for p in (REVOCATION, SUSPENSION)}
        assert issuers and lists == wanted  # every issuer's two lists signed, once
    finally:
        stop.set()
        if writer.is_alive():
            writer.join()
        for s in schedulers:
            s.stop()
