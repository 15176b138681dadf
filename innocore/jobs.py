"""Scheduled jobs. One scheduler process runs them beside the web workers (``flask innocore scheduler``).

Every job is idempotent: outbox delivery claims rows with compare-and-set, and jobs that queue
messages use a unique ``dedupe_key``, so a second scheduler or a re-run sends nothing twice.
"""

from __future__ import annotations

import logging
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


def run_job(app: Flask, job: Job, *, reraise: bool = False):
    """Run one job in a fresh app context; a failure is logged and retried at the next tick
    (or, with ``reraise``, as for ``flask innocore run-job``, raised after the log)."""
    from innocore.extensions import db

    with app.app_context():
        try:
            result = job.func()
            db.session.commit()
            if result:
                log.info("job %s: %s", job.name, result)
            return result
        except Exception:
            db.session.rollback()
            log.exception("job %s failed; it runs again at its next tick", job.name)
            if reraise:
                raise
            return None
        finally:
            db.session.remove()


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
