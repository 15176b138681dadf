"""Reads: certificates as rule facts (with "use it or lose it"), lists for pages and the API."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, lazyload, selectinload

from innocore.competences.models import Competence
from innocore.errors import NotFound
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.marks import N_
from instruments.models import Booking, BookingStatus, Instrument
from training.certification import rules
from training.certification.models import Certificate, CertificateStatus

USED = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED)


def get_certificate(public_id: str) -> Certificate:
    cert = db.session.scalar(sa.select(Certificate).where(Certificate.public_id == public_id))
    if cert is None:
        raise NotFound(N_("No certificate with this id."))
    return cert


def last_uses(
    user_ids: Iterable[int], competence_ids: Iterable[int], before: datetime
) -> dict[tuple[int, int], datetime]:
    """(user, competence) -> start of the latest use of an instrument requiring it, before ``before``."""
    user_ids, competence_ids = list(user_ids), list(competence_ids)
    if not user_ids or not competence_ids:
        return {}
    rows = db.session.execute(
        sa.select(
            Booking.user_id, Instrument.required_competence_id, sa.func.max(Booking.starts_at)
        )
        .join(Instrument, Instrument.id == Booking.instrument_id)
        .where(
            Booking.user_id.in_(user_ids),
            Instrument.required_competence_id.in_(competence_ids),
            Booking.status.in_(USED),
            Booking.starts_at <= before,
        )
        .group_by(Booking.user_id, Instrument.required_competence_id)
    ).all()
    return {(u, c): _aware(t) for u, c, t in rows}


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


def facts_for(
    user_ids: Iterable[int],
    at: datetime,
    competence_ids: Iterable[int] | None = None,
    *,
    recognised: bool = True,
) -> dict[int, list[rules.CertFact]]:
    """Every certificate of these people as facts, ends shortened by lapses.

    With ``recognised`` (the default) the facts also carry what other facilities' declarations
    make of them (see ``set_recognised_facts``): the booking gate and path progress read both.

    Two queries at most per batch of ``FACT_BATCH`` people (one for a single person). They are
    Core selects of the needed columns on the session's connection: plain rows, no ORM identity
    map or instance loading, which cost more than the evaluation itself for thousands of people.
    """
    user_ids = list(user_ids)
    competence_ids = None if competence_ids is None else list(competence_ids)
    out: dict[int, list[rules.CertFact]] = {uid: [] for uid in user_ids}
    for i in range(0, len(user_ids), FACT_BATCH):
        _add_facts(out, user_ids[i : i + FACT_BATCH], at, competence_ids)
    extra = current_app.extensions.get(RECOGNISED_KEY) if recognised and user_ids else None
    if extra is not None:
        for uid, facts in extra(user_ids, at, competence_ids).items():
            out[uid].extend(facts)
    return out


RECOGNISED_KEY = "certification.recognised_facts"


def set_recognised_facts(app, fn) -> None:
    """Plug in ``fn(user_ids, at, competence_ids) -> {user_id: [CertFact]}``: facts a recognition
    derives from certificates (same id, status and dates as the certificate they come from, the
    recognising facility's competence and level). The recognition package provides it."""
    app.extensions[RECOGNISED_KEY] = fn


# Stays under SQLite's bound-parameter limit (32,766) and keeps PostgreSQL plans simple.
FACT_BATCH = 5_000
_CERT = Certificate.__table__
_COMP = Competence.__table__


def _add_facts(out: dict, user_ids: list[int], at: datetime, competence_ids: list[int] | None):
    stmt = sa.select(
        _CERT.c.id,
        _CERT.c.holder_id,
        _CERT.c.competence_id,
        _CERT.c.level,
        _CERT.c.module_id,
        _CERT.c.path_id,
        _CERT.c.status,
        _CERT.c.issued_at,
        _CERT.c.valid_until,
        _COMP.c.lapse_after_days,
    ).outerjoin(_COMP, _COMP.c.id == _CERT.c.competence_id)
    stmt = stmt.where(_CERT.c.holder_id.in_(user_ids))
    if competence_ids is not None:
        stmt = stmt.where(_CERT.c.competence_id.in_(competence_ids))
    rows = db.session.connection().execute(stmt).all()
    lapsing = {r.competence_id for r in rows if r.lapse_after_days}
    uses = (
        last_uses({r.holder_id for r in rows if r.lapse_after_days}, lapsing, at) if lapsing else {}
    )
    fact = rules.CertFact
    for cid, holder, competence, level, module, path, status, issued, until, lapse_days in rows:
        if lapse_days:
            lapse = rules.lapse_at(issued, uses.get((holder, competence)), lapse_days)
            until = rules.effective_until(until, lapse)
        out[holder].append(fact(cid, competence, level, module, path, status, issued, until))


def certificates_of(holder_id: int) -> list[Certificate]:
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .where(Certificate.holder_id == holder_id)
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )


def facility_certificates_stmt(facility_id: int, *, expiring_before: datetime | None = None):
    stmt = sa.select(Certificate).where(Certificate.facility_id == facility_id)
    if expiring_before is not None:
        stmt = stmt.where(
            Certificate.status == CertificateStatus.ACTIVE,
            Certificate.valid_until.is_not(None),
            Certificate.valid_until <= expiring_before,
        ).order_by(Certificate.valid_until)
    else:
        stmt = stmt.order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    return stmt


def listed_indexes(issuer_key: str) -> list[int]:
    """Status-list bits of an issuer: revoked certificates and those that lapsed early."""
    return sorted(
        db.session.scalars(
            sa.select(Certificate.status_index).where(
                Certificate.issuer_key == issuer_key, Certificate.listed_at.is_not(None)
            )
        )
    )


def suspended_indexes(issuer_key: str) -> list[int]:
    """Suspension-list bits of an issuer: its certificates suspended right now (reversible)."""
    return sorted(
        db.session.scalars(
            sa.select(Certificate.status_index).where(
                Certificate.issuer_key == issuer_key,
                Certificate.status == CertificateStatus.SUSPENDED,
            )
        )
    )


def standing_certificates(
    holder_id: int, competence_id: int, level: int, now: datetime, *, exclude_id: int | None = None
) -> list[str]:
    """Public ids of the holder's active or suspended certificates of a competence at a level
    whose validity has not ended (the expiry job may not have run yet)."""
    stmt = sa.select(Certificate.public_id).where(
        Certificate.holder_id == holder_id,
        Certificate.competence_id == competence_id,
        Certificate.level == level,
        Certificate.status.in_([CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED]),
        sa.or_(Certificate.valid_until.is_(None), Certificate.valid_until > now),
    )
    if exclude_id is not None:
        stmt = stmt.where(Certificate.id != exclude_id)
    return list(db.session.scalars(stmt.order_by(Certificate.issued_at.desc())))


def standing_certificate_id(
    holder_id: int, competence_id: int, level: int, now: datetime
) -> int | None:
    """Id of the newest of the holder's standing certificates of a competence at a level (see
    ``standing_certificates``), or None."""
    return db.session.scalar(
        sa.select(Certificate.id)
        .where(
            Certificate.holder_id == holder_id,
            Certificate.competence_id == competence_id,
            Certificate.level == level,
            Certificate.status.in_([CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED]),
            sa.or_(Certificate.valid_until.is_(None), Certificate.valid_until > now),
        )
        .order_by(Certificate.issued_at.desc())
        .limit(1)
    )


def replacement_of(cert: Certificate) -> Certificate | None:
    return db.session.scalar(sa.select(Certificate).where(Certificate.replaces_id == cert.id))


def replaced_ids(certs: Iterable[Certificate]) -> set[int]:
    """Which of these certificates a renewal superseded (one query)."""
    ids = [c.id for c in certs]
    if not ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(Certificate.replaces_id).where(Certificate.replaces_id.in_(ids))
        )
    )


def assessments_awaiting(facility_id: int, limit: int = 50) -> list:
    """(assessment, learner, module): latest passes at the facility that have no certificate yet."""
    from innocore.accounts.models import User
    from training.models import (
        Assessment,
        AssessmentOutcome,
        Enrolment,
        TrainingModule,
        TrainingSession,
    )

    latest = sa.select(sa.func.max(Assessment.id)).group_by(Assessment.enrolment_id)
    return db.session.execute(
        sa.select(Assessment, User, TrainingModule)
        .join(Enrolment, Enrolment.id == Assessment.enrolment_id)
        .join(TrainingSession, TrainingSession.id == Enrolment.session_id)
        .join(User, User.id == Assessment.user_id)
        .join(TrainingModule, TrainingModule.id == Assessment.module_id)
        .where(
            TrainingSession.facility_id == facility_id,
            Assessment.id.in_(latest),
            Assessment.outcome == AssessmentOutcome.PASSED,
            ~sa.exists().where(Certificate.assessment_id == Assessment.id),
        )
        .order_by(Assessment.recorded_at.desc())
        .limit(limit)
    ).all()


def routes_to(wanted: dict[int, int], now: datetime) -> dict[int, list[tuple]]:
    """Competence -> [(module, [upcoming sessions])] of published modules awarding it at the level."""
    from training.models import ModuleStatus, TrainingModule

    if not wanted:
        return {}
    modules = db.session.scalars(
        sa.select(TrainingModule)
        .options(*_module_options(TrainingModule))
        .where(
            TrainingModule.competence_id.in_(list(wanted)),
            TrainingModule.status == ModuleStatus.PUBLISHED,
        )
        .order_by(TrainingModule.title)
    ).all()
    modules = [m for m in modules if m.level_awarded >= wanted[m.competence_id]]
    sessions = sessions_open([m.id for m in modules], now)
    out: dict[int, list[tuple]] = defaultdict(list)
    for m in modules:
        out[m.competence_id].append((m, sessions.get(m.id, [])))
    return dict(out)


def _module_options(TrainingModule) -> tuple:  # noqa: N803 (the class, imported late)
    """Load what a list of modules shows, not their prerequisites or level names."""
    return (
        lazyload(TrainingModule.prerequisites),
        joinedload(TrainingModule.competence).lazyload(Competence.levels),
    )


def sessions_open(module_ids, now: datetime) -> dict[int, list]:
    """Module -> scheduled sessions still open for enrolment, soonest first (one query + parts)."""
    from training.models import SessionStatus, TrainingModule, TrainingSession

    if not module_ids:
        return {}
    rows = db.session.scalars(
        sa.select(TrainingSession)
        .options(
            lazyload(TrainingSession.trainers),
            joinedload(TrainingSession.module).options(*_module_options(TrainingModule)),
            joinedload(TrainingSession.facility).lazyload(Facility.technology_rows),
            selectinload(TrainingSession.parts),
        )
        .where(
            TrainingSession.module_id.in_(list(module_ids)),
            TrainingSession.status == SessionStatus.SCHEDULED,
            TrainingSession.enrol_closes_at > now,
        )
        .order_by(TrainingSession.enrol_closes_at)
    ).all()
    out: dict[int, list] = defaultdict(list)
    for s in rows:
        out[s.module_id].append(s)
    return dict(out)


def states_now(certs: Iterable[Certificate], now: datetime | None = None) -> dict[int, str]:
    """Each certificate's status as read now, by id: the one place pages, the API, the PDF and
    the verification page take a certificate's status from.

    Derived from the stored status *and* the dates at read time (``rules.public_status``): a
    certificate whose end has passed reads "expired" even before the nightly job marks it, one
    renewed reads "superseded". Values: valid, expired, superseded, suspended, revoked,
    not yet valid. ``now`` is a UTC instant (default: the clock). One query for renewals.
    """
    from innocore import clock

    certs = list(certs)
    at = now or clock.now()
    replaced = replaced_ids(certs)
    return {
        c.id: rules.public_status(
            c.status, c.issued_at, c.valid_until, at, superseded=c.id in replaced
        )
        for c in certs
    }


def state_now(cert: Certificate, now: datetime | None = None) -> str:
    """One certificate's status as read now (see ``states_now``)."""
    return states_now([cert], now)[cert.id]
