"""The booking gate: training's answer to instruments' eligibility question (the one seam).

The rule: a booking needing competence C at level L is allowed iff SOME certificate of C at level
L or above is valid for the whole booking. ``instruments`` asks once, at the booking's start, and
then calls ``Eligibility.meets(L, end)``. One (level, end) per competence cannot answer that: a
level-3 certificate ending tomorrow would hide a level-2 one valid for a year. So the answer is a
``CertifiedEligibility``: the usual headline (highest level held, latest end at that level, what
the catalog filters and out-of-hours checks read) plus every (level, end) held, which ``meets``
consults. It is a drop-in subclass, so ``instruments`` needs no change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Flask

from innocore import clock
from innocore.marks import T_, as_message
from instruments.eligibility import (
    Eligibility,
    TrainingRoute,
    set_eligibility_provider,
    set_shortfall_explainer,
    set_training_routes,
)
from training.certification import queries, rules


@dataclass(frozen=True)
class CertifiedEligibility(Eligibility):
    """What certificates say a user holds of one competence at one instant, level by level."""

    holdings: tuple[rules.Holding, ...] = ()

    def meets(self, level: int | None, until: datetime | None = None) -> bool:
        """Some certificate at ``level`` or above is valid from the instant asked until ``until``."""
        return self.holds and rules.holdings_cover(self.holdings, level, until)


def eligibility_from(holdings: tuple[rules.Holding, ...]) -> Eligibility:
    """The answer for these holdings (pure): nobody holds anything without one."""
    if not holdings:
        return Eligibility()
    level = holdings[0][0]
    ends = [end for held, end in holdings if held == level]
    until = None if any(e is None for e in ends) else max(ends)
    return CertifiedEligibility(holds=True, level=level, valid_until=until, holdings=holdings)


def certified_eligibility(user_id: int, competence_id: int, at: datetime) -> Eligibility:
    """What certificates say the user holds of ``competence_id`` at ``at`` (two queries at most)."""
    facts = queries.facts_for([user_id], at, [competence_id])[user_id]
    return eligibility_from(rules.holdings_at(facts, competence_id, at))


def booking_explanation(
    user_id: int, competence_id: int, level: int | None, starts, ends, now, zone: str = "UTC"
):
    """Plain problems for a booking and, when lacking, the modules and sessions that lead there."""
    facts = queries.facts_for([user_id], starts, [competence_id])[user_id]
    problems = rules.booking_problems(facts, competence_id, level, starts, ends, zone)
    routes = queries.routes_to({competence_id: level or 1}, now) if problems else {}
    return problems, routes.get(competence_id, [])


def shortfall(
    user_id: int, competence_id: int, level: int | None, starts, ends, zone: str = "UTC"
) -> str | None:
    """Why certificates do not cover this booking, and which training leads there (one sentence
    each), for the booking form and the API's 422; dates in the facility's ``zone``."""
    problems, routes = booking_explanation(
        user_id, competence_id, level, starts, ends, clock.now(), zone
    )
    if not problems:
        return None
    titles = [module.title for module, _sessions in routes][:3]
    reason = as_message(problems[0].message)
    if titles:
        return T_(
            "%(reason)s Training that leads there: %(titles)s. Facility staff may book for you "
            "meanwhile.",
            reason=reason,
            titles=", ".join(titles),
        )
    return T_("%(reason)s Facility staff may book for you meanwhile.", reason=reason)


def training_routes(competence_id: int, level: int, now) -> list[TrainingRoute]:
    """Published modules awarding ``competence_id`` at ``level`` or above, each with its next
    session open for enrolment (UTC instant, or None), modules with a session first."""
    from flask import url_for

    routes = queries.routes_to({competence_id: level or 1}, now).get(competence_id, [])
    out = [
        TrainingRoute(
            module.title,
            url_for("training.module_page", module_id=module.id),
            min((s.starts_at for s in sessions if s.starts_at), default=None),
        )
        for module, sessions in routes
    ]
    far = now.replace(year=now.year + 100)
    return sorted(out, key=lambda r: (r.next_session_at or far, r.title))


def register(app: Flask) -> None:
    set_eligibility_provider(app, certified_eligibility)
    set_shortfall_explainer(app, shortfall)
    set_training_routes(app, training_routes)
