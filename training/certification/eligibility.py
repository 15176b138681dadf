"""The booking gate: training's answer to instruments' eligibility question (the one seam).

A user holds competence C at the highest level certified by a certificate valid at the instant
asked, until the latest end among certificates at that level ("use it or lose it" included).
The instruments rules then require that end to be at or after the booking's end.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from instruments.eligibility import Eligibility, set_eligibility_provider
from training.certification import queries, rules


def certified_eligibility(user_id: int, competence_id: int, at: datetime) -> Eligibility:
    """What certificates say the user holds of ``competence_id`` at ``at`` (two queries at most)."""
    facts = queries.facts_for([user_id], at, [competence_id])[user_id]
    best = rules.best_holding(facts, competence_id, at)
    if best is None:
        return Eligibility()
    level, valid_until = best
    return Eligibility(holds=True, level=level, valid_until=valid_until)


def booking_explanation(user_id: int, competence_id: int, level: int | None, starts, ends, now):
    """Plain problems for a booking and, when lacking, the modules and sessions that lead there."""
    facts = queries.facts_for([user_id], starts, [competence_id])[user_id]
    problems = rules.booking_problems(facts, competence_id, level, starts, ends)
    routes = queries.routes_to({competence_id: level or 1}, now) if problems else {}
    return problems, routes.get(competence_id, [])


def register(app: Flask) -> None:
    set_eligibility_provider(app, certified_eligibility)
