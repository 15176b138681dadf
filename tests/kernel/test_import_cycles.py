"""The import graph: no cycles between sibling packages or modules, and the three packages layered
training -> instruments -> innocore (the kernel), with ``innocore.create_app`` the only exception.

Every import counts, at module level or inside a function: an import moved into a function still
ties the two modules together, it only hides the cycle from the interpreter. Imports guarded by
``if TYPE_CHECKING`` do not run and are left out (SQLAlchemy resolves a relationship named in an
annotation through its registry, without the import).

The graph is built by grimp; a cycle is reported at the level where it forms: two children of one
package (``instruments.charges`` <-> ``instruments.requests``, ``innocore.accounts`` <->
``innocore.api``, ``training.catalog`` <-> ``training.enrolment`` were such cycles) that import
each other directly or through other siblings.
"""

from __future__ import annotations

import grimp
import pytest

PACKAGES = ("innocore", "instruments", "training")
CREATE_APP = "innocore"  # innocore/__init__.py wires the feature packages in; nothing else may


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)


def _edges(graph: grimp.ImportGraph) -> set[tuple[str, str]]:
    return {
        (importer, imported)
        for importer in graph.modules
        for imported in graph.find_modules_directly_imported_by(importer)
    }


def _siblings(a: str, b: str) -> tuple[str, str] | None:
    """The two children of the deepest common package under which ``a`` and ``b`` part, or None
    when one contains the other (a package importing its own module is not a cycle)."""
    pa, pb = a.split("."), b.split(".")
    i = 0
    while i < min(len(pa), len(pb)) and pa[i] == pb[i]:
        i += 1
    if i in (len(pa), len(pb)):
        return None
    return ".".join(pa[: i + 1]), ".".join(pb[: i + 1])


def sibling_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Groups of sibling packages/modules that import one another in a loop (strongly connected
    components of more than one member), sorted."""
    succ: dict[str, set[str]] = {}
    for importer, imported in _edges(graph):
        if importer == CREATE_APP and imported.split(".")[0] != "innocore":
            continue  # create_app registers the feature packages: the one allowed upward import
        pair = _siblings(importer, imported)
        if pair:
            succ.setdefault(pair[0], set()).add(pair[1])
            succ.setdefault(pair[1], set())
    return sorted(sorted(c) for c in _components(succ) if len(c) > 1)


def _components(succ: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iterative."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in succ:
        if root in index:
            continue
        work = [(root, iter(succ[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    found.append(component)
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(succ[child])))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_no_cycles_between_sibling_packages_or_modules(graph):
    assert sibling_cycles(graph) == []


def _upward(graph, lower: str, higher: tuple[str, ...]) -> list[tuple[str, str]]:
    return sorted(
        (importer, imported)
        for importer, imported in _edges(graph)
        if importer.split(".")[0] == lower
        and imported.split(".")[0] in higher
        and importer != CREATE_APP
    )


def test_the_kernel_imports_no_feature_package_outside_create_app(graph):
    assert _upward(graph, "innocore", ("instruments", "training")) == []


def test_instruments_never_imports_training(graph):
    assert _upward(graph, "instruments", ("training",)) == []


def test_the_cycle_finder_finds_a_cycle():
    """The check itself: two siblings importing each other (one inside a function) are a cycle."""
    fake = grimp.ImportGraph()
    for module in ("pkg", "pkg.a", "pkg.a.x", "pkg.b", "pkg.c"):
        fake.add_module(module)
    fake.add_import(importer="pkg.a.x", imported="pkg.b")
    fake.add_import(importer="pkg.b", imported="pkg.a")
    fake.add_import(importer="pkg.c", imported="pkg.b")
    assert sibling_cycles(fake) == [["pkg.a", "pkg.b"]]
