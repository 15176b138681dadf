"""Parsing of challenge inputs from pages: text to numbers, dates and instants, nothing else.
A value that does not parse becomes None, and the rules name the field."""

from __future__ import annotations

from datetime import date, datetime

from innocore.clock import day_end
from innocore.errors import DomainError, Problem
from innocore.forms import as_int
from innocore.marks import N_
from training.challenges.services import TEXT_FIELDS, ChallengeInput, _facility


def as_date(value) -> date | None:
    try:
        day = date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        return None
    return day if 2000 <= day.year <= 2200 else None


def close_instant(day: date | None, zone: str) -> datetime | None:
    """Applications close at the end of ``day`` in the host facility's zone (``clock.day_end``:
    its last second, so every page shows the day typed)."""
    return None if day is None else day_end(day, zone)


def needs(form) -> list[tuple[int, int]]:
    """Pairs from ``competence_id`` and ``competence_level`` lists (blank rows skipped)."""
    out = []
    for cid, level in zip(
        form.getlist("competence_id"), form.getlist("competence_level"), strict=False
    ):
        if not str(cid).strip():
            continue
        c, lv = as_int(cid), as_int(level)
        if c is None or lv is None:
            raise DomainError(
                Problem("competence", N_("Give each competence with a level."), "competences")
            )
        out.append((c, lv))
    return out


def typed_dates(form, names) -> None:
    """Raise ``DomainError`` (422) naming each of ``names`` typed but not a date this form takes
    (``as_date``: 2000 to 2200), so the refusal says so rather than that the date is missing."""
    problems = [
        Problem("invalid_date", N_("Give a date between 2000 and 2200 (year-month-day)."), name)
        for name in names
        if str(form.get(name) or "").strip() and as_date(form.get(name)) is None
    ]
    if problems:
        raise DomainError(problems)


def challenge_input(form) -> ChallengeInput:
    typed_dates(form, ("closes_on", "starts_on", "ends_on"))
    facility_id = as_int(form.get("facility_id"))
    zone = _facility(facility_id).timezone
    return ChallengeInput(
        facility_id=facility_id,
        team_min=as_int(form.get("team_min")),
        team_max=as_int(form.get("team_max")),
        teams_wanted=as_int(form.get("teams_wanted")),
        applications_close_at=close_instant(as_date(form.get("closes_on")), zone),
        starts_on=as_date(form.get("starts_on")),
        ends_on=as_date(form.get("ends_on")),
        module_id=as_int(form.get("module_id")) if form.get("module_id") else None,
        account_id=as_int(form.get("account_id")) if form.get("account_id") else None,
        facility_ids=[i for i in map(as_int, form.getlist("facility_ids")) if i is not None],
        needs=needs(form),
        **{name: form.get(name, "") for name in TEXT_FIELDS},
    )
