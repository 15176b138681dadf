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
    return read_many(reader, [text])[0]


def read_many(reader: str, texts: list[str]) -> list[set[Read]]:
    """Each text read separately, in as few reader processes as the reader allows."""
    return {"khal": read_khal, "icaljs": read_icaljs, "vobject": read_vobject}[reader](texts)


def read_khal(texts: list[str]) -> list[set[Read]]:
    """Each text through ``khal import --batch`` into its own calendar of a fresh vdir (khal
    refuses a whole feed for one bad event), then one ``khal search`` with UTC as local zone."""
    if shutil.which("khal") is None:
        _missing("khal not found (apt-get install khal, or make readers)")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        calendars = ""
        for n, text in enumerate(texts):
            (root / f"c{n}").mkdir()
            (root / f"c{n}.ics").write_text(text, newline="")
            calendars += f"[[c{n}]]\npath = {root / f'c{n}'}\ntype = calendar\n"
        config = root / "config"
        config.write_text(
            f"[calendars]\n{calendars}"
            "[locale]\nlocal_timezone = UTC\ndefault_timezone = UTC\ntimeformat = %H:%M\n"
            "dateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"
            "datetimeformat = %Y-%m-%dT%H:%M%z\nlongdatetimeformat = %Y-%m-%dT%H:%M%z\n"
            f"[default]\ndefault_calendar = c0\n[sqlite]\npath = {root / 'khal.db'}\n"
        )
        khal = ["khal", "-c", str(config)]
        env = {**os.environ, "TZ": "UTC", "COLUMNS": "1000"}  # khal wraps lines at the width
        for n in range(len(texts)):
            done = subprocess.run(
                [*khal, "import", "--batch", "-a", f"c{n}", str(root / f"c{n}.ics")],
                capture_output=True,
                text=True,
                env=env,
                timeout=60,
            )
            assert done.returncode == 0, f"khal refused text {n}:\n{done.stderr[-2000:]}"
        listed = subprocess.run(
            [*khal, "search", "--format", "{calendar}|{uid}|{start}|{end}", ""],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=True,
        )
    out = [set() for _ in texts]
    fmt = "%Y-%m-%dT%H:%M%z"
    for line in listed.stdout.splitlines():
        if line.strip():
            calendar, uid, start, end = line.split("|")
            out[int(calendar[1:])].add(Read(uid, _parse(start, fmt), _parse(end, fmt)))
    return out


def icaljs_many(texts: list[str]) -> list[dict]:
    """ical.js's readings, one node process: per text ``{"method", "events": [{uid, start, end,
    organizer, attendees, status, ...}]}``."""
    if shutil.which("node") is None:
        _missing("node not found (needed to run ical.js)")
    if not ICALJS.is_dir():
        _missing(f"ical.js not installed in {ICALJS.parent} (make readers)")
    done = subprocess.run(
        ["node", str(JS_DIR / "read_ics.mjs")],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, f"ical.js failed:\n{done.stderr[-2000:]}"
    return json.loads(done.stdout)


def icaljs(text: str) -> dict:
    return icaljs_many([text])[0]


def read_icaljs(texts: list[str]) -> list[set[Read]]:
    return [
        {Read(e["uid"], _iso(e["start"]), _iso(e["end"])) for e in seen["events"]}
        for seen in icaljs_many(texts)
    ]


def read_vobject(texts: list[str]) -> list[set[Read]]:
    """vobject's reading; its VTIMEZONEs become ``dateutil.tz.tzical`` zones."""
    try:
        import vobject
    except ImportError:
        _missing("vobject is not installed (pip install -e '.[test]')")
    registry = vars(vobject.icalendar)["__tzidMap"]
    out = []
    for text in texts:
        # vobject keeps the first VTIMEZONE it read for a TZID for the whole process (its
        # registerTzinfo does not replace one); a client reads a feed with its own zones, so
        # each text starts from vobject's fresh registry, not from an earlier test's feed.
        for tzid in [k for k in registry if k != "UTC"]:
            del registry[tzid]
        seen = set()
        for cal in vobject.readComponents(text):
            for ev in cal.contents.get("vevent", []):
                start, end = ev.dtstart.value, ev.dtend.value
                assert start.tzinfo is not None and end.tzinfo is not None, "floating time"
                seen.add(Read(ev.uid.value, start.astimezone(UTC), end.astimezone(UTC)))
        out.append(seen)
    return out


def _parse(text: str, fmt: str) -> datetime:
    return datetime.strptime(text, fmt).astimezone(UTC)


def _iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
