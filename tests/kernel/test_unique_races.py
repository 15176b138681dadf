"""Two requests that both passed a service's "is this code free?" check: the database's unique
index refuses the second row, and ``flush_unique`` turns that into the same 422 problem the
check gives (PostgreSQL names the index; SQLite names an expression index or lists columns)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from innocore import groups
from innocore.db import unique_violated
from innocore.errors import DomainError
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.facilities.services import SLUG_TAKEN
from innocore.unique import flush_unique


def test_a_plain_unique_column_taken_meanwhile_is_its_problem(make_facility, db_session):
    first = make_facility(slug="imaging")
    db_session.commit()
    db.session.add(
        Facility(
            slug="imaging",
            name="Twin",
            institution_id=first.institution_id,
            timezone="UTC",
            contact_email="twin@example.org",
            created_at=groups.clock.now(),
        )
    )
    with pytest.raises(DomainError) as err:
        flush_unique([("uq_facility_slug", (Facility.slug,), SLUG_TAKEN)])
    assert err.value.problems == [SLUG_TAKEN] and err.value.status == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Facility)) >= 1  # usable


def test_an_expression_index_taken_meanwhile_is_its_problem(make_user, db_session):
    pi = make_user()
    groups.create_group(pi, "Cell Imaging")
    db_session.commit()
    db.session.add(
        groups.ResearchGroup(
            name="CELL imaging",
            organisation_id=pi.organisation_id,
            pi_id=pi.id,
            created_at=groups.clock.now(),
        )
    )
    with pytest.raises(DomainError) as err:
        flush_unique([("uq_research_group_org_name", (), groups.GROUP_NAME_TAKEN)])
    assert [p.code for p in err.value.problems] == ["name_taken"]


def test_another_integrity_error_is_not_mistaken_for_a_taken_code():
    exc = sa.exc.IntegrityError(
        "INSERT", {}, Exception("NOT NULL constraint failed: facility.name")
    )
    assert not unique_violated(exc, "uq_facility_slug", (Facility.slug,))
