"""Career pathway use cases: define role profiles, a person's gap and what closes it, anonymous
talent counts for companies, opt-in and contact. They flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.competences.models import Competence
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db
from innocore.links import absolute_url
from innocore.marks import N_
from innocore.notifications import kinds
from innocore.notifications.services import queue_email
from innocore.permissions import is_network_admin
from innocore.unique import flush_unique
from innocore.vocab import OrganisationKind
from training.pathways import rules
from training.pathways.models import RoleProfile, RoleTarget, TalentContact, TalentOptIn

PROFILE_CODE_TAKEN = Problem("code_taken", N_("Another profile has this code."), "code")


def can_manage_profiles(user) -> bool:
    return is_network_admin(user)


def can_scout(user) -> bool:
    """Company people (and network admins) see anonymous counts; company people contact."""
    return bool(getattr(user, "is_authenticated", False)) and (
        user.organisation.kind == OrganisationKind.COMPANY or is_network_admin(user)
    )


@dataclass
class ProfileInput:
    code: str
    title: str
    description: str = ""
    esco_uri: str | None = None
    targets: list[tuple[int, int]] = field(default_factory=list)  # (competence id, level)


def save_role_profile(
    actor: User, data: ProfileInput, profile: RoleProfile | None = None
) -> RoleProfile:
    """Network administrators define (or change) a role profile. Raises Forbidden, DomainError."""
    if not can_manage_profiles(actor):
        raise Forbidden(N_("Network administrators define role profiles."))
    ids = {cid for cid, _ in data.targets if 0 < cid < 2**31}
    found = {
        c.id: c for c in db.session.scalars(sa.select(Competence).where(Competence.id.in_(ids)))
    }
    if len(found) != len(data.targets):
        raise DomainError(
            Problem("targets", N_("Name framework competences, once each."), "targets")
        )
    esco = (data.esco_uri or "").strip() or None
    problems = rules.profile_problems(
        data.code,
        data.title,
        esco,
        [(c, lv, [x.level for x in found[c].levels]) for c, lv in data.targets],
    )
    clash = db.session.scalar(
        sa.select(RoleProfile.id).where(RoleProfile.code == data.code.strip())
    )
    if clash is not None and (profile is None or clash != profile.id):
        problems.append(PROFILE_CODE_TAKEN)
    if problems:
        raise DomainError(problems)
    now = clock.now()
    if profile is None:
        profile = RoleProfile(created_at=now, created_by_id=actor.id)
        db.session.add(profile)
    profile.code, profile.title = data.code.strip(), data.title.strip()
    profile.description, profile.esco_uri, profile.updated_at = data.description.strip(), esco, now
    profile.targets = [RoleTarget(competence_id=c, level=lv) for c, lv in data.targets]
    flush_unique([("uq_role_profile_code", (RoleProfile.code,), PROFILE_CODE_TAKEN)])
    audit.record(actor, "pathways.profile_saved", profile, audit.snapshot(profile))
    return profile


def get_profile(code: str) -> RoleProfile:
    profile = db.session.scalar(sa.select(RoleProfile).where(RoleProfile.code == code))
    if profile is None:
        raise NotFound(N_("No such role profile."))
    return profile


def held_levels(user_ids: list[int]) -> dict[int, dict[int, int]]:
    """user -> competence -> highest level held now (valid certificates and recognitions)."""
    from training.certification.queries import facts_for
    from training.certification.rules import is_valid_at

    now, out = clock.now(), {}
    for uid, facts in facts_for(user_ids, now).items():
        held: dict[int, int] = {}
        for f in facts:
            if f.competence_id is not None and is_valid_at(f, now):
                held[f.competence_id] = max(held.get(f.competence_id, 0), f.level or 0)
        out[uid] = held
    return out


def _targets(profile: RoleProfile) -> list[tuple[int, int]]:
    return [(t.competence_id, t.level) for t in profile.targets]


def gap_for(user: User, profile: RoleProfile) -> dict:
    """The person's gap to the profile and what closes each open line: taught modules (kind
    course, with upcoming sessions), open challenges and placements whose learning module awards
    the competence at the level (their modules are reached through them, so they are not listed
    as training). {"lines": [GapLine], "modules": {cid: [(module, sessions)]},
    "challenges": {cid: [Challenge]}, "placements": {cid: [Placement]}}."""
    from training.certification.queries import routes_to
    from training.models import ModuleKind

    lines = rules.gap(_targets(profile), held_levels([user.id])[user.id])
    wanted = {line.competence_id: line.target for line in lines if not line.closed}
    taught = {
        cid: [(m, ss) for m, ss in routes if m.kind == ModuleKind.COURSE]
        for cid, routes in routes_to(wanted, clock.now()).items()
    }
    return {"lines": lines, "modules": taught, **_experiences(wanted)}


def _experiences(wanted: dict[int, int]) -> dict:
    from training.challenges.models import Challenge, ChallengeStatus
    from training.models import TrainingModule
    from training.placements.models import Placement

    out = {"challenges": {c: [] for c in wanted}, "placements": {c: [] for c in wanted}}
    if not wanted:
        return out
    now = clock.now()
    module_rows = db.session.execute(
        sa.select(
            TrainingModule.id, TrainingModule.competence_id, TrainingModule.level_awarded
        ).where(TrainingModule.competence_id.in_(list(wanted)))
    ).all()
    awards = {m: c for m, c, lv in module_rows if lv >= wanted[c]}
    if not awards:
        return out
    for ch in db.session.scalars(
        sa.select(Challenge).where(
            Challenge.module_id.in_(list(awards)),
            Challenge.status == ChallengeStatus.PUBLISHED,
            Challenge.applications_close_at > now,
        )
    ):
        out["challenges"][awards[ch.module_id]].append(ch)
    for p in db.session.scalars(
        sa.select(Placement).where(
            Placement.module_id.in_(list(awards)), Placement.applications_close_at > now
        )
    ):
        out["placements"][awards[p.module_id]].append(p)
    return out


def _matching(profile: RoleProfile) -> list[int]:
    """Ids of the people who meet every target of the profile now.

    The database does the matching: certificates valid now (active, issued, not ended) of a
    target competence at its level or above, grouped by holder, kept when they cover every
    target. Two things can change that answer and are settled exactly (``held_levels``) for the
    few people they concern: a target competence that lapses without use (a certificate may have
    ended early) and recognition (an equivalence declared in force for a target competence, or a
    granted request for one, derives a level). A constant number of queries whatever the number
    of certificate holders (see ``facts_for`` batches for the exact part)."""
    from training.certification.models import Certificate, CertificateStatus
    from training.recognition.models import RecognitionRequest, RequestStatus
    from training.recognition.queries import declarations_in_force

    targets = _targets(profile)
    if not targets:
        return []
    now, wanted = clock.now(), [c for c, _ in targets]
    valid = sa.and_(
        Certificate.status == CertificateStatus.ACTIVE,
        Certificate.issued_at <= now,
        sa.or_(Certificate.valid_until.is_(None), Certificate.valid_until > now),
    )
    meets = sa.or_(
        *(sa.and_(Certificate.competence_id == c, Certificate.level >= lv) for c, lv in targets)
    )
    direct = set(
        db.session.scalars(
            sa.select(Certificate.holder_id)
            .where(valid, meets)
            .group_by(Certificate.holder_id)
            .having(sa.func.count(sa.distinct(Certificate.competence_id)) == len(targets))
        )
    )
    lapsing = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Competence)
        .where(Competence.id.in_(wanted), Competence.lapse_after_days > 0)
    )
    unsettled = set(direct) if lapsing else set()
    sources = {d.source_competence_id for d in declarations_in_force(wanted)}
    recognised = sa.select(RecognitionRequest.person_id).where(
        RecognitionRequest.status == RequestStatus.GRANTED,
        RecognitionRequest.target_competence_id.in_(wanted),
    )
    if sources:
        recognised = recognised.union(
            sa.select(Certificate.holder_id).where(valid, Certificate.competence_id.in_(sources))
        )
    unsettled |= set(db.session.scalars(recognised))
    exact = {
        uid for uid, held in held_levels(sorted(unsettled)).items() if rules.matches(targets, held)
    }
    return sorted((direct - unsettled) | exact)


def talent(actor: User, profile: RoleProfile) -> dict:
    """Anonymous counts for a company: people matching the profile, and those who opted in to be
    contacted (small counts shown as "fewer than 3"). Raises Forbidden."""
    if not can_scout(actor):
        raise Forbidden(N_("Companies and network administrators see talent counts."))
    matching = _matching(profile)
    opted = _opted_in(matching)
    return {"matching": rules.shown_count(len(matching)), "opted_in": rules.shown_count(len(opted))}


def _opted_in(user_ids: list[int]) -> list[int]:
    if not user_ids:
        return []
    return list(
        db.session.scalars(sa.select(TalentOptIn.user_id).where(TalentOptIn.user_id.in_(user_ids)))
    )


def set_opt_in(actor: User, opted_in: bool) -> bool:
    """A person lets companies contact them about profiles they match (or stops it)."""
    row = db.session.get(TalentOptIn, actor.id)
    if opted_in and row is None:
        db.session.add(TalentOptIn(user_id=actor.id, opted_in_at=clock.now()))
    elif not opted_in and row is not None:
        db.session.delete(row)
    db.session.flush()
    audit.record(
        actor,
        "pathways.opt_in" if opted_in else "pathways.opt_out",
        actor,
        {"career_opt_in": [not opted_in, opted_in]},
    )
    return opted_in


def contact(actor: User, profile: RoleProfile, message: str) -> int:
    """A company person writes to every opted-in person matching the profile whom their company
    has not written to about it yet; each gets an e-mail with the company's name and the sender's
    address. The company learns only how many. Returns that number. Raises Forbidden,
    DomainError (no message; nobody to write to)."""
    if not can_scout(actor) or actor.organisation.kind != OrganisationKind.COMPANY:
        raise Forbidden(N_("Company staff contact people who opted in."))
    text = (message or "").strip()
    if not text or len(text) > 3000:
        raise DomainError(
            Problem("message", N_("Write a message of up to 3000 characters."), "message")
        )
    done = set(
        db.session.scalars(
            sa.select(TalentContact.person_id).where(
                TalentContact.profile_id == profile.id,
                TalentContact.organisation_id == actor.organisation_id,
            )
        )
    )
    people = [uid for uid in _opted_in(_matching(profile)) if uid not in done and uid != actor.id]
    if not people:
        raise DomainError(Problem("nobody", N_("Nobody new who opted in matches this profile.")))
    now = clock.now()
    for person in db.session.scalars(sa.select(User).where(User.id.in_(people))):
        row = TalentContact(
            profile_id=profile.id,
            organisation_id=actor.organisation_id,
            sender_id=actor.id,
            person_id=person.id,
            message=text,
            created_at=now,
        )
        db.session.add(row)
        db.session.flush()
        queue_email(
            person,
            _l(
                "%(organisation_name)s would like to hear from you",
                organisation_name=actor.organisation.name,
            ),
            "career_contact",
            kind=kinds.KNOWLEDGE_TRANSFER,
            link=absolute_url("pathways.show", code=profile.code),
            dedupe_key=f"career-contact-{row.id}",
            profile=profile,
            sender=actor,
            message=text,
        )
    audit.record(
        actor,
        "pathways.contacted",
        profile,
        {"people": [None, len(people)]},
        organisation_id=actor.organisation_id,
    )
    return len(people)
