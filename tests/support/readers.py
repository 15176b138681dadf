"""Outside iCalendar readers: khal (Debian), ical.js (Thunderbird's parser, npm, in tests/js) and
vobject (whose time zones are dateutil's ``tzical``). Each returns what it read as ``Read`` rows with
UTC instants, so a test compares them with the database, not with the library that wrote the feed.

A reader missing on this machine skips the test with the reason; under ``CI=true`` it fails, as a
missing chromium does (tests/support/browser.py). ``make readers`` installs them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

JS_DIR = Path(__file__).resolve().parent.parent / "js"
ICALJS = JS_DIR / "node_modules" / "ical.js"
READERS = ("khal", "icaljs", "vobject")


@dataclass(frozen=True)
class Read:
    uid: str
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC


def _missing(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def read(reader: str, text: str) -> set[Read]:
    """The events of ``text`` as ``reader`` sees them (``khal``, ``icaljs`` or ``vobject``)."""
    return {"khal": read_khal, "icaljs": read_icaljs, "vobject": read_vobject}[reader](text)


def read_khal(text: str) -> set[Read]:
    """``khal import --batch`` into a fresh vdir (khal refuses a whole feed for one bad event),
    then ``khal search`` (every event once) with UTC as its local zone."""
    if shutil.which("khal") is None:
        _missing("khal not found (apt-get install khal, or make readers)")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "cal").mkdir()
        (root / "feed.ics").write_text(text, newline="")
        config = root / "config"
        config.write_text(
            f"[calendars]\n[[t]]\npath = {root / 'cal'}\ntype = calendar\n"
            "[locale]\nlocal_timezone = UTC\ndefault_timezone = UTC\ntimeformat = %H:%M\n"
            "dateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"
            "datetimeformat = %Y-%m-%dT%H:%M%z\nlongdatetimeformat = %Y-%m-%dT%H:%M%z\n"
            f"[default]\ndefault_calendar = t\n[sqlite]\npath = {root / 'khal.db'}\n"
        )
        khal = ["khal", "-c", str(config)]
        env = {**os.environ, "TZ": "UTC"}
        done = subprocess.run(
            [*khal, "import", "--batch", str(root / "feed.ics")],
            capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, f"khal refused the feed:\n{done.stderr[-2000:]}"
        listed = subprocess.run(
            [*khal, "search", "--format", "{uid}|{start}|{end}", ""],
            capture_output=True, text=True, env=env, timeout=60, check=True,
        )  # fmt: skip
    out = set()
    for line in listed.stdout.splitlines():
        if line.strip():
            uid, start, end = line.split("|")
            out.add(Read(uid, _parse(start, "%Y-%m-%dT%H:%M%z"), _parse(end, "%Y-%m-%dT%H:%M%z")))
    return out


def icaljs(text: str) -> dict:
    """ical.js's reading: ``{"method", "events": [{uid, start, end, organizer, attendees, ...}]}``."""
    if shutil.which("node") is None:
        _missing("node not found (needed to run ical.js)")
    if not ICALJS.is_dir():
        _missing(f"ical.js not installed in {ICALJS.parent} (make readers)")
    done = subprocess.run(
        ["node", str(JS_DIR / "read_ics.mjs")],
        input=text, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, f"ical.js failed:\n{done.stderr[-2000:]}"
    return json.loads(done.stdout)


def read_icaljs(text: str) -> set[Read]:
    return {Read(e["uid"], _iso(e["start"]), _iso(e["end"])) for e in icaljs(text)["events"]}


def read_vobject(text: str) -> set[Read]:
    """vobject's reading; its VTIMEZONEs become ``dateutil.tz.tzical`` zones."""
    try:
        import vobject
    except ImportError:
        _missing("vobject is not installed (pip install -e '.[test]')")
    out = set()
    for cal in vobject.readComponents(text):
        for ev in cal.contents.get("vevent", []):
            start, end = ev.dtstart.value, ev.dtend.value
            assert start.tzinfo is not None and end.tzinfo is not None, "floating time"
            out.add(Read(ev.uid.value, start.astimezone(UTC), end.astimezone(UTC)))
    return out


def _parse(text: str, fmt: str) -> datetime:
    return datetime.strptime(text, fmt).astimezone(UTC)


def _iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
