"""Real-browser journeys: Debian's chromium driven by Playwright through ``executable_path``.

Never a downloaded browser. In CI (``CI=true``) a missing chromium is an error, not a skip.

Every page a journey shows is checked with axe-core (WCAG 2.1 A and AA rules), just before the
browser leaves it and at the end of the test: ``new_page`` (and ``sign_in`` on any other page)
attach the audit to the browser context, and the browser conftest fails the test on any serious or
critical violation. axe-core comes from npm into tests/js/node_modules (``make readers``); where it
is missing the journeys skip with the reason, and fail under ``CI=true``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("INNOCORE_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
AXE = Path(__file__).resolve().parents[1] / "js" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("serious", "critical")


def _missing(message: str):
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def chromium_path() -> str:
    if os.path.exists(CHROMIUM) or shutil.which(CHROMIUM):
        return CHROMIUM
    _missing(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
    raise AssertionError  # unreachable


def axe_source() -> str:
    """axe-core's browser bundle, or a skip (a failure under CI) naming how to install it."""
    if not AXE.is_file():
        _missing(f"axe-core not found at {AXE} (make readers)")
    return AXE.read_text(encoding="utf-8")


def launch(playwright):
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=FLAGS)


# ---- accessibility: axe-core on every page shown ------------------------------------------------

# Runs in every top-level document once it has loaded (an init script, which the pages' CSP does
# not govern) and reports to Python through a binding; nothing of axe-core is served by the app.
_RUNNER = """
(() => {
  if (window.top !== window || !location.protocol.startsWith('http')) return;
  const doc = Math.random().toString(36).slice(2);
  const report = (kind, payload) => window.__innocoreAxe(kind, doc, location.href, payload);
  report('start', null);
  window.addEventListener('load', () => setTimeout(() => {
    axe.run(document, {runOnly: {type: 'tag', values: %s}, resultTypes: ['violations']})
      .then(r => report('done', r.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}))))
      .catch(e => report('error', String(e)))
      .then(() => { window.__innocoreAxeDone = true; });
  }, 0));
})();
"""


@dataclass
class PageAudit:
    """What axe-core found on one page as shown at one viewport width."""

    url: str
    width: int
    violations: list[dict]

    def nodes(self, impacts=FAILING_IMPACTS) -> int:
        return sum(len(v["nodes"]) for v in self.violations if v["impact"] in impacts)


@dataclass
class AxeAudit:
    """axe-core on each top-level document of a browser context, once it has loaded.

    A navigation away from a document whose audit is still running waits for it (the request is
    held until the report arrives), so a journey that clicks on quickly still has every page it
    passed through audited; ``finish`` waits for the pages still shown.
    """

    source: str
    pages: list[PageAudit] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    context: object = None
    _running: dict = field(default_factory=dict)  # document id -> (url, its tab)
    _held: list = field(default_factory=list)  # navigation requests waiting for a report

    def attach(self, context) -> AxeAudit:
        self.context = context
        context.expose_binding("__innocoreAxe", self._report)
        context.add_init_script(self.source)
        context.add_init_script(_RUNNER % json.dumps(AXE_TAGS))
        context.route("**/*", self._before_request)
        _OPEN.append(self)
        return self

    def _report(self, source, kind: str, doc: str, url: str, payload) -> None:
        if kind == "start":
            # A document of the same tab whose audit never reported was replaced by a navigation
            # that went out before its "start" arrived: it will never report, and waiting for it
            # would hold every later navigation of the context until the journey times out.
            page = source["page"]
            for stale in [d for d, (_u, p) in self._running.items() if p is page]:
                del self._running[stale]
            self._running[doc] = (url, page)
            return
        self._running.pop(doc, None)
        if kind == "error":
            self.errors.append(f"{url}: {payload}")
        else:
            width = (source["page"].viewport_size or {}).get("width", 0)
            result = PageAudit(url, width, payload)
            self.pages.append(result)
            _report(result)
        if not self._running:
            held, self._held = self._held, []
            for route in held:
                route.fallback()

    def _before_request(self, route, request) -> None:
        frame = request.frame if request.is_navigation_request() else None
        if frame is not None and frame.parent_frame is None and self._running:
            self._held.append(route)  # let through when the running audit reports
        else:
            route.fallback()  # to a journey's own routes, if any, else to the network

    def finish(self) -> None:
        """Wait (at most 30 s) for the audits of the pages still shown; stop auditing."""
        if self in _OPEN:
            _OPEN.remove(self)
        done = "() => window.__innocoreAxeDone === true || !location.protocol.startsWith('http')"
        for page in [p for p in self.context.pages if not p.is_closed()]:
            try:
                page.wait_for_function(done, timeout=30_000)
            except Exception as exc:  # say so: a page left unaudited must not pass unseen
                self.errors.append(f"{page.url}: {exc}".splitlines()[0])
        self.errors += [f"{url}: audit did not finish" for url, _page in self._running.values()]

    def failures(self) -> list[str]:
        out = []
        for p in self.pages:
            if urlsplit(p.url).netloc in _FOREIGN:
                continue
            for v in p.violations:
                if v["impact"] in FAILING_IMPACTS:
                    targets = ", ".join(n["target"] for n in v["nodes"][:5])
                    out.append(
                        f"{p.url} @{p.width}px: {v['impact']} {v['id']} ({v['help']}) "
                        f"on {len(v['nodes'])} node(s): {targets}"
                    )
        return out


_OPEN: list[AxeAudit] = []
_FOREIGN: set[str] = set()  # host:port of pages that are not InnoCore's


def not_ours(url: str) -> None:
    """Pages under ``url``'s host and port belong to someone else (an institution's identity
    provider in a sign-in journey): they are shown, but their accessibility is not judged."""
    _FOREIGN.add(urlsplit(url).netloc)


def _report(result: PageAudit) -> None:
    """With INNOCORE_AXE_REPORT=FILE, append one JSON line per audited page (counts by impact)."""
    target = os.environ.get("INNOCORE_AXE_REPORT")
    if not target:
        return
    counts = Counter()
    for v in result.violations:
        counts[v["impact"]] += len(v["nodes"])
    line = {
        "url": result.url,
        "width": result.width,
        "nodes": dict(counts),
        "rules": sorted({f"{v['impact']}:{v['id']}" for v in result.violations}),
    }
    with open(target, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(line) + "\n")


def audit_context(context) -> AxeAudit:
    """The axe audit of a browser context, attached on first use."""
    audit = getattr(context, "_innocore_axe", None)
    if audit is None:
        audit = AxeAudit(axe_source()).attach(context)
        context._innocore_axe = audit
    return audit


def finish_audits() -> None:
    """Audit the pages still open and fail on any serious or critical WCAG 2.1 A/AA violation."""
    failures, errors = [], []
    while _OPEN:
        audit = _OPEN[-1]
        audit.finish()
        failures += audit.failures()
        errors += audit.errors
    if failures:
        pytest.fail("axe-core found serious or critical violations:\n" + "\n".join(failures))
    if errors:
        pytest.fail("axe-core could not audit every page:\n" + "\n".join(errors))


def discard_audits() -> None:
    """Forget open audits (after a test that failed for another reason)."""
    _OPEN.clear()


def new_page(browser, **context_options):
    """A page in a fresh context whose every document is audited by axe-core."""
    context = browser.new_context(**context_options)
    audit_context(context)
    return context.new_page()


SCREENSHOTS_DIR = Path(
    os.environ.get("INNOCORE_SCREENSHOTS_DIR")
    or Path(tempfile.gettempdir()) / "innocore-screenshots"
)


def screenshot(page, name: str, *, full_page: bool = False) -> Path:
    """Save what the page shows as ``<name>-<width>.png`` in ``INNOCORE_SCREENSHOTS_DIR`` (CI
    sets it to a folder it keeps; by default a folder under the system's temporary directory)."""
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    width = (page.viewport_size or {}).get("width", 0)
    path = SCREENSHOTS_DIR / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def sign_in(page, base_url: str, email: str, password: str) -> None:
    """Sign in through the login form, as a person would (auditing the context from here on)."""
    audit_context(page.context)
    page.goto(base_url + "/login")
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def go_by_menu(page, group: str, link: str, *, tap: bool = False) -> None:
    """Follow a link of the main navigation as a person does: open "Menu" on a phone, open the
    ``group`` menu (Book, Learn, Manage, Company, Network), choose ``link``."""
    press = (lambda loc: loc.tap()) if tap else (lambda loc: loc.click())
    toggle = page.get_by_role("button", name="Menu", exact=True)
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        press(toggle)
    nav = page.get_by_role("navigation", name="Main")
    press(nav.get_by_role("button", name=group, exact=True))
    press(nav.get_by_role("link", name=link, exact=True))
