"""Scheduled jobs. A scheduler process runs them beside the web workers (``flask innocore scheduler``).

Every job runs under a lease in the database (``innocore.leases``), so however many schedulers
there are, one process at a time runs a given job; and every job is idempotent (outbox delivery
claims each message with compare-and-set, jobs that queue messages use a unique ``dedupe_key``),
so a re-run sends nothing twice. A job that loses a race to another writer (SQLite's lock wait
ran out, a PostgreSQL serialization failure, a unique key inserted first) runs again at once, a
few times, before it is logged as failed.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[], object]
    seconds: int


def register_job(app: Flask, name: str, func: Callable[[], object], seconds: int) -> None:
    """Feature packages add their periodic jobs here from their ``register(app)``."""
    app.extensions.setdefault("innocore.jobs", {})[name] = Job(name, func, seconds)


def jobs(app: Flask) -> dict[str, Job]:
    from innocore.notifications.services import deliver_due

    builtin = {
        "deliver_outbox": Job("deliver_outbox", deliver_due, app.config["OUTBOX_INTERVAL_SECONDS"])
    }
    table = builtin | app.extensions.get("innocore.jobs", {})
    scale = app.config.get("JOB_INTERVAL_SCALE") or 1.0
    if scale == 1.0:
        return table
    return {n: Job(n, j.func, max(1, round(j.seconds * scale))) for n, j in table.items()}


RETRIES = 3  # attempts of a job that keeps losing races, within one tick
SKIPPED = "skipped: another process runs this job now"


def run_job(app: Flask, job: Job, *, reraise: bool = False):
    """Run one job now in a fresh app context, under its lease; returns its result, ``SKIPPED``
    when another process holds the lease, or ``None`` when it failed (logged; it runs again at
    its next tick). With ``reraise`` (``flask innocore run-job``) a failure is raised after the log."""
    from innocore import leases
    from innocore.extensions import db

    with app.app_context():
        seconds = app.config["JOB_LEASE_SECONDS"]
        try:
            with leases.held(db.session, db.engine, job.name, seconds) as lease:
                if lease is None:
                    log.info("job %s: %s", job.name, SKIPPED)
                    return SKIPPED
                result, failure = _attempts(job)
        except Exception:
            log.exception("job %s: its lease could not be taken or given back", job.name)
            if reraise:
                raise
            return None
        finally:
            db.session.remove()
    if failure is not None and reraise:
        raise failure
    return result


def _attempts(job: Job) -> tuple[object, Exception | None]:
    """Run the job, again after a lost race; returns ``(result, None)`` or ``(None, the error)``
    once it failed for good (logged)."""
    from innocore.db import lost_race
    from innocore.extensions import db

    for attempt in range(1, RETRIES + 1):
        try:
            result = job.func()
            db.session.commit()
        except Exception as exc:
            db.session.rollback()
            if attempt < RETRIES and lost_race(exc):
                log.info("job %s lost a race (%s); running it again", job.name, exc.orig)
                time.sleep(random.uniform(0.1, 0.5) * attempt)  # noqa: S311 (jitter, not secrets)
                continue
            log.exception("job %s failed; it runs again at its next tick", job.name)
            return None, exc
        if _did_something(result):
            log.info("job %s: %s", job.name, result)
        else:
            log.debug("job %s ran: nothing to do", job.name)
        return result, None
    return None, None


def _did_something(result: object) -> bool:
    """A job's result says it did something: true, and not a table of zero counts."""
    if isinstance(result, dict):
        return any(result.values())
    return bool(result)


def build_scheduler(app: Flask, *, background: bool = False):
    """An APScheduler with every job on a fixed UTC interval (no local-time DST surprises)."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    cls = BackgroundScheduler if background else BlockingScheduler
    scheduler = cls(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )
    for job in jobs(app).values():
        scheduler.add_job(
            run_job,
            "interval",
            args=[app, job],
            seconds=job.seconds,
            id=job.name,
            name=job.name,
            next_run_time=_soon(),
        )
    return scheduler


def _soon():
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC) + timedelta(seconds=2)
