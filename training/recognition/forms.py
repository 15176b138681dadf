"""Parsing of recognition inputs shared by pages and the API: ids to rows, nothing else."""

from __future__ import annotations

import sqlalchemy as sa

from innocore.competences.models import Competence
from innocore.errors import NotFound
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.marks import N_


def as_int(value) -> int | None:
    """An integer from form text, or None (the rules then name the field)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if -(2**31) < number < 2**31 else None


def competence(value) -> Competence | None:
    number = as_int(value)
    return db.session.get(Competence, number) if number is not None else None


def facility_by_slug(slug: str) -> Facility:
    facility = db.session.scalar(sa.select(Facility).where(Facility.slug == slug))
    if facility is None:
        raise NotFound(N_("No such facility."))
    return facility


def facility_by_id(value) -> Facility:
    number = as_int(value)
    facility = db.session.get(Facility, number) if number is not None else None
    if facility is None:
        raise NotFound(N_("No such facility."))
    return facility
