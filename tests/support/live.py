"""A real multi-worker server (gunicorn) on its own migrated database, for wiring, browser and
concurrency tests. Commits are real here, so it never shares the rolled-back test database.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from innocore import create_app
from tests.support.appconfig import environ, settings, temporary_instance
from tests.support.databases import TestDatabase, upgrade
from tests.support.mail import free_port

ROOT = Path(__file__).resolve().parents[2]


class LiveServer:
    def __init__(
        self,
        *,
        workers: int = 2,
        smtp_port: int | None = None,
        label: str = "live",
        env: dict | None = None,
        log_file: Path | None = None,
    ):
        self.database = TestDatabase(label)
        self.instance = temporary_instance(label)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = settings(
            self.database.url,
            smtp_port=smtp_port,
            instance=self.instance.name,
            BASE_URL=self.url,  # where this server listens, as a deployment says
        )
        self.env = {**environ(self.config), **(env or {})}
        # An app object with the same settings, for seeding and for reading what the server wrote.
        self.app = create_app(self.config)
        upgrade(self.app)
        self.workers = workers
        self.log_file = log_file  # the server's stdout and stderr go there when given
        self._proc: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> LiveServer:
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",  # threaded workers: see gunicorn.conf.py (issue 14's kiosk hang)
            str(ROOT / "gunicorn.conf.py"),
            "--workers",
            str(self.workers),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--timeout",
            "60",
            "--log-level",
            "warning",
            "wsgi:app",
        ]
        out = self.log_file.open("ab") if self.log_file else None
        try:
            self._proc = subprocess.Popen(  # noqa: S603
                cmd, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT if out else None
            )
        finally:
            if out:
                out.close()
        # Workers import the app in parallel: slow on a busy machine.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("live server did not start")

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
            self._proc = None
        from innocore.extensions import db

        with self.app.app_context():
            db.engine.dispose()
        self.database.drop()
        self.instance.cleanup()
