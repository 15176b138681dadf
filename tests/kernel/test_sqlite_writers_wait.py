"""On the embedded database, writers wait their turn; they do not fail (issue 9, point 4).

A real 4-worker gunicorn on one SQLite file, the scheduler as its own process running every job
on the demo network, and four threads writing through the API for 30 s: no "database is
locked", no server error, no "try again".
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.support.databases import backend

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(backend() != "sqlite", reason="SQLite's single writer only"),
]

SECONDS = 30
THREADS = 4


def _seed(app) -> tuple[int, list[str]]:
    """The demo network (so every job has work) plus an open instrument and four writers."""
    from innocore.accounts.models import Organisation, User
    from innocore.accounts.tokens import create_token
    from innocore.demo import seed_demo
    from innocore.extensions import db
    from innocore.facilities.models import Facility
    from innocore.vocab import OrganisationKind, Technology
    from instruments.models import Instrument

    now = datetime.now(UTC)
    with app.test_request_context(base_url=app.config["BASE_URL"], method="POST"):
        seed_demo()
        org = Organisation(
            name="Load University", kind=OrganisationKind.UNIVERSITY, country="IT", created_at=now
        )
        facility = Facility(
            slug="load",
            name="Load",
            institution=org,
            timezone="Europe/Rome",
            contact_email="load@example.org",
            created_at=now,
        )
        instrument = Instrument(
            facility=facility,
            name="Busy scope",
            created_at=now,
            technology=Technology.LIGHT_MICROSCOPY,
            updated_at=now,
        )
        users = [
            User(
                email=f"loader{i}@example.org",
                name=f"Loader {i}",
                password_hash="x",
                organisation=org,
                created_at=now,
                email_verified_at=now,
            )
            for i in range(THREADS)
        ]
        db.session.add_all([instrument, *users])
        db.session.flush()
        tokens = [create_token(u, "load")[1] for u in users]
        db.session.commit()
        return instrument.id, tokens


def test_web_writers_and_the_scheduler_wait_for_each_other_and_never_fail(tmp_path, capsys):
    from tests.support.live import LiveServer
    from tests.support.mail import SMTPServer
    from tests.support.scheduler import SchedulerProcess, unexpected_errors
    from tests.support.write_load import run_write_load

    smtp = SMTPServer()
    smtp.start()
    server = LiveServer(
        workers=4, smtp_port=smtp.port, label="writers", log_file=tmp_path / "server.log"
    )
    scheduler = None
    try:
        instrument_id, tokens = _seed(server.app)
        server.start()
        env = {**server.env, "INNOCORE_OUTBOX_INTERVAL_SECONDS": "1"}
        scheduler = SchedulerProcess(env).start()
        result = run_write_load(server.url, tokens, instrument_id, SECONDS)
        scheduler_log = scheduler.stop()
        scheduler = None
    finally:
        if scheduler is not None:
            scheduler.stop()
        server.stop()
        smtp.stop()
    server_log = (tmp_path / "server.log").read_text(errors="replace")
    with capsys.disabled():
        print(
            f"\nSQLite writers for {SECONDS} s:\n{result.figures()}\n{len(smtp.messages)} e-mails"
        )
    logs = server_log + scheduler_log
    assert "database is locked" not in logs
    assert unexpected_errors(logs) == []
    assert [a for a in result.answers if a.status >= 500] == []
    assert [a for a in result.answers if "try again" in a.body] == []
    assert result.failures() == []  # every booking, cancellation and profile edit went through
    assert len(result.answers) > 20 * THREADS  # the load really ran
    assert len(smtp.messages) > 0  # and so did the scheduler's jobs (booking notices went out)
