"""`flask innocore scheduler` as a real process beside a LiveServer's database, its log in a file."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support.live import ROOT


class SchedulerProcess:
    """``SchedulerProcess(env).start()`` runs the scheduler with ``env`` (a LiveServer's ``env``
    plus what the test shortens); ``log()`` is what it wrote to stdout and stderr."""

    def __init__(self, env: dict, label: str = "scheduler"):
        self.env = env
        self._dir = tempfile.TemporaryDirectory(prefix=f"innocore-{label}-")
        self.path = Path(self._dir.name) / "log"
        self._proc: subprocess.Popen | None = None

    def start(self, *, wait: bool = True) -> SchedulerProcess:
        """Launch the process; with ``wait``, return once it has built the app and its jobs."""
        cmd = [sys.executable, "-m", "flask", "--app", "wsgi", "innocore", "scheduler"]
        env = {**self.env, "PYTHONUNBUFFERED": "1"}
        with self.path.open("wb") as out:
            self._proc = subprocess.Popen(  # noqa: S603
                cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        return self.wait_started() if wait else self

    def wait_started(self) -> SchedulerProcess:
        deadline = time.monotonic() + 60
        while "job deliver_outbox" not in self.log():  # printed once the app is built
            if time.monotonic() > deadline or self._proc.poll() is not None:
                raise RuntimeError(f"scheduler did not start:\n{self.stop()}")
            time.sleep(0.05)
        return self

    def log(self) -> str:
        return self.path.read_text(errors="replace") if self.path.exists() else ""

    def stop(self) -> str:
        """Stop the process; returns its whole log."""
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        text = self.log()
        self._dir.cleanup()
        return text


def unexpected_errors(log: str) -> list[str]:
    """Tracebacks and ERROR lines in a process log."""
    blocks = re.split(r"(?=Traceback \(most recent call last\))", log)
    bad = [b[:1500] for b in blocks[1:]]
    bad += [line for line in log.splitlines() if re.search(r"\bERROR\b", line)]
    return bad
