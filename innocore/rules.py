"""Pure rules every package shares: no Flask, no session, no clock."""

from __future__ import annotations

from innocore.errors import Problem


# A text a person types is given when it is required, and fits its limit once stripped.
def text_problems(
    value: str | None, field: str, label: str, limit: int, required: bool = True
) -> list[Problem]:
    """``missing`` ("Give the {label}.") when ``required`` and empty after stripping, else
    ``too_long`` when longer than ``limit`` characters; ``[]`` when the text is fine."""
    value = (value or "").strip()
    if required and not value:
        return [Problem("missing", f"Give the {label}.", field)]
    if len(value) > limit:
        return [Problem("too_long", f"The {label} is at most {limit} characters.", field)]
    return []
