"""Catalog use cases: managers create and edit instruments, their policy, hours, rates and photo."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from pathlib import Path

from flask import current_app

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.competences.models import Competence
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.vocab import Technology, UserCategory
from instruments.models import ApprovalMode, Instrument, InstrumentStatus, OpeningHours, Rate
from instruments.permissions import can_create_instrument, can_manage_instrument
from instruments.rules import LIMIT_MAX, LIMITS, Limits

MAX_PHOTO_BYTES = 2 * 1024 * 1024
PHOTO_TYPES = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg"}


@dataclass(frozen=True)
class InstrumentData(Limits):
    """What a manager gives for an instrument: its description, who may book, its booking
    ``Limits``, opening hours (weekday 0 = Monday, opens, closes) and hourly rates in EUR."""

    name: str
    technology: Technology
    model: str = ""
    description: str = ""
    location: str = ""
    status: InstrumentStatus = InstrumentStatus.AVAILABLE
    required_competence_id: int | None = None
    required_level: int | None = None
    approval_mode: ApprovalMode = ApprovalMode.NONE
    out_of_hours_level: int | None = None
    opening: list[tuple[int, time, time]] = field(default_factory=list)
    rates: dict[UserCategory, Decimal] = field(default_factory=dict)


def instrument_problems(data: InstrumentData, competence: Competence | None) -> list[Problem]:
    """An instrument has a name, sensible limits, a real required level and valid opening hours."""
    problems = []
    if not data.name.strip() or len(data.name) > 200:
        problems.append(Problem("name_required", "Give a name of up to 200 characters.", "name"))
    for name in LIMITS:
        value = getattr(data, name)
        if value is not None and not 0 <= value <= LIMIT_MAX:
            problems.append(Problem("out_of_range", f"Use a number from 0 to {LIMIT_MAX}.", name))
    if data.slot_minutes is not None and not 1 <= data.slot_minutes <= 1440:
        problems.append(Problem("out_of_range", "A slot is 1 to 1440 minutes.", "slot_minutes"))
    if data.min_minutes and data.max_minutes and data.min_minutes > data.max_minutes:
        msg = "The shortest booking is longer than the longest."
        problems.append(Problem("min_above_max", msg, "min_minutes"))
    if data.required_competence_id is not None and competence is None:
        msg = "Choose an existing competence."
        problems.append(Problem("unknown_competence", msg, "required_competence_id"))
    if competence is not None:
        levels = {lvl.level for lvl in competence.levels}
        if data.required_level is not None and data.required_level not in levels:
            msg = "Choose one of the competence's levels."
            problems.append(Problem("unknown_level", msg, "required_level"))
    for day, opens, closes in data.opening:
        if not 0 <= day <= 6 or closes <= opens:
            msg = "Each opening window closes after it opens, on a weekday."
            problems.append(Problem("bad_opening", msg, "opening"))
            break
    if any(v < 0 for v in data.rates.values()):
        problems.append(Problem("negative_rate", "Rates cannot be negative.", "rates"))
    return problems


def _apply(instrument: Instrument, data: InstrumentData) -> None:
    for name in (
        "name",
        "technology",
        "model",
        "description",
        "location",
        "status",
        "required_competence_id",
        "required_level",
        "approval_mode",
        "out_of_hours_level",
        *LIMITS,
    ):
        setattr(instrument, name, getattr(data, name))
    if data.required_competence_id is None:
        instrument.required_level = None
    instrument.opening_hours = [
        OpeningHours(weekday=d, opens=o, closes=c) for d, o, c in data.opening
    ]
    instrument.rates = [Rate(category=k, hourly=v) for k, v in sorted(data.rates.items())]
    instrument.updated_at = clock.now()


def _validate(data: InstrumentData) -> None:
    competence = None
    if data.required_competence_id is not None:
        competence = db.session.get(Competence, data.required_competence_id)
    problems = instrument_problems(data, competence)
    if problems:
        raise DomainError(problems)


def create_instrument(actor: User, facility_id: int, data: InstrumentData) -> Instrument:
    """A facility manager adds an instrument to the catalog."""
    facility = db.session.get(Facility, facility_id)
    if facility is None:
        raise NotFound("No such facility.")
    if not can_create_instrument(actor, facility):
        raise Forbidden("Only the facility's managers add instruments.")
    _validate(data)
    instrument = Instrument(facility=facility, created_at=clock.now())
    _apply(instrument, data)
    db.session.add(instrument)
    db.session.flush()
    audit.record(
        actor, "instrument.create", instrument, audit.snapshot(instrument), facility_id=facility.id
    )
    return instrument


def update_instrument(actor: User, instrument: Instrument, data: InstrumentData) -> Instrument:
    """A facility manager edits an instrument (policy, hours and rates replaced as a whole)."""
    if not can_manage_instrument(actor, instrument):
        raise Forbidden("Only the facility's managers edit instruments.")
    _validate(data)
    _apply(instrument, data)
    audit.record(
        actor,
        "instrument.update",
        instrument,
        audit.changes_of(instrument),
        facility_id=instrument.facility_id,
    )
    return instrument


def photo_dir() -> Path:
    return Path(current_app.instance_path) / "instrument_photos"


def save_photo(actor: User, instrument: Instrument, content: bytes) -> str:
    """Store an uploaded PNG or JPEG (checked by its bytes, at most 2 MB) in the instance folder."""
    if not can_manage_instrument(actor, instrument):
        raise Forbidden("Only the facility's managers change the photo.")
    if len(content) > MAX_PHOTO_BYTES:
        raise DomainError(Problem("photo_too_large", "Upload a photo of at most 2 MB.", "photo"))
    kind = next((ext for magic, ext in PHOTO_TYPES.items() if content.startswith(magic)), None)
    if kind is None:
        raise DomainError(Problem("photo_type", "Upload a PNG or JPEG image.", "photo"))
    folder = photo_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{instrument.id}-{secrets.token_hex(8)}.{kind}"
    (folder / name).write_bytes(content)
    old, instrument.photo = instrument.photo, name
    audit.record(
        actor,
        "instrument.photo",
        instrument,
        {"photo": [old, name]},
        facility_id=instrument.facility_id,
    )
    return name
