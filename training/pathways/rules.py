"""Pure rules of career pathways: a role profile, a person's gap to it, anonymous counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from innocore.errors import Problem
from innocore.marks import N_, T_

ESCO_PREFIX = "http://data.europa.eu/esco/occupation/"
MIN_SHOWN = 3  # smaller counts are shown as "fewer than 3", so nobody is singled out


# A profile has a code (letters, digits, dots, dashes), a title, 1 to 30 targets each at one of
# its competence's levels, and, if any, an ESCO occupation URI.
def profile_problems(
    code: str, title: str, esco_uri: str | None, targets: Sequence[tuple[int, int, Sequence[int]]]
) -> list[Problem]:
    out = []
    code = (code or "").strip()
    if not code or len(code) > 40 or not all(c.isalnum() or c in ".-_" for c in code):
        out.append(
            Problem("code", N_("A code of up to 40 letters, digits, dots or dashes."), "code")
        )
    if not (title or "").strip() or len(title) > 200:
        out.append(Problem("title", N_("Give a title (200 characters at most)."), "title"))
    if esco_uri and (
        not esco_uri.startswith(ESCO_PREFIX)
        or len(esco_uri) > 300
        or len(esco_uri) == len(ESCO_PREFIX)
    ):
        out.append(
            Problem(
                "esco_uri",
                T_("An ESCO occupation URI starts with %(esco_prefix)s.", esco_prefix=ESCO_PREFIX),
                "esco_uri",
            )
        )
    if not 1 <= len(targets) <= 30:
        out.append(Problem("targets", N_("Name 1 to 30 target competences."), "targets"))
    out += [
        Problem(
            "level",
            T_("Competence %(cid)s has no level %(level)s.", cid=cid, level=level),
            "targets",
        )
        for cid, level, levels in targets
        if level not in levels
    ]
    return out


@dataclass(frozen=True)
class GapLine:
    competence_id: int
    target: int
    held: int  # 0: not held

    @property
    def closed(self) -> bool:
        return self.held >= self.target


# A person's gap: for each target, the highest level they hold now against the target level.
def gap(targets: Sequence[tuple[int, int]], held: Mapping[int, int]) -> list[GapLine]:
    return [GapLine(cid, level, held.get(cid, 0)) for cid, level in targets]


def matches(targets: Sequence[tuple[int, int]], held: Mapping[int, int]) -> bool:
    """Every target met."""
    return all(line.closed for line in gap(targets, held))


def shown_count(n: int) -> str:
    """An anonymous count as shown to companies: exact from MIN_SHOWN, else "fewer than 3"."""
    return str(n) if n >= MIN_SHOWN or n == 0 else f"fewer than {MIN_SHOWN}"
