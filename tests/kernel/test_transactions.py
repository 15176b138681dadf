"""Which units of work write (SQLite takes the write lock at BEGIN for them), the warning for an
undeclared write, job leases, and jobs that run again after losing a race."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from innocore import leases
from innocore.db import begin_serialised_write, lost_race
from innocore.extensions import db
from innocore.jobs import SKIPPED, Job, run_job
from innocore.transactions import ReadTransactionWrite, writes_expected


@pytest.mark.parametrize(
    ("method", "path", "writes"),
    [
        ("GET", "/", False),  # a page is read
        ("HEAD", "/instruments/", False),
        ("GET", "/verify/" + "t" * 43, True),  # a link in an e-mail that confirms the address
        ("POST", "/notifications/read", True),
        ("PUT", "/api/v1/bookings/1", True),
        ("PATCH", "/api/v1/me", True),
        ("DELETE", "/api/v1/me/tokens/1", True),
        ("POST", "/login", False),  # reads first: the lock is taken after the password check
        ("GET", "/no-such-page", False),
    ],
)
def test_state_changing_requests_write_and_pages_read(app, method, path, writes):
    with app.test_request_context(path, method=method):
        assert writes_expected() is writes


def test_jobs_and_commands_outside_a_request_write(app):
    with app.app_context():
        assert writes_expected() is True


def _org(name):
    from innocore import clock
    from innocore.accounts.models import Organisation
    from innocore.vocab import OrganisationKind

    return Organisation(
        name=name, kind=OrganisationKind.COMPANY, country="IT", created_at=clock.now()
    )


def test_a_page_that_writes_without_saying_so_is_flagged(app, db_session):
    """On SQLite such a write fails under concurrent writers ("database is locked")."""
    with app.test_request_context("/", method="GET"):
        db_session.add(_org("Undeclared"))
        with pytest.warns(ReadTransactionWrite, match="GET core.home wrote in a read transaction"):
            db_session.flush()


def test_a_page_that_takes_the_write_lock_first_may_write(app, db_session):
    with app.test_request_context("/", method="GET"):
        db_session.scalar(sa.select(sa.func.count()).select_from(sa.text("organisation")))
        begin_serialised_write(db_session())
        db_session.add(_org("Declared"))
        db_session.flush()  # no warning (the suite turns warnings into errors)


@pytest.mark.parametrize(
    ("error", "lost"),
    [
        (sa.exc.OperationalError("x", {}, Exception("database is locked")), True),
        (sa.exc.IntegrityError("x", {}, Exception("UNIQUE constraint failed: t.k")), True),
        (sa.exc.IntegrityError("x", {}, Exception("NOT NULL constraint failed: t.k")), False),
        (sa.exc.OperationalError("x", {}, Exception("no such table: t")), False),
        (RuntimeError("database is locked"), False),
    ],
)
def test_lost_races_are_told_from_faults(error, lost):
    assert lost_race(error) is lost


def test_a_lease_is_held_by_one_process_until_given_back_or_run_out(db_session):
    conn = db_session.connection()
    assert leases.acquire(conn, "job-a", "process A", 60) is None
    assert leases.acquire(conn, "job-a", "process B", 60) == "process A"
    assert leases.acquire(conn, "job-a", "process A", 60) is None  # ours already: renewed
    assert leases.renew(conn, "job-a", "process B", 60) is False
    leases.release(conn, "job-a", "process A")
    assert leases.acquire(conn, "job-a", "process B", -1) is None  # taken, and run out at once
    assert leases.renew(conn, "job-a", "process A", 60) is False
    assert leases.acquire(conn, "job-a", "process A", 60) is None  # so another may take it


def test_a_job_whose_lease_another_process_holds_is_skipped(app, db_session):
    leases.acquire(db_session.connection(), "deliver_outbox", "the other scheduler", 60)
    db_session.commit()
    out = app.test_cli_runner().invoke(args=["innocore", "run-job", "deliver_outbox"])
    assert out.exit_code != 0 and "another process runs it now" in out.output


def test_a_job_that_loses_a_race_runs_again(app, db_session):
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise sa.exc.OperationalError("UPDATE x", {}, Exception("database is locked"))
        return {"done": len(calls)}

    assert run_job(app, Job("flaky", flaky, 60)) == {"done": 2}
    with app.app_context():
        holder = db.session.scalar(
            sa.select(leases.JobLease.holder).where(leases.JobLease.name == "flaky")
        )
    assert holder is None  # given back


def test_a_job_that_keeps_failing_is_logged_not_retried_for_ever(app, db_session, caplog):
    calls = []

    def broken():
        calls.append(1)
        raise sa.exc.OperationalError("UPDATE x", {}, Exception("database is locked"))

    assert run_job(app, Job("broken", broken, 60)) is None
    assert len(calls) == 3 and "job broken failed" in caplog.text
    assert SKIPPED not in caplog.text
