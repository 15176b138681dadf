"""Which competences (at which level) and modules a person holds.

The one place that answers "does this person hold competence X at level L?" for training:
- a competence is held at level L while a certificate at level L is valid now (issued, not
  suspended, revoked or expired, and not lapsed for want of use): certificates are the proof;
- a module is completed once the latest assessment of an enrolment in it is a pass (history does
  not expire), or when a certificate records it (recognition of prior learning).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from innocore import clock
from innocore.extensions import db
from training.certification.models import CertificateStatus
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
    """Holdings of several people, in a constant number of queries."""
    from training.certification.queries import facts_for
    from training.certification.rules import is_valid_at

    out = {uid: Holdings() for uid in user_ids}
    if not user_ids:
        return out
    for user_id, module_id, _competence_id, _level in _latest_results(user_ids):
        out[user_id].modules.add(module_id)
    now = clock.now()
    for user_id, facts in facts_for(user_ids, now).items():
        held = out[user_id]
        for fact in facts:
            if fact.module_id is not None and fact.status != CertificateStatus.REVOKED:
                held.modules.add(fact.module_id)
            if fact.competence_id is not None and fact.level and is_valid_at(fact, now):
                held.competences[fact.competence_id] = max(
                    held.competences.get(fact.competence_id, 0), fact.level
                )
    return out


def holdings_for(user) -> Holdings:
    """Holdings of one person (empty for anonymous visitors)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Holdings()
    return holdings_for_many([user.id])[user.id]
