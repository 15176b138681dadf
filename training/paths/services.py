"""Qualification path use cases: define, progress, award. They flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from innocore import audit, clock
from innocore.competences.models import Competence
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db
from innocore.marks import N_
from innocore.unique import flush_unique
from training.certification import queries as cert_queries
from training.certification import services as cert_services
from training.certification.models import CertificateBasis
from training.certification.permissions import can_manage_paths
from training.models import ModuleKind, TrainingModule
from training.paths import rules
from training.paths.models import AwardMode, AwardStatus, PathAward, QualificationPath


@dataclass
class PathInput:
    code: str
    title: str
    description: str
    eqf_level: int | None
    requirements: dict
    award_mode: AwardMode


PATH_CODE_TAKEN = Problem("code_taken", N_("Another path has this code."), "code")


def catalog_for(refs: rules.Refs) -> rules.Catalog:
    """Titles and credits of everything a tree names: three queries, whatever its size. A
    module that is not a taught course says its kind in its title ("… (challenge-based
    learning)"), so path pages show how it is earned."""
    modules = {
        m.id: (m.title if m.kind == ModuleKind.COURSE else f"{m.title} ({m.kind.label})", m.ects)
        for m in db.session.execute(
            sa.select(
                TrainingModule.id, TrainingModule.title, TrainingModule.ects, TrainingModule.kind
            ).where(TrainingModule.id.in_(refs.modules or {0}))
        )
    }
    competences = dict(
        db.session.execute(
            sa.select(Competence.id, Competence.title).where(
                Competence.id.in_(refs.competences or {0})
            )
        ).all()
    )
    paths = dict(
        db.session.execute(
            sa.select(QualificationPath.id, QualificationPath.title).where(
                QualificationPath.id.in_(refs.paths or {0})
            )
        ).all()
    )
    return rules.Catalog(modules, competences, paths)


def _graph() -> dict[int, set[int]]:
    rows = db.session.execute(sa.select(QualificationPath.id, QualificationPath.requirements)).all()
    return {pid: rules.references(tree).paths for pid, tree in rows}


def _problems(data: PathInput, path_id: int) -> list[Problem]:
    problems = []
    if not data.code.strip() or len(data.code) > 40:
        problems.append(Problem("bad_code", N_("Give a code of at most 40 characters."), "code"))
    if not data.title.strip() or len(data.title) > 200:
        problems.append(
            Problem("bad_title", N_("Give a title of at most 200 characters."), "title")
        )
    if data.eqf_level is not None and not 1 <= data.eqf_level <= 8:
        problems.append(Problem("bad_eqf", N_("EQF levels run from 1 to 8."), "eqf_level"))
    clash = db.session.scalar(
        sa.select(QualificationPath.id).where(
            QualificationPath.code == data.code.strip(), QualificationPath.id != path_id
        )
    )
    if clash:
        problems.append(PATH_CODE_TAKEN)
    refs = (
        rules.references(data.requirements) if isinstance(data.requirements, dict) else rules.Refs()
    )
    return problems + rules.tree_problems(
        data.requirements, catalog=catalog_for(refs), path_id=path_id, graph=_graph()
    )


def save_path(actor, data: PathInput, path: QualificationPath | None = None) -> QualificationPath:
    """Create or update a path; a circular or dangling tree is refused and nothing is written."""
    if not can_manage_paths(actor):
        raise Forbidden(N_("Only network administrators define qualification paths."))
    problems = _problems(data, path.id if path else -1)
    if problems:
        raise DomainError(problems)
    now = clock.now()
    creating = path is None
    if creating:
        path = QualificationPath(created_at=now)
        db.session.add(path)
    path.code, path.title = data.code.strip(), data.title.strip()
    path.description, path.eqf_level = data.description.strip(), data.eqf_level
    path.requirements, path.award_mode, path.updated_at = data.requirements, data.award_mode, now
    changes = None if creating else audit.changes_of(path)  # before the flush clears them
    flush_unique([("uq_qualification_path_code", (QualificationPath.code,), PATH_CODE_TAKEN)])
    changes = audit.snapshot(path) if creating else changes
    audit.record(actor, "path.created" if creating else "path.updated", path, changes)
    return path


def get_path(code: str) -> QualificationPath:
    path = db.session.scalar(sa.select(QualificationPath).where(QualificationPath.code == code))
    if path is None:
        raise NotFound(N_("No such qualification path."))
    return path


@dataclass
class Progress:
    path: QualificationPath
    result: rules.Result
    sessions: dict  # module id -> upcoming sessions that would fill a gap
    gap_routes: dict  # competence id -> [(module, sessions)]
    award: PathAward | None

    @property
    def percent(self) -> int:
        return round(self.result.fraction * 100)


def progress_for(user_id: int, path: QualificationPath) -> Progress:
    """One person's progress on one path, with the sessions that would close the gaps.

    A constant number of queries: certificates (and lapses), catalog, award, sessions.
    """
    now = clock.now()
    facts = cert_queries.facts_for([user_id], now)[user_id]
    catalog = catalog_for(rules.references(path.requirements))
    result = rules.evaluate(path.requirements, facts, catalog, now)
    sessions = cert_queries.sessions_open(result.gap_modules, now) if not result.met else {}
    routes = cert_queries.routes_to(result.gap_competences, now) if not result.met else {}
    award = db.session.scalar(
        sa.select(PathAward).where(PathAward.path_id == path.id, PathAward.user_id == user_id)
    )
    return Progress(path, result, sessions, routes, award)


def progress_for_many(user_ids: list[int], path: QualificationPath) -> dict[int, rules.Result]:
    """Progress of many people on one path: two or three queries, then pure evaluation."""
    now = clock.now()
    facts = cert_queries.facts_for(user_ids, now)
    catalog = catalog_for(rules.references(path.requirements))
    return {uid: rules.evaluate(path.requirements, facts[uid], catalog, now) for uid in user_ids}


def _award_certificate(actor, award: PathAward) -> None:
    cert = cert_services._create(
        actor,
        facility=None,
        holder=award.user,
        basis=CertificateBasis.PATH,
        evidence=f"Completed every requirement of the qualification path “{award.path.title}”.",
        valid_until=None,
        path_id=award.path_id,
    )
    award.status, award.certificate_id = AwardStatus.AWARDED, cert.id
    award.decided_at = clock.now()
    award.decided_by_id = actor.id if actor is not None else None


def award_completed() -> int:
    """Job: record completions; award automatic paths at once, others wait for confirmation."""
    from training.certification.models import Certificate

    now, made = clock.now(), 0
    holders = db.session.scalars(sa.select(Certificate.holder_id).distinct()).all()
    for path in db.session.scalars(sa.select(QualificationPath).where(QualificationPath.active)):
        done = set(
            db.session.scalars(sa.select(PathAward.user_id).where(PathAward.path_id == path.id))
        )
        todo = [u for u in holders if u not in done]
        for user_id, result in progress_for_many(todo, path).items():
            if not result.met:
                continue
            award = PathAward(
                path_id=path.id, user_id=user_id, status=AwardStatus.PENDING, completed_at=now
            )
            db.session.add(award)
            db.session.flush()
            if path.award_mode == AwardMode.AUTOMATIC:
                _award_certificate(None, award)
            made += 1
    return made


def confirm_award(actor, award_id: int) -> PathAward:
    """A network admin confirms a pending award: the path's certificate and credential are issued."""
    if not can_manage_paths(actor):
        raise Forbidden(N_("Only network administrators confirm path awards."))
    db.session.execute(sa.select(PathAward.id).where(PathAward.id == award_id).with_for_update())
    award = db.session.get(PathAward, award_id, populate_existing=True)
    if award is None:
        raise NotFound(N_("No such award."))
    if award.status != AwardStatus.PENDING:
        raise DomainError(Problem("already_awarded", N_("This path was already awarded.")))
    _award_certificate(actor, award)
    audit.record(actor, "path.awarded", award, audit.changes_of(award))
    return award


def review_awards_after_certificate_end(cert, actor, reason: str) -> int:
    """Hook (a certificate stopped being valid): every path awarded to the holder that is no
    longer met without it has its path certificate suspended for review, so the suspension
    status list shows it at once; the holder is told and a network administrator reinstates
    or revokes it. Returns how many path certificates were suspended."""
    from training.certification.models import Certificate, CertificateStatus

    if cert.path_id is not None:
        return 0
    awards = db.session.scalars(
        sa.select(PathAward).where(
            PathAward.user_id == cert.holder_id,
            PathAward.status == AwardStatus.AWARDED,
            PathAward.certificate_id.is_not(None),
        )
    ).all()
    suspended = 0
    for award in awards:
        path_cert = db.session.get(Certificate, award.certificate_id)
        if path_cert.status != CertificateStatus.ACTIVE:
            continue
        if progress_for(award.user_id, award.path).result.met:
            continue
        now = clock.now()
        path_cert.status = CertificateStatus.SUSPENDED
        path_cert.status_reason = f"Under review: certificate {cert.public_id} {reason}"[:500]
        path_cert.status_changed_at = now
        path_cert.status_changed_by_id = actor.id if actor is not None else None
        audit.record(actor, "certificate.suspend", path_cert, audit.changes_of(path_cert))
        cert_services.notify_holder(path_cert, "suspended", _l("Qualification under review"))
        suspended += 1
    return suspended
