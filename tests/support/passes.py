"""Which tests each database pass runs: a test that touches no database runs in the SQLite pass only.

``make test`` runs the suite twice, on SQLite and on PostgreSQL. A test that reaches no database
(a pure rule, a Hypothesis property, a calendar writer, a process started on a fixed SQLite path)
gives the same answer in both passes, so the PostgreSQL pass leaves it out
(``INNOCORE_TEST_ALL_IN_EVERY_PASS=1`` keeps it in). The SQLite pass always runs everything, so
``make test-sqlite`` alone (or a machine without PostgreSQL) still runs the whole suite.

A test *reaches a database* when anything it uses gets to the suite's throw-away databases
(``tests.support.databases``: ``TestDatabase`` or ``backend()``), found without a list kept by hand:

- its fixtures: the whole closure (``app``, ``db_session``, ``client``... all depend on
  ``database``), and
- its code: the test function, every fixture function of its closure and every function or class
  of the ``tests`` package they name (followed transitively, local imports included) are read for
  ``TestDatabase``/``backend``/``getfixturevalue`` (a ``LiveServer`` reaches ``TestDatabase``).

A misjudged test cannot hide: in the SQLite pass, a test judged database-free that creates a test
database or asks for the backend fails, naming this module.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import os
import types
from contextlib import contextmanager

import pytest

from tests.support import databases

ALL_IN_EVERY_PASS = "INNOCORE_TEST_ALL_IN_EVERY_PASS"
DATABASE_FIXTURES = frozenset({"database"})  # every fixture of a database depends on this one
# Names that, in a test's code, mean it reaches a database or picks fixtures at run time.
REACHING_NAMES = frozenset({"TestDatabase", "backend", "getfixturevalue"})

_free_item_running: list[str] = []  # node id of the database-free test now running, if any


def _code_objects(code: types.CodeType):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def _own(obj) -> bool:
    """A function or class of the suite itself (followed), not of the product or a library."""
    module = getattr(obj, "__module__", None) or ""
    return module == "tests" or module.startswith("tests.") or module == "conftest"


def _module(name: str) -> types.ModuleType | None:
    """The suite's module ``name``, imported if no earlier test did: the judgement of one test
    must not depend on which other tests were collected (run alone, an import inside a function
    names a module nobody has loaded yet)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _reaches(obj, seen: set[int]) -> bool:
    if id(obj) in seen:
        return False
    seen.add(id(obj))
    if obj is databases.TestDatabase or obj is databases.backend:
        return True
    if inspect.isclass(obj):
        members = []
        for value in vars(obj).values():
            if isinstance(value, classmethod | staticmethod):
                members.append(value.__func__)
            elif isinstance(value, property):
                members += [f for f in (value.fget, value.fset) if f is not None]
            elif inspect.isfunction(value):
                members.append(value)
        bases = [base for base in obj.__mro__[1:] if _own(base)]
        return any(_reaches(m, seen) for m in members + bases)
    if isinstance(obj, functools.partial):
        return _reaches(obj.func, seen)
    func = inspect.unwrap(obj) if callable(obj) else None
    code = getattr(func, "__code__", None)
    if code is None:
        return False
    namespace = getattr(func, "__globals__", {})
    for c in _code_objects(code):
        names = set(c.co_names)
        if names & REACHING_NAMES:
            return True
        # ``from tests.support.live import LiveServer`` inside a function: follow the module's names.
        modules = [_module(n) for n in names if n == "tests" or n.startswith("tests.")]
        modules = [m for m in modules if m is not None]
        for name in names:
            candidates = [namespace.get(name)] + [getattr(m, name, None) for m in modules]
            for candidate in candidates:
                if candidate is None:
                    continue
                if isinstance(candidate, types.ModuleType):
                    continue
                followed = inspect.isfunction(candidate) or inspect.isclass(candidate)
                if followed and _own(candidate) and _reaches(candidate, seen):
                    return True
        # Closures: functions a fixture was built from.
        for cell in getattr(func, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            followed = inspect.isfunction(value) or inspect.isclass(value)
            if followed and _own(value) and _reaches(value, seen):
                return True
    return False


def reaches_database(item: pytest.Item) -> bool:
    """Whether ``item`` uses a test database, through its fixtures or its own code (see above)."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:  # not a Python test function: keep it in every pass
        return True
    if DATABASE_FIXTURES & set(info.names_closure):
        return True
    seen: set[int] = set()
    functions = [getattr(item, "obj", None)]
    for defs in info.name2fixturedefs.values():
        functions += [d.func for d in defs]
    return any(f is not None and _reaches(f, seen) for f in functions)


def select(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave database-free tests out of the PostgreSQL pass; in the SQLite pass, mark them so a
    misjudged one fails (``guard``)."""
    free = [item for item in items if not reaches_database(item)]
    for item in free:
        item.stash[_FREE] = True
    if databases.backend() != "postgresql" or os.environ.get(ALL_IN_EVERY_PASS):
        return
    if free:
        ids = {id(item) for item in free}
        items[:] = [item for item in items if id(item) not in ids]
        config.hook.pytest_deselected(items=free)
    config.stash[_LEFT_OUT] = len(free)


_FREE = pytest.StashKey[bool]()
_LEFT_OUT = pytest.StashKey[int]()


def report(config: pytest.Config) -> str | None:
    left_out = config.stash.get(_LEFT_OUT, None)
    if left_out is None:
        return None
    return (
        f"PostgreSQL pass: {left_out} tests that touch no database were left out "
        f"(the SQLite pass runs them; {ALL_IN_EVERY_PASS}=1 keeps them in)"
    )


@contextmanager
def guard(item: pytest.Item):
    """Around a test's setup, call and teardown: a database-free one is recorded as running."""
    if not item.stash.get(_FREE, False):
        yield
        return
    _free_item_running.append(item.nodeid)
    try:
        yield
    finally:
        _free_item_running.pop()


def refuse_database_in_free_test(what: str) -> None:
    """Called by ``tests.support.databases``: a database-free test must not reach a database."""
    if _free_item_running:
        pytest.fail(
            f"{_free_item_running[-1]} was judged database-free (so the PostgreSQL pass leaves it "
            f"out) but reached {what}; see tests/support/passes.py",
            pytrace=False,
        )
