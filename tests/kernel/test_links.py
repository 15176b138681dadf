"""Absolute links come from BASE_URL alone: the same in a request, a job or a CLI command."""

import pytest


@pytest.fixture
def base_url(app):
    before = app.config["BASE_URL"]
    yield lambda url: app.config.__setitem__("BASE_URL", url)
    app.config["BASE_URL"] = before


def test_links_outside_a_request_follow_base_url_with_its_path_prefix(app, base_url):
    from innocore.links import absolute_url

    base_url("https://core.example.org/innocore/")
    with app.app_context():
        link = absolute_url("facilities.show", slug="imaging", tab=None)
        reset = absolute_url("accounts.reset_password", token="a b")
    assert link == "https://core.example.org/innocore/facilities/imaging"
    assert reset.startswith("https://core.example.org/innocore/") and "a%20b" in reset


def test_links_inside_a_request_ignore_the_host_the_request_came_to(app, base_url):
    from innocore.links import absolute_url

    base_url("https://core.example.org")
    with app.test_request_context("/", base_url="http://10.0.0.7:8000"):
        assert absolute_url("facilities.show", slug="x") == "https://core.example.org/facilities/x"
