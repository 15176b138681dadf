"""Pure rules for facilities."""

from __future__ import annotations

import re

from innocore.clock import is_valid_timezone
from innocore.errors import Problem
from innocore.marks import N_, T_

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def facility_problems(*, slug: str, name: str, timezone: str, contact_email: str) -> list[Problem]:
    """A facility has a URL-safe slug, a name, a real IANA time zone and a contact address."""
    problems = []
    if not SLUG.match(slug or "") or len(slug) > 80:
        problems.append(
            Problem(
                "invalid_slug",
                N_("Use lower-case letters, digits and single hyphens (e.g. 'light-imaging')."),
                "slug",
            )
        )
    if not (name or "").strip():
        problems.append(Problem("required", N_("Give the facility a name."), "name"))
    if not is_valid_timezone(timezone or ""):
        problems.append(
            Problem(
                "invalid_timezone",
                T_(
                    "'%(value)s' is not a known time zone; use one like Europe/Rome.",
                    value=(timezone or "")[:64],
                ),
                "timezone",
            )
        )
    if "@" not in (contact_email or ""):
        problems.append(
            Problem("invalid_email", N_("Give a contact e-mail address."), "contact_email")
        )
    return problems
