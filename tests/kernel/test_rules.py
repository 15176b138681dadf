"""Pure kernel rules, table-driven."""

import pytest

from innocore.accounts.rules import password_problems, user_category
from innocore.clock import is_valid_timezone
from innocore.competences.rules import competence_problems, parse_levels
from innocore.facilities.rules import facility_problems
from innocore.vocab import OrganisationKind, UserCategory


@pytest.mark.parametrize(
    ("org_id", "kind", "facility_institution", "verified", "expected"),
    [
        (1, OrganisationKind.UNIVERSITY, 1, True, UserCategory.INTERNAL),
        (1, OrganisationKind.UNIVERSITY, 1, False, UserCategory.EXTERNAL_ACADEMIC),
        (2, OrganisationKind.UNIVERSITY, 1, True, UserCategory.EXTERNAL_ACADEMIC),
        (2, OrganisationKind.RESEARCH_INSTITUTE, 1, True, UserCategory.EXTERNAL_ACADEMIC),
        (2, OrganisationKind.HOSPITAL, 1, False, UserCategory.EXTERNAL_ACADEMIC),
        (2, OrganisationKind.OTHER, 1, True, UserCategory.EXTERNAL_ACADEMIC),
        (3, OrganisationKind.COMPANY, 1, True, UserCategory.INDUSTRY),
        (3, OrganisationKind.COMPANY, 1, False, UserCategory.INDUSTRY),
    ],
)
def test_user_category_is_derived_from_verified_organisation(
    org_id, kind, facility_institution, verified, expected
):
    assert user_category(org_id, kind, facility_institution, verified=verified) == expected


@pytest.mark.parametrize(
    ("password", "codes"),
    [
        ("a sensible passphrase", set()),
        ("short", {"password_too_short"}),
        ("password123", {"password_common"}),
        ("aaaaaaaaaaaa", {"password_common"}),
        ("x" * 201, {"password_too_long", "password_common"}),
        ("paula-secret-99", {"password_personal"}),
        ("Paula Student 2026", {"password_personal"}),
    ],
)
def test_password_problems_lists_every_problem(password, codes):
    found = {
        p.code for p in password_problems(password, email="paula@uni.example", name="Paula Student")
    }
    assert found == codes


@pytest.mark.parametrize(
    ("zone", "ok"),
    [
        ("Europe/Rome", True),
        ("America/Sao_Paulo", True),
        ("UTC", True),
        ("Mars/Olympus", False),
        ("", False),
        ("../../etc/passwd", False),
        ("/etc/localtime", False),
        (" Europe/Rome", False),
    ],
)
def test_timezone_validation(zone, ok):
    assert is_valid_timezone(zone) is ok


def test_facility_problems_are_all_reported_at_once():
    codes = {
        p.code
        for p in facility_problems(slug="Bad Slug", name=" ", timezone="X/Y", contact_email="none")
    }
    assert codes == {"invalid_slug", "required", "invalid_timezone", "invalid_email"}


def test_parse_levels_numbers_lines_from_one():
    assert parse_levels("Assisted\n\n Independent \nTrainer\n") == [
        (1, "Assisted"),
        (2, "Independent"),
        (3, "Trainer"),
    ]


@pytest.mark.parametrize(
    ("kwargs", "codes"),
    [
        ({}, set()),
        ({"code": "bad code"}, {"invalid_code"}),
        ({"levels": []}, {"invalid_levels"}),
        ({"levels": [(1, "a"), (3, "c")]}, {"invalid_levels"}),
        ({"esco_uri": "http://example.org/skill"}, {"invalid_esco"}),
        ({"validity_months": 0}, {"invalid_validity"}),
        ({"lapse_after_days": 99999}, {"invalid_lapse"}),
    ],
)
def test_competence_problems(kwargs, codes):
    args = {
        "code": "IMG.CLSM",
        "title": "Confocal",
        "levels": [(1, "Assisted"), (2, "Alone")],
        "esco_uri": None,
        "validity_months": 24,
        "lapse_after_days": None,
    } | kwargs
    assert {p.code for p in competence_problems(**args)} == codes
