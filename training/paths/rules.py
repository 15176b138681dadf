"""Pure rules of qualification paths: validating a requirement tree and evaluating progress.

A tree is JSON. Node kinds: ``all_of`` (children), ``n_of`` (n, children), ``min_credits``
(credits, modules), ``module`` (module), ``competence`` (competence, min_level), ``path`` (path).
Leaves and ``min_credits`` take ``current_only``: only certificates valid now count; otherwise any
certificate ever held counts. Revoked and suspended certificates never count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from innocore.errors import Problem
from innocore.marks import N_, T_
from training.certification.models import CertificateStatus
from training.certification.rules import CertFact, is_valid_at

GROUPS = {"all_of", "n_of"}
LEAVES = {"module", "competence", "path", "min_credits"}
MAX_NODES = 200
MAX_DEPTH = 8


@dataclass(frozen=True)
class Catalog:
    """What a tree may refer to: module id -> (title, ECTS); competence id -> title; path id -> title."""

    modules: Mapping[int, tuple[str, Decimal]]
    competences: Mapping[int, str]
    paths: Mapping[int, str]


@dataclass
class Refs:
    modules: set[int] = field(default_factory=set)
    competences: set[int] = field(default_factory=set)
    paths: set[int] = field(default_factory=set)


def references(tree: dict) -> Refs:
    """Every module, competence and path a (structurally valid) tree refers to."""
    refs = Refs()

    def walk(node):
        if not isinstance(node, dict):
            return
        kind = node.get("kind")
        if kind == "module":
            refs.modules.add(node.get("module"))
        elif kind == "competence":
            refs.competences.add(node.get("competence"))
        elif kind == "path":
            refs.paths.add(node.get("path"))
        elif kind == "min_credits":
            refs.modules.update(node.get("modules") or [])
        for child in node.get("children") or []:
            walk(child)

    walk(tree)
    return refs


def _int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _node_problems(node, where: str, depth: int, counter: list[int]) -> list[Problem]:
    counter[0] += 1
    if depth > MAX_DEPTH:
        return [
            Problem(
                "tree_too_deep",
                T_(
                    "%(where)s: nest at most %(max_depth)s levels.",
                    where=where,
                    max_depth=MAX_DEPTH,
                ),
                "requirements",
            )
        ]
    if not isinstance(node, dict) or node.get("kind") not in GROUPS | LEAVES:
        kinds = ", ".join(sorted(GROUPS | LEAVES))
        return [
            Problem(
                "bad_node",
                T_("%(where)s: each requirement is one of %(kinds)s.", where=where, kinds=kinds),
                "requirements",
            )
        ]
    kind, out = node["kind"], []
    if kind in GROUPS:
        children = node.get("children")
        if not isinstance(children, list) or not children:
            return [
                Problem(
                    "empty_group",
                    T_(
                        "%(where)s: %(kind)s needs at least one requirement.",
                        where=where,
                        kind=kind,
                    ),
                    "requirements",
                )
            ]
        if kind == "n_of" and not (_int(node.get("n")) and node["n"] <= len(children)):
            out.append(
                Problem(
                    "bad_n",
                    T_(
                        "%(where)s: n must be between 1 and %(len)s.",
                        where=where,
                        len=len(children),
                    ),
                    "requirements",
                )
            )
        for i, child in enumerate(children, 1):
            out += _node_problems(child, f"{where}.{i}", depth + 1, counter)
        return out
    required = {"module": "module", "competence": "competence", "path": "path"}.get(kind)
    if required and not _int(node.get(required)):
        out.append(
            Problem(
                "bad_reference",
                T_(
                    "%(where)s: %(kind)s needs the id of a %(required)s.",
                    where=where,
                    kind=kind,
                    required=required,
                ),
                "requirements",
            )
        )
    if kind == "competence" and not (_int(node.get("min_level")) and node["min_level"] <= 9):
        out.append(
            Problem(
                "bad_level",
                T_("%(where)s: min_level is between 1 and 9.", where=where),
                "requirements",
            )
        )
    if kind == "min_credits":
        credits, modules = node.get("credits"), node.get("modules")
        if not isinstance(credits, int | float) or isinstance(credits, bool) or credits <= 0:
            out.append(
                Problem(
                    "bad_credits",
                    T_("%(where)s: credits must be a positive number.", where=where),
                    "requirements",
                )
            )
        if not isinstance(modules, list) or not modules or not all(_int(m) for m in modules):
            out.append(
                Problem(
                    "bad_pool",
                    T_("%(where)s: list the ids of the modules that count.", where=where),
                    "requirements",
                )
            )
    return out


def _cycle(start: int, graph: Mapping[int, set[int]]) -> list[int] | None:
    """A cycle through ``start`` in the path-reference graph, as the list of path ids."""
    stack, seen = [(start, [start])], set()
    while stack:
        node, trail = stack.pop()
        for nxt in graph.get(node, set()):
            if nxt == start:
                return trail + [start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, trail + [nxt]))
    return None


def tree_problems(
    tree, *, catalog: Catalog, path_id: int, graph: Mapping[int, set[int]]
) -> list[Problem]:
    """A tree is well formed, refers only to things that exist, and never back to its own path.

    ``graph`` maps every other path id to the paths its tree refers to (this path's entry is
    replaced by this tree's references).
    """
    counter = [0]
    problems = _node_problems(tree, "requirements", 1, counter)
    if counter[0] > MAX_NODES:
        problems.append(
            Problem(
                "tree_too_large",
                T_("At most %(max_nodes)s requirements.", max_nodes=MAX_NODES),
                "requirements",
            )
        )
    if problems:
        return problems
    refs = references(tree)
    for label, ids, known in (
        ("module", refs.modules, catalog.modules),
        ("competence", refs.competences, catalog.competences),
        ("path", refs.paths, catalog.paths),
    ):
        for missing in sorted(i for i in ids if i not in known):
            problems.append(
                Problem(
                    "dangling_reference",
                    T_("There is no %(value)s with id %(missing)s.", value=label, missing=missing),
                    "requirements",
                )
            )
    if path_id in refs.paths:
        problems.append(
            Problem("circular_reference", N_("A path cannot require itself."), "requirements")
        )
    else:
        cycle = _cycle(path_id, {**graph, path_id: refs.paths})
        if cycle:
            chain = " → ".join(str(p) for p in cycle)
            problems.append(
                Problem(
                    "circular_reference",
                    T_("Paths would require each other: %(chain)s.", chain=chain),
                    "requirements",
                )
            )
    return problems


# ---- evaluation --------------------------------------------------------------------------------


@dataclass(slots=True)
class Result:
    met: bool
    fraction: float  # 0..1, for progress bars
    counted: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    gap_modules: set[int] = field(default_factory=set)
    gap_competences: dict[int, int] = field(default_factory=dict)


def _counts(fact: CertFact, current_only: bool, now: datetime) -> bool:
    if fact.status in (CertificateStatus.REVOKED, CertificateStatus.SUSPENDED):
        return False
    return is_valid_at(fact, now) if current_only else fact.issued_at <= now


class Evaluator:
    """Evaluates trees against one person's certificates; build once per person (or reuse facts)."""

    def __init__(self, facts: Sequence[CertFact], catalog: Catalog, now: datetime):
        self.catalog, self.now = catalog, now
        # One pass over the certificates; every leaf then answers in constant time.
        self.modules: dict[bool, set[int]] = {False: set(), True: set()}
        self.levels: dict[bool, dict[int, int]] = {False: {}, True: {}}
        self.paths: set[int] = set()
        for f in facts:
            for current in (False, True):
                if not _counts(f, current, now):
                    continue
                if f.module_id is not None:
                    self.modules[current].add(f.module_id)
                if f.competence_id is not None:
                    held = self.levels[current]
                    held[f.competence_id] = max(held.get(f.competence_id, 0), f.level or 0)
                if f.path_id is not None and not current:
                    self.paths.add(f.path_id)

    def evaluate(self, node: dict) -> Result:
        return getattr(self, "_" + node["kind"])(node)

    def _module(self, node) -> Result:
        m = node["module"]
        title = self.catalog.modules[m][0]
        if m in self.modules[bool(node.get("current_only"))]:
            return Result(True, 1.0, counted=[f"Module {title}"])
        note = " (a currently valid certificate)" if node.get("current_only") else ""
        return Result(False, 0.0, missing=[f"Module {title}{note}"], gap_modules={m})

    def _competence(self, node) -> Result:
        c, level, cur = node["competence"], node["min_level"], node.get("current_only", False)
        title = self.catalog.competences[c]
        held = self.levels[bool(cur)].get(c, 0)
        if held >= level:
            return Result(True, 1.0, counted=[f"{title} at level {held}"])
        return Result(
            False, 0.0, missing=[f"{title} at level {level} or above"], gap_competences={c: level}
        )

    def _path(self, node) -> Result:
        p = node["path"]
        title = self.catalog.paths[p]
        if p in self.paths:
            return Result(True, 1.0, counted=[f"Path {title}"])
        return Result(False, 0.0, missing=[f"Path {title}"])

    def _min_credits(self, node) -> Result:
        need = Decimal(str(node["credits"]))
        mine, known = self.modules[bool(node.get("current_only"))], self.catalog.modules
        held = [m for m in node["modules"] if m in mine and m in known]
        got = sum((self.catalog.modules[m][1] for m in held), Decimal(0))
        res = Result(got >= need, float(min(got / need, Decimal(1))))
        res.counted = [f"{got} of {need} credits"] if held else []
        if not res.met:
            res.missing = [
                f"{need - got} more credits from: "
                + ", ".join(self.catalog.modules[m][0] for m in node["modules"] if m not in held)
            ]
            res.gap_modules = {m for m in node["modules"] if m not in held}
        return res

    def _all_of(self, node) -> Result:
        parts = [self.evaluate(child) for child in node["children"]]
        return _merge(parts, all(p.met for p in parts), sum(p.fraction for p in parts) / len(parts))

    def _n_of(self, node) -> Result:
        parts = [self.evaluate(child) for child in node["children"]]
        n = node["n"]
        best = sorted((p.fraction for p in parts), reverse=True)[:n]
        met = sum(p.met for p in parts) >= n
        res = _merge([p for p in parts if p.met] if met else parts, met, sum(best) / n)
        if not met:
            need = n - sum(p.met for p in parts)
            options = [m for p in parts if not p.met for m in p.missing]
            res.missing = [f"{need} more of: " + "; ".join(options)]
        return res


def _merge(parts: Sequence[Result], met: bool, fraction: float) -> Result:
    res = Result(met, fraction)
    for p in parts:
        res.counted += p.counted
        if not met:
            res.missing += p.missing
            res.gap_modules |= p.gap_modules
            for c, level in p.gap_competences.items():
                res.gap_competences[c] = max(level, res.gap_competences.get(c, 0))
    return res


def evaluate(tree: dict, facts: Sequence[CertFact], catalog: Catalog, now: datetime) -> Result:
    """Progress of one person on one path: met, fraction, what counts, what is missing, gaps."""
    return Evaluator(facts, catalog, now).evaluate(tree)
