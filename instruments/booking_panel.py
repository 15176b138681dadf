""" "May I book this?" in plain words, for the instrument page and the catalog.

Read through the eligibility seam (``instruments.eligibility``): whether the person holds the
instrument's required competence at its level now, and, when not, the training that leads there
with its next session. Writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from instruments.eligibility import TrainingRoute, eligibility_of, training_routes
from instruments.models import Instrument, InstrumentStatus


@dataclass(frozen=True)
class BookingPanel:
    """What the panel says: ``state`` is "sign_in", "may_book", "needs" or "unavailable"."""

    state: str
    heading: str
    detail: str = ""
    routes: list[TrainingRoute] = field(default_factory=list)


def booking_panel(user, instrument: Instrument, now: datetime) -> BookingPanel:
    """The panel of ``instrument`` for ``user`` at ``now`` (a UTC instant)."""
    if instrument.status in (InstrumentStatus.DOWN, InstrumentStatus.RETIRED):
        return BookingPanel(
            "unavailable", f"Not bookable: the instrument is {instrument.status.label.lower()}."
        )
    competence, level = instrument.required_competence, instrument.required_level
    if not getattr(user, "is_authenticated", False):
        need = f" It needs {competence.title} at level {level or 1}." if competence else ""
        return BookingPanel("sign_in", "Sign in to book this instrument." + need)
    if competence is None:
        return BookingPanel("may_book", "You may book this.", "No certificate is needed.")
    held = eligibility_of(user.id, competence.id, now)
    wanted = level or 1
    named = f"{competence.title} at level {wanted} (“{competence.level_name(wanted)}”)"
    if held.meets(wanted, now):
        until = f", valid until {held.valid_until:%d %b %Y}" if held.valid_until else ""
        return BookingPanel("may_book", "You may book this.", f"You hold {named}{until}.")
    have = f" You hold level {held.level}." if held.holds and held.level else ""
    return BookingPanel(
        "needs",
        f"You need {named}.",
        have + " Until you hold it, the facility's staff may book for you.",
        training_routes(competence.id, wanted, now),
    )
