"""The accessibility audit itself: it reads every page a journey passes through, even one left
at once, and reports a serious violation (a white-on-white button, as once on the quote page)."""

import pytest

from tests.support.browser import audit_context, discard_audits

pytestmark = [pytest.mark.browser]

PAGES = {
    "http://axe.test/": '<a href="/bad">Next</a>',
    "http://axe.test/bad": '<form><button style="color:#eee;background:none">Decline</button></form>',
}


def test_audit_reads_each_page_and_reports_serious_violations(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route(
        "http://axe.test/**",
        lambda route: route.fulfill(
            content_type="text/html",
            body='<!doctype html><html lang="en"><head><title>t</title></head><body><main><h1>t</h1>'
            + PAGES[route.request.url]
            + "</main></body></html>",
        ),
    )
    audit = audit_context(context)  # after the site's route: the audit sees requests first
    page = context.new_page()
    page.goto("http://axe.test/")
    page.get_by_role("link", name="Next").click()  # leaves the first page at once
    audit.finish()
    try:
        assert [p.url for p in audit.pages] == list(PAGES)
        [failure] = audit.failures()
        assert "http://axe.test/bad" in failure and "color-contrast" in failure
    finally:
        discard_audits()
        context.close()
