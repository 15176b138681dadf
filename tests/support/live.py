"""A real multi-worker server (gunicorn) on its own migrated database, for wiring, browser and
concurrency tests. Commits are real here, so it never shares the rolled-back test database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from innocore import create_app
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
    ):
        self.database = TestDatabase(label)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "INNOCORE_DATABASE_URL": self.database.url,
            "INNOCORE_SECRET_KEY": "live-test-secret",
            "INNOCORE_BASE_URL": self.url,
            "INNOCORE_MAIL_SERVER": "127.0.0.1",
            "INNOCORE_MAIL_PORT": str(smtp_port or 1),
            **(env or {}),
        }
        # An app object on the same database, for seeding and for reading what the server wrote.
        self.app = create_app(
            {
                "DATABASE_URL": self.database.url,
                "SECRET_KEY": "live-test-secret",
                "BASE_URL": self.url,
                "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": smtp_port or 1,
            }
        )
        upgrade(self.app)
        self.workers = workers
        self._proc: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> LiveServer:
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
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
        self._proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env)  # noqa: S603
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
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
