"""The README's first command, as a new user runs it: ``flask innocore demo --serve`` on a fresh
SQLite file, the scheduler running every job (intervals shortened by a setting) while a person
signs in and books over HTTP. Its log must hold no ``ERROR`` and no traceback.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from innocore.demo import DEMO_PASSWORD
from tests.support.databases import backend
from tests.support.mail import SMTPServer, free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        backend() == "postgresql",
        reason="the demo runs on its embedded SQLite file; the SQLite pass covers it",
    ),
]
ROOT = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
RAN = re.compile(r'Job "(\w+) \(trigger')


class Browser:
    """A person's browser: cookies, redirects, the CSRF token of the page a form is on."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str, **headers) -> tuple[int, str, str]:
        request = urllib.request.Request(self.base + path, headers=headers)
        with self.opener.open(request, timeout=60) as r:
            return r.status, r.geturl(), r.read().decode()

    def submit(self, path: str, fields: dict) -> tuple[int, str, str]:
        """Load the form's page, then post the form with that page's CSRF token."""
        _, _, page = self.get(path)
        data = urllib.parse.urlencode({"csrf_token": CSRF.search(page).group(1), **fields})
        with self.opener.open(self.base + path, data.encode(), timeout=60) as r:
            return r.status, r.geturl(), r.read().decode()


def _wait_for(url: str, proc: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the demo stopped"
        try:
            with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the demo did not start")


def _next_weekday_afternoon(days: int, zone: str) -> datetime:
    day = datetime.now(ZoneInfo(zone)).date() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 15, 0)


def _drive(browser: Browser) -> None:
    """A PhD student signs in, books the widefield microscope and reads her bookings."""
    status, url, _ = browser.submit(
        "/login", {"email": "phd@demo.innocore.test", "password": DEMO_PASSWORD}
    )
    assert status == 200 and not url.endswith("/login"), "sign-in failed"
    _, _, listing = browser.get("/api/v1/instruments?per_page=100", Accept="application/json")
    instrument = next(
        i for i in json.loads(listing)["items"] if i["name"] == "Widefield microscope"
    )
    start = _next_weekday_afternoon(2, instrument["timezone"])
    _, _, accounts = browser.get("/api/v1/billing-accounts", Accept="application/json")
    grant = json.loads(accounts)["items"][0]  # she is in a lab whose PI opened accounts
    fields = {
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "purpose": "Imaging fixed cells",
        "account": str(grant["id"]),
    }
    status, url, _ = browser.submit(f"/instruments/{instrument['id']}/book", fields)
    assert status == 200 and "/instruments/bookings/" in url, "booking failed"
    status, _, page = browser.get("/instruments/bookings/mine")
    assert status == 200 and "Widefield microscope" in page


def test_demo_serves_and_runs_every_job_without_an_error(app, tmp_path):
    from innocore.jobs import jobs

    names = set(jobs(app))
    smtp = SMTPServer()
    smtp.start()
    port = free_port()
    env = {
        **os.environ,
        # A fresh install: its own instance folder (secret key, SQLite file, keys), local mail.
        "INNOCORE_INSTANCE_PATH": str(tmp_path / "instance"),
        "INNOCORE_MAIL_PORT": str(smtp.port),
        # Hourly jobs every 36 s, the outbox every second: every job runs during the test.
        "INNOCORE_JOB_INTERVAL_SCALE": "0.01",
        # Every run named in the log, also the ones with nothing to do (INFO leaves them out).
        "INNOCORE_LOG_LEVEL": "DEBUG",
    }
    env.pop("INNOCORE_DATABASE_URL", None)
    log_path = tmp_path / "demo.log"
    cmd = [sys.executable, "-m", "flask", "--app", "wsgi", "innocore", "demo", "--serve"]
    with log_path.open("w") as log:
        proc = subprocess.Popen(  # noqa: S603
            [*cmd, "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(base + "/healthz", proc, 180)
        _drive(Browser(base))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not names <= set(RAN.findall(log_path.read_text())):
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl+C, as the README says
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        smtp.stop()
    log = log_path.read_text()
    ran = set(RAN.findall(log))
    assert names <= ran, f"jobs that never ran: {sorted(names - ran)}"
    assert "ERROR" not in log and "Traceback" not in log, log
    assert smtp.messages, "the demo sent no e-mail"


def _start_demo(tmp_path, env: dict) -> tuple[subprocess.Popen, str, Path]:
    port = free_port()
    log_path = tmp_path / "demo.log"
    cmd = [sys.executable, "-m", "flask", "--app", "wsgi", "innocore", "demo", "--serve"]
    with log_path.open("w") as log:
        proc = subprocess.Popen(  # noqa: S603
            [*cmd, "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    _wait_for(base + "/healthz", proc, 180)
    return proc, base, log_path


def test_a_new_person_confirms_their_account_from_the_demo_mailbox(tmp_path):
    """No mail server configured: the demo keeps what it sends as files and logs the links, so
    a newcomer who registers can confirm the account and sign in (at INFO, the default level)."""
    env = {**os.environ, "INNOCORE_INSTANCE_PATH": str(tmp_path / "instance")}
    for name in ("INNOCORE_DATABASE_URL", "INNOCORE_MAIL_PORT", "INNOCORE_MAIL_SERVER"):
        env.pop(name, None)
    proc, base, log_path = _start_demo(tmp_path, env)
    try:
        person = Browser(base)
        _, _, page = person.get("/register")
        org = re.search(r'<option value="(\d+)"[^>]*>University of Valmonte', page).group(1)
        fields = {
            "name": "Nora Newcomer",
            "email": "nora@uni-valmonte.example",
            "organisation": org,
            "timezone": "Europe/Rome",
            "password": "a long enough passphrase",
            "confirm": "a long enough passphrase",
        }
        assert person.submit("/register", fields)[0] == 200
        deadline, link = time.monotonic() + 60, None
        while time.monotonic() < deadline and link is None:
            found = re.search(
                r"demo e-mail to nora@uni-valmonte\.example: .*?link: (\S+)",
                log_path.read_text(),
                re.S,
            )
            link = found and found.group(1)
            time.sleep(0.2)
        assert link and link.startswith(base), log_path.read_text()
        kept = list((tmp_path / "instance" / "demo-mail").glob("*.eml"))
        assert any(b"nora@uni-valmonte.example" in p.read_bytes() for p in kept)
        person.get(link[len(base) :])
        status, url, _ = person.submit(
            "/login", {"email": "nora@uni-valmonte.example", "password": fields["password"]}
        )
        assert status == 200 and not url.endswith("/login"), "the confirmed account cannot sign in"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    log = log_path.read_text()
    assert "ERROR" not in log and "Traceback" not in log, log
    assert 'Job "deliver_outbox' not in log  # APScheduler's line per run stays out at INFO
