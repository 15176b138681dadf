"""Browser journeys run against a real gunicorn server and Debian's chromium (see tests/support).

Every page a journey shows is audited by axe-core; a serious or critical WCAG 2.1 A/AA violation
fails the test (``finish_audits`` after the test body, while its pages are still open).
"""

import pytest

from tests.support.browser import discard_audits, finish_audits, launch, new_page
from tests.support.live import LiveServer


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    finish_audits()
    return result


@pytest.fixture(autouse=True)
def _no_audit_left_over():
    yield
    discard_audits()  # a test that failed before its audit leaves nothing for the next one


@pytest.fixture(scope="module")
def live_server(smtp_server):
    server = LiveServer(workers=2, smtp_port=smtp_server.port, label="browser").start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def browser():
    """One chromium for every journey of this package; each test has its own context (cookies,
    storage, audit)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A phone-sized page (390x844, touch), as most students first open the site."""
    page = new_page(browser, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    yield page
    page.context.close()


@pytest.fixture
def desktop(browser):
    """A desktop page, 1280 px wide."""
    page = new_page(browser, viewport={"width": 1280, "height": 900})
    yield page
    page.context.close()
