""" "May I book this?" in plain words, for the instrument page and the catalog.

Read through the eligibility seam (``instruments.eligibility``): whether the person holds the
instrument's required competence at its level now, and, when not, the training that leads there
with its next session. Writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _

from innocore.clock import wall_text
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
            "unavailable",
            _("Not bookable: the instrument is down.")
            if instrument.status == InstrumentStatus.DOWN
            else _("Not bookable: the instrument is retired."),
        )
    competence, level = instrument.required_competence, instrument.required_level
    if not getattr(user, "is_authenticated", False):
        if competence is None:
            return BookingPanel("sign_in", _("Sign in to book this instrument."))
        return BookingPanel(
            "sign_in",
            _(
                "Sign in to book this instrument. It needs %(competence)s at level %(level)s.",
                competence=competence.title,
                level=level or 1,
            ),
        )
    if competence is None:
        return BookingPanel("may_book", _("You may book this."), _("No certificate is needed."))
    held = eligibility_of(user.id, competence.id, now)
    wanted = level or 1
    named = {
        "competence": competence.title,
        "level": wanted,
        "level_name": competence.level_name(wanted),
    }
    if held.meets(wanted, now):
        if held.valid_until:
            detail = _(
                "You hold %(competence)s at level %(level)s (“%(level_name)s”), valid until %(date)s.",
                date=wall_text(held.valid_until, "%d %b %Y"),
                **named,
            )
        else:
            detail = _("You hold %(competence)s at level %(level)s (“%(level_name)s”).", **named)
        return BookingPanel("may_book", _("You may book this."), detail)
    if held.holds and held.level:
        detail = _(
            "You hold level %(held)s. Until you hold it, the facility's staff may book for you.",
            held=held.level,
        )
    else:
        detail = _("Until you hold it, the facility's staff may book for you.")
    return BookingPanel(
        "needs",
        _("You need %(competence)s at level %(level)s (“%(level_name)s”).", **named),
        detail,
        training_routes(competence.id, wanted, now),
    )
