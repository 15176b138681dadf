"""On a phone (390 px) a wide table scrolls inside its own wrapper instead of widening the whole
page (tests/browser/test_role_pages_journey.py measures the pages; this reads every template):
each table sits in a ``.table-wrap`` (or a calendar's ``.cal-scroll``), or stacks (the kiosk)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCROLLERS = ("table-wrap", "cal-scroll")
STACKS = ('class="kiosk"',)  # its rows become blocks below 40rem (instruments.css)


def _templates():
    for package in ("innocore", "instruments", "training"):
        yield from (ROOT / package).glob("**/templates/**/*.html")


def _unwrapped(text: str) -> list[int]:
    """Line numbers of tables opened outside any scrolling wrapper."""
    lines = []
    for m in re.finditer(r"<table\b[^>]*>", text):
        before = text[: m.start()]
        wrapper = max(before.rfind(name) for name in SCROLLERS)
        if wrapper > before.rfind("</table>") or any(s in m.group(0) for s in STACKS):
            continue
        lines.append(before.count("\n") + 1)
    return lines


def test_every_table_scrolls_inside_its_wrapper_or_stacks():
    found = {
        str(path.relative_to(ROOT)): lines
        for path in _templates()
        if (lines := _unwrapped(path.read_text(encoding="utf-8")))
    }
    assert found == {}
