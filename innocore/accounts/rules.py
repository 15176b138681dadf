"""Pure account rules: password strength and the user category relative to a facility."""

from __future__ import annotations

from innocore.errors import Problem
from innocore.vocab import OrganisationKind, UserCategory

MIN_PASSWORD = 10
MAX_PASSWORD = 200

_COMMON = {
    "password",
    "password1",
    "password12",
    "password123",
    "passw0rd",
    "qwerty",
    "qwertyuiop",
    "1234567890",
    "12345678910",
    "123456789",
    "iloveyou",
    "letmein",
    "welcome",
    "admin",
    "administrator",
    "changeme",
    "trustno1",
    "football",
    "monkey",
    "dragon",
    "sunshine",
    "princess",
    "abc123",
    "abcdefghij",
    "aaaaaaaaaa",
    "0123456789",
    "innocore",
    "microscope",
}


def password_problems(password: str, *, email: str = "", name: str = "") -> list[Problem]:
    """A password is long enough, not common, and not made of the person's own e-mail or name."""
    field = "password"
    problems = []
    if len(password) < MIN_PASSWORD:
        problems.append(
            Problem("password_too_short", f"Use at least {MIN_PASSWORD} characters.", field)
        )
    if len(password) > MAX_PASSWORD:
        problems.append(
            Problem("password_too_long", f"Use at most {MAX_PASSWORD} characters.", field)
        )
    lowered = password.lower()
    if lowered in _COMMON or len(set(lowered)) <= 2:
        problems.append(Problem("password_common", "This password is too easy to guess.", field))
    personal = {
        p for p in (email.lower().split("@")[0], name.lower().replace(" ", "")) if len(p) >= 4
    }
    if any(p in lowered.replace(" ", "") for p in personal):
        problems.append(
            Problem(
                "password_personal", "Do not build the password from your name or e-mail.", field
            )
        )
    return problems


def user_category(
    user_org_id: int, user_org_kind: OrganisationKind, facility_institution_id: int
) -> UserCategory:
    """Member of the facility's own institution: internal; a company: industry; else external academic."""
    if user_org_id == facility_institution_id:
        return UserCategory.INTERNAL
    if user_org_kind == OrganisationKind.COMPANY:
        return UserCategory.INDUSTRY
    return UserCategory.EXTERNAL_ACADEMIC


def category_for(user, facility) -> UserCategory:
    """Convenience wrapper over ``user_category`` for loaded objects."""
    return user_category(user.organisation_id, user.organisation.kind, facility.institution_id)
