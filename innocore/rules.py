"""Pure rules every package shares: no Flask, no session, no clock."""

from __future__ import annotations

from innocore.errors import Problem
from innocore.marks import N_, T_


# A text a person types is given when it is required, and fits its limit once stripped.
def text_problems(
    value: str | None, field: str, label: str, limit: int, required: bool = True
) -> list[Problem]:
    """``missing`` ("Fill in this field.") when ``required`` and empty after stripping, else
    ``too_long`` ("Use at most N characters.") when longer than ``limit`` characters; ``[]`` when
    the text is fine. The problem names ``field`` and is shown beside it, so its sentence does not
    embed ``label`` (an English word inside a translated sentence would not agree with it);
    ``label`` documents the call site."""
    value = (value or "").strip()
    if required and not value:
        return [Problem("missing", N_("Fill in this field."), field)]
    if len(value) > limit:
        return [Problem("too_long", T_("Use at most %(limit)s characters.", limit=limit), field)]
    return []
