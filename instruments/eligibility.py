"""The one seam between scheduling and certification.

A booking asks "does this user hold competence C, at what level, until when, at instant T?".
This package defines the question and the answer (``Eligibility``); ``create_app`` plugs in the
function that answers it (the training package), so ``instruments`` never imports ``training``.
Until something is plugged in, nobody holds any competence (fail closed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app

EXTENSION_KEY = "instruments.eligibility_provider"


@dataclass(frozen=True)
class Eligibility:
    """What a user holds of one competence at one instant."""

    holds: bool = False
    level: int | None = None
    valid_until: datetime | None = None

    def meets(self, level: int | None, until: datetime | None = None) -> bool:
        """Holds the competence at ``level`` or above, still valid at ``until``."""
        if not self.holds:
            return False
        if level is not None and (self.level or 0) < level:
            return False
        return not (until is not None and self.valid_until is not None and self.valid_until < until)


NOBODY = Eligibility()

# provider(user_id, competence_id, at) -> Eligibility
Provider = Callable[[int, int, datetime], Eligibility]


def nobody_holds_anything(user_id: int, competence_id: int, at: datetime) -> Eligibility:
    """The default provider: fail closed until certification is wired in."""
    return NOBODY


def set_eligibility_provider(app: Flask, fn: Provider) -> None:
    """Plug in the function that answers the eligibility question (called from create_app)."""
    app.extensions[EXTENSION_KEY] = fn


def eligibility_of(user_id: int, competence_id: int | None, at: datetime) -> Eligibility:
    """Ask the plugged-in provider; an instrument without required competence needs none."""
    if competence_id is None:
        return Eligibility(holds=True)
    provider = current_app.extensions.get(EXTENSION_KEY, nobody_holds_anything)
    return provider(user_id, competence_id, at)


EXPLAINER_KEY = "instruments.shortfall_explainer"

# explainer(user_id, competence_id, level, starts_at, ends_at, zone) -> a plain sentence, or None;
# dates in it are wall-clock times of ``zone`` (the instrument's facility).
Explainer = Callable[[int, int, int | None, datetime, datetime, str], str | None]


def set_shortfall_explainer(app: Flask, fn: Explainer) -> None:
    """Plug in the function that says, in plain words, why a booking lacks the competence and
    what leads there (the certification package provides it)."""
    app.extensions[EXPLAINER_KEY] = fn


def explain_shortfall(
    user_id: int,
    competence_id: int,
    level: int | None,
    starts_at: datetime,
    ends_at: datetime,
    zone: str = "UTC",
) -> str | None:
    """The plugged-in explanation, or None (the generic message stands)."""
    explainer = current_app.extensions.get(EXPLAINER_KEY)
    if explainer is None:
        return None
    return explainer(user_id, competence_id, level, starts_at, ends_at, zone)


ROUTES_KEY = "instruments.training_routes"


@dataclass(frozen=True)
class TrainingRoute:
    """A training that leads to a competence: its title, its page, its next open session."""

    title: str
    url: str
    next_session_at: datetime | None = None


# routes(competence_id, level, now) -> [TrainingRoute, ...], soonest session first.
RoutesFn = Callable[[int, int, datetime], list[TrainingRoute]]


def set_training_routes(app: Flask, fn: RoutesFn) -> None:
    """Plug in the function listing the training that leads to a competence (training does)."""
    app.extensions[ROUTES_KEY] = fn


def training_routes(competence_id: int, level: int, now: datetime) -> list[TrainingRoute]:
    """The plugged-in training routes to ``competence_id`` at ``level``; none until plugged."""
    fn = current_app.extensions.get(ROUTES_KEY)
    return fn(competence_id, level, now) if fn is not None else []
