"""Pure rules for the competence framework."""

from __future__ import annotations

import re

from innocore.errors import Problem
from innocore.marks import N_

CODE = re.compile(r"^[A-Z0-9]+(?:[.\-][A-Z0-9]+)*$")
ESCO = re.compile(r"^http://data\.europa\.eu/esco/skill/[0-9a-f-]{36}$")


def competence_problems(
    *,
    code: str,
    title: str,
    levels: list[tuple[int, str]],
    esco_uri: str | None,
    validity_months: int | None,
    lapse_after_days: int | None,
) -> list[Problem]:
    """A competence has an upper-case code, a title, levels numbered 1..n with names, and sane options."""
    problems = []
    if not CODE.match(code or "") or len(code) > 40:
        problems.append(
            Problem(
                "invalid_code",
                N_("Use upper-case letters, digits, dots and hyphens, e.g. 'IMG.CLSM'."),
                "code",
            )
        )
    if not (title or "").strip():
        problems.append(Problem("required", N_("Give the competence a title."), "title"))
    numbers = [n for n, _ in levels]
    if not levels or numbers != list(range(1, len(levels) + 1)):
        problems.append(
            Problem(
                "invalid_levels", N_("Name the levels in order, starting at level 1."), "levels"
            )
        )
    elif len(levels) > 9:
        problems.append(Problem("invalid_levels", N_("Use at most nine levels."), "levels"))
    if any(not name.strip() or len(name) > 120 for _, name in levels):
        problems.append(
            Problem(
                "invalid_levels",
                N_("Every level needs a name of at most 120 characters."),
                "levels",
            )
        )
    if esco_uri and not ESCO.match(esco_uri):
        problems.append(
            Problem(
                "invalid_esco",
                N_("An ESCO skill URI looks like http://data.europa.eu/esco/skill/<uuid>."),
                "esco_uri",
            )
        )
    if validity_months is not None and not 1 <= validity_months <= 240:
        problems.append(
            Problem(
                "invalid_validity",
                N_("Validity is between 1 and 240 months."),
                "default_validity_months",
            )
        )
    if lapse_after_days is not None and not 1 <= lapse_after_days <= 3650:
        problems.append(
            Problem(
                "invalid_lapse",
                N_("The inactivity lapse is between 1 and 3650 days."),
                "lapse_after_days",
            )
        )
    return problems


def parse_levels(text: str) -> list[tuple[int, str]]:
    """One level name per line, in order: line 1 is level 1."""
    names = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return [(i, name) for i, name in enumerate(names, start=1)]
