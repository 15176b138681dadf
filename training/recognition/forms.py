"""Parsing of recognition inputs shared by pages and the API: ids to rows, nothing else."""

from __future__ import annotations

import sqlalchemy as sa

from innocore.competences.models import Competence
from innocore.errors import NotFound
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.forms import as_int


def competence(value) -> Competence | None:
    number = as_int(value)
    return db.session.get(Competence, number) if number is not None else None


def facility_by_slug(slug: str) -> Facility:
    facility = db.session.scalar(sa.select(Facility).where(Facility.slug == slug))
    if facility is None:
        raise NotFound("No such facility.")
    return facility


def facility_by_id(value) -> Facility:
    number = as_int(value)
    facility = db.session.get(Facility, number) if number is not None else None
    if facility is None:
        raise NotFound("No such facility.")
    return facility
