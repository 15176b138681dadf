"""Browser journeys run against a real gunicorn server and Debian's chromium (see tests/support)."""

import pytest

from tests.support.browser import launch
from tests.support.live import LiveServer


@pytest.fixture(scope="module")
def live_server(smtp_server):
    server = LiveServer(workers=2, smtp_port=smtp_server.port, label="browser").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A phone-sized page (390x844, touch), as most students first open the site."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    yield page
    context.close()
