"""Each role's main pages in the demo network, on a desktop (1280 px) and a phone (390 px).

Every page is read by axe-core as it is shown (see tests/support/browser.py): a serious or critical
WCAG 2.1 A/AA violation on any of them fails the test. Each page must also answer 200 and show
its heading, so the audit reads the real page, not a sign-in or error page.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from innocore.accounts.models import User
from innocore.demo import DEMO_PASSWORD, seed_demo
from innocore.extensions import db
from innocore.facilities.models import Facility
from instruments.models import Instrument
from instruments.requests.models import ServiceRequest
from tests.support.browser import SCREENSHOTS_DIR, go_by_menu, new_page, screenshot, sign_in
from training.certification.models import Certificate
from training.models import TrainingSession

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
}


@pytest.fixture(scope="module")
def demo(live_server) -> dict:
    """The demo network on the live server's database, and the ids its pages are reached by."""
    app = live_server.app
    with app.app_context():
        seed_demo()
        db.session.commit()
        one = db.session.scalar
        ids = {
            "confocal": one(sa.select(Instrument.id).where(Instrument.name.like("Confocal%"))),
            "imaging": one(sa.select(Facility).where(Facility.slug == "valmonte-light-imaging")),
            "certificate": one(sa.select(Certificate.public_id).limit(1)),
            "quoted": one(sa.select(ServiceRequest.id).order_by(ServiceRequest.id).limit(1)),
            "session": one(
                sa.select(TrainingSession.id)
                .join(TrainingSession.trainers)
                .where(User.email == ACCOUNTS["trainer"])
                .order_by(TrainingSession.id)
                .limit(1)
            ),
        }
        ids["helixa"] = one(
            sa.select(User.organisation_id).where(User.email == ACCOUNTS["company admin"])
        )
        ids["imaging_id"] = ids["imaging"].id
        ids["imaging"] = ids["imaging"].slug
        _someone_waits(ids["confocal"])
        db.session.commit()
        db.session.remove()
    return ids


def _someone_waits(instrument_id: int) -> None:
    """The student waits for an hour of the confocal, so both waiting-list pages have a row."""
    from datetime import timedelta

    from innocore import clock
    from instruments.models import WaitlistEntry, WaitlistStatus

    student = db.session.scalar(sa.select(User).where(User.email == ACCOUNTS["student"]))
    start = (clock.now() + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    db.session.add(
        WaitlistEntry(
            instrument_id=instrument_id,
            user_id=student.id,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            status=WaitlistStatus.WAITING,
            purpose="Live-cell imaging of organoids",
            created_at=clock.now(),
        )
    )


def pages(role: str, ids: dict) -> list[str]:
    """The main pages of each role, as the navigation and dashboards lead there."""
    i, slug = ids["confocal"], ids["imaging"]
    return {
        "anonymous": [
            "/",
            "/instruments/",
            f"/verify/{ids['certificate']}",
            "/verify/check",
            "/facilities/",
            "/training/",
        ],
        "student": [
            "/dashboard",
            f"/instruments/{i}",
            f"/instruments/{i}/book",
            "/instruments/bookings/mine",
            "/instruments/waitlist/mine",
            "/instruments/finder",
            "/instruments/feeds",
            "/training/my",
            "/certificates/",
            f"/certificates/{ids['certificate']}",
            "/paths/",
            "/notifications",
            "/profile",
            "/placements/",
            "/mentoring/",
            "/careers/ROLE.BIOIMAGING-TECH",
        ],
        "company member": [
            "/dashboard",
            "/requests/mine",
            f"/requests/{ids['quoted']}",
            "/charges/mine",
        ],
        "company admin": [
            "/dashboard",
            "/company/",
            "/requests/company",
            f"/requests/{ids['quoted']}",
            "/charges/company",
            "/training/company/enrolments",
            "/requests/directory",
            "/careers/ROLE.FCM-SPECIALIST",
            f"/reports/companies/{ids['helixa']}",
        ],
        "trainer": [
            "/dashboard",
            "/training/teaching",
            f"/training/sessions/{ids['session']}",
            f"/training/sessions/{ids['session']}/participants",
        ],
        "facility manager": [
            "/dashboard",
            f"/facilities/{slug}",
            f"/instruments/facility/{slug}",
            f"/instruments/{i}/edit",
            f"/instruments/{i}/waitlist",
            "/instruments/approvals",
            "/requests/inbox",
            f"/certificates/facility/{slug}",
            f"/training/facilities/{slug}",
            f"/charges/facilities/{ids['imaging_id']}",
            "/audit/",
            f"/reports/facilities/{ids['imaging_id']}",
        ],
        "network admin": [
            "/dashboard",
            "/facilities/new",
            "/competences/",
            "/charges/network",
            "/paths/awards",
            "/audit/",
            "/reports/network",
        ],
    }[role]


ACCOUNTS = {
    "anonymous": None,
    "student": "phd@demo.innocore.test",
    "company member": "scientist@helixa.demo.innocore.test",
    "company admin": "admin@helixa.demo.innocore.test",
    "trainer": "trainer.flow@demo.innocore.test",
    "facility manager": "manager.imaging@demo.innocore.test",
    "network admin": "admin@demo.innocore.test",
}


@pytest.fixture(params=list(VIEWPORTS))
def page(request, browser):
    page = new_page(browser, **VIEWPORTS[request.param])
    yield page
    page.context.close()


@pytest.mark.parametrize("role", list(ACCOUNTS))
def test_main_pages_of_each_role_pass_axe(live_server, page, demo, role):
    if ACCOUNTS[role]:
        sign_in(page, live_server.url, ACCOUNTS[role], DEMO_PASSWORD)
        page.wait_for_url("**/dashboard")
    for path in pages(role, demo):
        response = page.goto(live_server.url + path)
        assert response.status == 200, f"{role} {path}: {response.status}"
        expect(page.get_by_role("heading", level=1).first, path).to_be_visible()


def test_a_student_applies_to_a_challenge_and_the_company_selects_the_team(
    live_server, desktop, demo
):
    """The demo challenge (Helixa, with an NDA): Paula accepts the NDA and applies with Piet;
    Helixa's administrator selects the team, which then has a workspace."""
    base = live_server.url
    sign_in(desktop, base, ACCOUNTS["student"], DEMO_PASSWORD)
    desktop.wait_for_url("**/dashboard")
    desktop.goto(base + "/challenges/")
    desktop.get_by_role("link", name="Automated phenotyping of organoids in a drug screen").click()
    desktop.get_by_role("button", name="Accept the NDA").click()
    expect(desktop.get_by_text("Confocal stacks (4 channels")).to_be_visible()
    desktop.get_by_label("Motivation").fill("We build image pipelines for organoids.")
    desktop.get_by_label("Team members' e-mail addresses").fill("postdoc@demo.innocore.test")
    desktop.get_by_role("button", name="Send the application").click()
    expect(desktop.get_by_text("Application sent")).to_be_visible()
    desktop.context.clear_cookies()
    sign_in(desktop, base, ACCOUNTS["company admin"], DEMO_PASSWORD)
    desktop.wait_for_url("**/dashboard")
    desktop.goto(base + "/challenges/")
    desktop.get_by_role(
        "link", name="Automated phenotyping of organoids in a drug screen"
    ).first.click()
    row = desktop.get_by_role("row").filter(has_text="Paula Student")
    row.get_by_role("button", name="Select team").click()
    expect(desktop.get_by_text("Application selected")).to_be_visible()
    desktop.get_by_role("link", name="workspace").click()
    assert desktop.get_by_role("heading", level=1).inner_text().startswith("Workspace")


def test_facility_report_shows_its_charts(live_server, browser, demo):
    """The manager's report draws its charts (SVG, styled through the page's nonce) beside their
    tables; the screenshot goes to INNOCORE_SCREENSHOTS_DIR."""

    page = new_page(browser, viewport={"width": 1280, "height": 900})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server.url, ACCOUNTS["facility manager"], DEMO_PASSWORD)
    page.wait_for_url("**/dashboard")
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    # The demo's bookings lie in the coming days: a period around today shows them.
    today = datetime.now(ZoneInfo("Europe/Rome")).date()
    span = f"from={today - timedelta(days=60)}&to={today + timedelta(days=14)}"
    # Reached as a manager would: the navigation's Reports, the facility's report, the filters.
    go_by_menu(page, "Manage", "Reports")
    page.get_by_role("link", name="Facility report:").first.click()
    page.get_by_label("From", exact=True).fill(str(today - timedelta(days=60)))
    page.get_by_label("To", exact=True).fill(str(today + timedelta(days=14)))
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"**/reports/facilities/{demo['imaging_id']}?*")
    assert span in page.url
    bar = page.locator("#utilisation figure.chart svg").first
    assert bar.is_visible() and bar.bounding_box()["height"] > 200
    assert page.locator("svg.heatmap rect").count() == 7 * 24
    page.get_by_text("Data of the chart: Hours by month").click()
    expect(page.get_by_role("table", name="Hours by month")).to_be_visible()
    # pygal's own stylesheet applied: the plot background is the style's, not the default black
    fill = page.locator("#utilisation figure.chart svg .background").first.evaluate(
        "e => getComputedStyle(e).fill"
    )
    assert fill == "rgb(255, 255, 255)", fill
    assert not [e for e in errors if "Content Security Policy" in e], errors
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    page.locator("#utilisation").screenshot(path=str(SCREENSHOTS_DIR / "facility-report.png"))
    page.context.close()


def test_a_company_admin_reaches_the_company_pages_by_keyboard_from_one_line_of_menus(
    live_server, page, demo
):
    """Navigation by role (issue 13): the menus sit on one line at 1,280 px; on a phone they
    hide behind "Menu"; disclosure buttons open with the keyboard and say so (aria-expanded)."""
    sign_in(page, live_server.url, ACCOUNTS["company admin"], DEMO_PASSWORD)
    page.wait_for_url("**/dashboard")
    width = page.viewport_size["width"]
    if width >= 1000:
        tops = page.eval_on_selector_all(
            ".site-header .menu-button, .site-header .brand",
            "els => els.map(e => { const r = e.getBoundingClientRect(); return r.top + r.height / 2; })",
        )
        assert max(tops) - min(tops) < 4, tops  # one line: every item on the same middle
        assert page.eval_on_selector(".site-header", "e => e.scrollWidth <= e.clientWidth")
    else:
        toggle = page.get_by_role("button", name="Menu")
        toggle.focus()
        page.keyboard.press("Enter")
        assert toggle.get_attribute("aria-expanded") == "true"
    company = page.get_by_role("button", name="Company")
    company.focus()
    page.keyboard.press("Enter")
    assert company.get_attribute("aria-expanded") == "true"
    menu = page.locator("#menu-company")
    for name in ("People", "Requests", "Charges", "Statements"):
        expect(menu.get_by_role("link", name=name, exact=True), name).to_be_visible()
    screenshot(page, "company-menu")
    page.keyboard.press("Escape")
    assert company.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.textContent.trim()") == "Company"
    page.keyboard.press("Enter")
    menu.get_by_role("link", name="Statements", exact=True).click()
    expect(page.get_by_role("heading", level=1).first).to_be_visible()
    assert "/charges/" in page.url


# The widest thing on the page, when the page is wider than the window: what to fix.
_OVERFLOW = """() => {
  // The window's layout width (without a vertical scroll bar); on an emulated phone Chromium
  // widens innerWidth to a page that overflows, so the phone here is a 390 px window.
  const width = Math.min(window.innerWidth, document.documentElement.clientWidth);
  if (document.documentElement.scrollWidth <= width) return null;
  let worst = null;
  for (const el of document.querySelectorAll('main *, header *, footer *')) {
    const right = el.getBoundingClientRect().right;
    if (right > width + 1 && (!worst || right > worst.right)) {
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '');
      worst = {right: Math.round(right), name: name};
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width: width, worst: worst};
}"""


def test_no_page_of_any_role_is_wider_than_a_phone(live_server, browser, demo):
    """At 390 px (a phone) no page scrolls sideways as a whole: a wide table scrolls inside its
    own wrapper (``.table-wrap``), and long words and forms wrap. Every role's main pages."""
    wide = []
    for role, email in ACCOUNTS.items():
        context = browser.new_context(viewport={"width": 390, "height": 844})  # no axe here
        page = context.new_page()
        if email:
            page.goto(live_server.url + "/login")
            page.get_by_label("E-mail", exact=True).fill(email)
            page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/dashboard")
        for path in pages(role, demo):
            response = page.goto(live_server.url + path)
            assert response.status == 200, f"{role} {path}: {response.status}"
            found = page.evaluate(_OVERFLOW)
            if found:
                wide.append(f"{role} {path}: {found}")
        context.close()
    assert wide == [], "pages wider than 390 px:\n" + "\n".join(wide)
