"""Pure rules of placements: an offer, eligibility, an application, selection, signatures,
check-ins and completion. No Flask, no session, no clock: ``now`` and the facts are parameters;
each returns every problem found."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from innocore.clock import local_date
from innocore.errors import Problem
from innocore.marks import N_, T_
from innocore.rules import text_problems as _text
from innocore.vocab import UserCategory
from training.placements.models import PlacementApplicationStatus as S

MAX_OUTCOMES = 20


@dataclass(frozen=True)
class Offer:
    title: str
    description: str
    learning_outcomes: Sequence[str]
    starts_on: date | None
    ends_on: date | None
    hours_per_week: int | None
    stipend_eur_month: Decimal | None
    places: int | None
    applications_close_at: datetime | None
    min_eqf_level: int | None
    user_categories: Sequence[str]


# An offer has a title, a description, 1 to 20 learning outcomes, a period starting after the
# application deadline (itself in the future), 1 to 48 hours a week, a stipend of 0 to 100000 EUR,
# 1 to 100 places, an EQF level from 1 to 8 if any, and known user categories.
def offer_problems(o: Offer, now: datetime, zone: str = "UTC") -> list[Problem]:
    out = _text(o.title, "title", "title", 200) + _text(
        o.description, "description", "description", 20_000
    )
    outcomes = [x for x in o.learning_outcomes if (x or "").strip()]
    if not 1 <= len(outcomes) <= MAX_OUTCOMES or any(len(x) > 300 for x in outcomes):
        out.append(
            Problem(
                "outcomes",
                T_(
                    "List 1 to %(max_outcomes)s learning outcomes (300 characters each).",
                    max_outcomes=MAX_OUTCOMES,
                ),
                "learning_outcomes",
            )
        )
    if o.starts_on is None or o.ends_on is None or o.ends_on < o.starts_on:
        out.append(
            Problem(
                "period", N_("Give the period: the end must be on or after the start."), "ends_on"
            )
        )
    if o.applications_close_at is None or o.applications_close_at <= now:
        out.append(
            Problem(
                "deadline",
                N_("The application deadline must be in the future."),
                "applications_close_at",
            )
        )
    elif o.starts_on is not None and o.starts_on < local_date(o.applications_close_at, zone):
        out.append(
            Problem(
                "starts_before_deadline",
                N_("The placement starts after applications close."),
                "starts_on",
            )
        )
    if o.hours_per_week is None or not 1 <= o.hours_per_week <= 48:
        out.append(Problem("hours", N_("From 1 to 48 hours a week."), "hours_per_week"))
    stipend = o.stipend_eur_month
    if stipend is None or not stipend.is_finite() or not 0 <= stipend <= 100_000:
        out.append(
            Problem("stipend", N_("The stipend is 0 to 100000 EUR a month."), "stipend_eur_month")
        )
    if o.places is None or not 1 <= o.places <= 100:
        out.append(Problem("places", N_("From 1 to 100 places."), "places"))
    if o.min_eqf_level is not None and not 1 <= o.min_eqf_level <= 8:
        out.append(Problem("eqf", N_("EQF levels go from 1 to 8."), "min_eqf_level"))
    known = {c.value for c in UserCategory}
    if any(c not in known for c in o.user_categories):
        out.append(Problem("category", N_("Choose among the user categories."), "user_categories"))
    return out


@dataclass(frozen=True)
class Eligibility:
    min_eqf_level: int | None
    declared_eqf_level: int | None
    needed: Sequence[tuple[int, int, str]]  # competence id, level, title
    held: Mapping[int, int]  # competence id -> highest level held now (valid certificates)
    categories: Sequence[str]  # empty: everyone
    category: UserCategory


# An applicant declares an EQF level at least the offer's minimum, holds every needed competence
# at its level now, and is of one of the offer's user categories (if it names any).
def eligibility_problems(e: Eligibility) -> list[Problem]:
    out = []
    if e.min_eqf_level is not None and (e.declared_eqf_level or 0) < e.min_eqf_level:
        out.append(
            Problem(
                "eqf_level",
                T_(
                    "This placement asks for EQF level %(min_eqf_level)s or above.",
                    min_eqf_level=e.min_eqf_level,
                ),
                "eqf_level",
            )
        )
    missing = [f"{title} (level {lv})" for cid, lv, title in e.needed if e.held.get(cid, 0) < lv]
    if missing:
        out.append(
            Problem(
                "competences",
                T_("You need a valid certificate for: %(missing)s.", missing=", ".join(missing)),
            )
        )
    if e.categories and e.category.value not in e.categories:
        out.append(
            Problem(
                "category",
                T_(
                    "This placement is not open to %(category)s users.",
                    category=e.category.label.lower(),
                ),
            )
        )
    return out


@dataclass(frozen=True)
class ApplicationFacts:
    close_at: datetime
    already_applied: bool
    selected: int
    places: int
    supervisor_known: bool
    supervisor_is_self: bool
    is_host: bool
    motivation: str


# One applies before the deadline, once, while places remain, not to one's own offer, naming a
# home supervisor who is another InnoCore user.
def application_problems(f: ApplicationFacts, now: datetime) -> list[Problem]:
    out = []
    if now >= f.close_at:
        out.append(Problem("deadline_passed", N_("Applications to this placement have closed.")))
    if f.already_applied:
        out.append(Problem("already_applied", N_("You already applied to this placement.")))
    if f.selected >= f.places:
        out.append(Problem("no_places", N_("Every place of this placement is taken.")))
    if f.is_host:
        out.append(Problem("own_offer", N_("You cannot apply to a placement you host.")))
    if not f.supervisor_known:
        out.append(
            Problem(
                "supervisor",
                N_("Your home supervisor must be an InnoCore user."),
                "supervisor_email",
            )
        )
    elif f.supervisor_is_self:
        out.append(
            Problem(
                "supervisor_self", N_("Your home supervisor is someone else."), "supervisor_email"
            )
        )
    return out + _text(f.motivation, "motivation", "motivation", 5000)


# The host selects or declines a submitted application, and selects no more than the places.
def selection_problems(current: S, select: bool, selected: int, places: int) -> list[Problem]:
    if current != S.SUBMITTED:
        return [Problem("decided", N_("This application was already decided."))]
    if select and selected >= places:
        return [Problem("no_places", T_("All %(places)s places are taken.", places=places))]
    return []


# Each party signs the learning agreement of a selected application once.
def sign_problems(status: S, already: bool) -> list[Problem]:
    if status != S.SELECTED:
        return [Problem("not_selected", N_("Only a selected placement's agreement is signed."))]
    if already:
        return [Problem("already_signed", N_("You already signed this agreement."))]
    return []


# Check-ins follow the signed agreement, give a progress from 0 to 100 % and a note.
def checkin_problems(status: S, signed: bool, progress, note: str) -> list[Problem]:
    out = []
    if status != S.SELECTED or not signed:
        out.append(Problem("not_running", N_("Check-ins start once all three parties signed.")))
    if not isinstance(progress, int) or isinstance(progress, bool) or not 0 <= progress <= 100:
        out.append(Problem("progress", N_("Progress is 0 to 100 %."), "progress_percent"))
    return out + _text(note, "note", "note", 5000)


# The host completes a running placement once, with an evaluation and a pass or not.
def completion_problems(status: S, signed: bool, evaluation: str) -> list[Problem]:
    out = []
    if status != S.SELECTED or not signed:
        out.append(Problem("not_running", N_("Complete a placement whose agreement all signed.")))
    return out + _text(evaluation, "evaluation", "evaluation", 5000)
