"""Pure account rules: password strength and the user category relative to a facility."""

from __future__ import annotations

import re

from innocore.errors import Problem
from innocore.marks import N_, T_
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
            Problem(
                "password_too_short",
                T_("Use at least %(min_password)s characters.", min_password=MIN_PASSWORD),
                field,
            )
        )
    if len(password) > MAX_PASSWORD:
        problems.append(
            Problem(
                "password_too_long",
                T_("Use at most %(max_password)s characters.", max_password=MAX_PASSWORD),
                field,
            )
        )
    lowered = password.lower()
    if lowered in _COMMON or len(set(lowered)) <= 2:
        problems.append(
            Problem("password_common", N_("This password is too easy to guess."), field)
        )
    personal = {
        p for p in (email.lower().split("@")[0], name.lower().replace(" ", "")) if len(p) >= 4
    }
    if any(p in lowered.replace(" ", "") for p in personal):
        problems.append(
            Problem(
                "password_personal",
                N_("Do not build the password from your name or e-mail."),
                field,
            )
        )
    return problems


def user_category(
    user_org_id: int,
    user_org_kind: OrganisationKind,
    facility_institution_id: int,
    *,
    verified: bool,
) -> UserCategory:
    """A verified member of the facility's own institution is internal; a company member is
    industry; everyone else, including an unverified claim of the institution, external academic.
    """
    if user_org_kind == OrganisationKind.COMPANY:
        return UserCategory.INDUSTRY
    if verified and user_org_id == facility_institution_id:
        return UserCategory.INTERNAL
    return UserCategory.EXTERNAL_ACADEMIC


def category_for(user, facility) -> UserCategory:
    """Convenience wrapper over ``user_category`` for loaded objects (a ``User``, a ``Facility``)."""
    return user_category(
        user.organisation_id,
        user.organisation.kind,
        facility.institution_id,
        verified=user.membership_verified_at is not None,
    )


# Addresses anyone can open: no organisation may claim them.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.com",
        "yandex.ru",
        "libero.it",
        "orange.fr",
        "example.com",
    }
)
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalise_domain(domain: str) -> str:
    """Lower case, surrounding spaces, a leading ``@`` and dots at either end removed."""
    return (domain or "").strip().lower().lstrip("@").strip(".")


def domain_problems(
    domain: str, *, organisation_kind: OrganisationKind, taken_by_other: bool
) -> list[Problem]:
    """A registered domain is a real host name with a dot, not a public mail service, not already
    another organisation's, and only institutions register one (companies invite their people)."""
    field = "domain"
    problems = []
    labels = domain.split(".")
    if len(domain) > 253 or len(labels) < 2 or not all(_LABEL.match(x) for x in labels):
        problems.append(
            Problem("domain_invalid", N_("Give a domain name such as unival.example."), field)
        )
    if domain in PUBLIC_MAIL_DOMAINS:
        problems.append(
            Problem(
                "domain_public", N_("Anyone can get an address at a public mail service."), field
            )
        )
    if taken_by_other:
        problems.append(
            Problem("domain_taken", N_("Another organisation registered this domain."), field)
        )
    if organisation_kind == OrganisationKind.COMPANY:
        problems.append(
            Problem(
                "domain_company",
                N_("Companies add people by invitation only, not by e-mail domain."),
                field,
            )
        )
    return problems


def email_in_domain(email: str, domain: str) -> bool:
    """The address's host is the domain itself or one of its subdomains (``chem.unival.example``)."""
    host = email.rpartition("@")[2].lower()
    return host == domain or host.endswith("." + domain)
