"""How the two database passes share the suite (tests/support/passes.py): code that reaches a test
database, directly or through the suite's helpers, is found; pure code is not."""

import pytest

from tests.support import passes
from tests.support.live import LiveServer


def _pure(x):
    return sorted(x)


def _builds_a_server():
    return LiveServer(label="never-called")


def _imports_a_server_inside():
    from tests.support.live import LiveServer as Server

    return Server


def _calls_a_helper_that_builds_a_server():
    return _builds_a_server()


def _asks_for_the_backend():
    from tests.support.databases import backend

    return backend()


def _picks_a_fixture_at_run_time(request):
    return request.getfixturevalue("app")


@pytest.mark.parametrize(
    ("function", "reaches"),
    [
        (_pure, False),
        (_builds_a_server, True),
        (_imports_a_server_inside, True),
        (_calls_a_helper_that_builds_a_server, True),
        (_asks_for_the_backend, True),
        (_picks_a_fixture_at_run_time, True),
    ],
)
def test_code_that_reaches_a_test_database_is_found(function, reaches):
    assert passes._reaches(function, set()) is reaches


def test_a_database_free_test_that_creates_a_database_fails_with_the_reason(monkeypatch):
    monkeypatch.setattr(passes, "_free_item_running", ["tests/x.py::test_y"])
    with pytest.raises(pytest.fail.Exception, match=r"tests/x.py::test_y was judged"):
        passes.refuse_database_in_free_test("TestDatabase")
    monkeypatch.setattr(passes, "_free_item_running", [])
    passes.refuse_database_in_free_test("TestDatabase")  # outside such a test: nothing happens
