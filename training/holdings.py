"""Which competences (at which level) and modules a person holds.

The one place that answers "does this person hold competence X at level L?". Until certificates
exist, a person holds what their latest assessment of a module says: a pass at level L of a module
awarding competence X counts as holding X at L. Certificates (issue 5) replace this function.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from innocore.extensions import db
from training.models import Assessment, AssessmentOutcome


@dataclass
class Holdings:
    competences: dict[int, int] = field(default_factory=dict)  # competence id -> highest level
    modules: set[int] = field(default_factory=set)  # modules passed


def _latest_results(user_ids: list[int]):
    """The newest assessment per (person, enrolment): corrections supersede older rows."""
    latest = (
        sa.select(sa.func.max(Assessment.id))
        .where(Assessment.user_id.in_(user_ids))
        .group_by(Assessment.enrolment_id)
    )
    return db.session.execute(
        sa.select(
            Assessment.user_id,
            Assessment.module_id,
            Assessment.competence_id,
            Assessment.level_reached,
        ).where(Assessment.id.in_(latest), Assessment.outcome == AssessmentOutcome.PASSED)
    ).all()


def holdings_for_many(user_ids: list[int]) -> dict[int, Holdings]:
    """Holdings of several people in one query."""
    out = {uid: Holdings() for uid in user_ids}
    if not user_ids:
        return out
    for user_id, module_id, competence_id, level in _latest_results(user_ids):
        h = out[user_id]
        h.modules.add(module_id)
        h.competences[competence_id] = max(h.competences.get(competence_id, 0), level or 0)
    return out


def holdings_for(user) -> Holdings:
    """Holdings of one person (empty for anonymous visitors)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Holdings()
    return holdings_for_many([user.id])[user.id]
