"""Challenge use cases: post, review, accept the NDA, apply, shortlist and select, work in the
workspace, give feedback, record the outcome as a learning achievement.

They check permissions (NotFound for those who may not know a thing exists, Forbidden for the
wrong side), call the pure rules (DomainError with every problem), change rows, audit and queue
e-mail. They flush; the boundary commits once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.competences.models import Competence
from innocore.errors import DomainError, Forbidden, NotFound, Problem, raise_problems
from innocore.extensions import db
from innocore.facilities.models import Facility, FacilityRole
from innocore.links import absolute_url
from innocore.marks import N_, T_
from innocore.notifications import kinds
from innocore.notifications.services import queue_email
from innocore.status import status_word
from innocore.uploads import attachment_problems
from innocore.vocab import FacilityRoleKind, OrganisationKind, OrgRole
from instruments.requests.services import Upload
from training.challenges import permissions, rules
from training.challenges.models import (
    ApplicationStatus,
    Challenge,
    ChallengeApplication,
    ChallengeBooking,
    ChallengeCompetence,
    ChallengeFile,
    ChallengeStatus,
    Milestone,
    NdaAcceptance,
    TeamMember,
    WorkspaceMessage,
)

MAX_FILES = 10


@dataclass
class ChallengeInput:
    """What a poster writes. ``applications_close_at`` is an aware UTC instant; ``needs`` are
    (competence id, level) pairs of the competence framework; ``facility_ids`` the facilities
    involved besides the host."""

    facility_id: int | None
    title: str = ""
    summary: str = ""
    details: str = ""
    data_provided: str = ""
    skills: str = ""
    participants_get: str = ""
    nda_text: str = ""
    team_min: int | None = 1
    team_max: int | None = 4
    teams_wanted: int | None = 1
    applications_close_at: datetime | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    module_id: int | None = None
    account_id: int | None = None  # a billing account of the posting organisation, or none
    facility_ids: list[int] = field(default_factory=list)
    needs: list[tuple[int, int]] = field(default_factory=list)


def _facility(facility_id) -> Facility:
    row = db.session.get(Facility, facility_id) if facility_id and 0 < facility_id < 2**31 else None
    if row is None or not row.active:
        raise DomainError(Problem("facility", N_("Choose the host facility."), "facility_id"))
    return row


def framework_needs(pairs: list[tuple[int, int]]) -> list[ChallengeCompetence]:
    """(competence id, level) pairs as rows, each a framework competence at one of its levels,
    once each (placements reuse it). Raises DomainError."""
    ids = {cid for cid, _ in pairs if 0 < cid < 2**31}
    found = {
        c.id: c for c in db.session.scalars(sa.select(Competence).where(Competence.id.in_(ids)))
    }
    missing = sorted({cid for cid, _ in pairs} - set(found))
    if missing or len(ids) != len(pairs):
        raise DomainError(
            Problem(
                "competence", N_("Choose competences of the framework, once each."), "competences"
            )
        )
    raise_problems(
        rules.needs_problems([(c, lv, [x.level for x in found[c].levels]) for c, lv in pairs])
    )
    return [ChallengeCompetence(competence_id=c, level=lv) for c, lv in pairs]


def check_module(module_id: int | None, facility: Facility, kind=None) -> None:
    """A learning module of ``facility`` (or network-wide) of ``kind`` (a ModuleKind; a
    challenge's by default: challenge-based learning), or none. Raises DomainError: problem
    ``module`` (no such module of the facility) or ``module_kind`` (a module of another kind)."""
    if module_id is None:
        return
    from training.models import ModuleKind, TrainingModule

    kind = kind or ModuleKind.CHALLENGE
    module = db.session.get(TrainingModule, module_id) if 0 < module_id < 2**31 else None
    if module is None or module.facility_id not in (None, facility.id):
        raise DomainError(
            Problem(
                "module", N_("Choose a module of the host facility (or network-wide)."), "module_id"
            )
        )
    if module.kind != kind:
        raise DomainError(
            Problem(
                "module_kind",
                T_(
                    "“%(module_title)s” is a module of kind %(kind)s; choose a module of kind %(kind2)s.",
                    module_title=module.title,
                    kind=module.kind.label.lower(),
                    kind2=kind.label.lower(),
                ),
                "module_id",
            )
        )


def post_challenge(actor: User, data: ChallengeInput) -> Challenge:
    """A company person (for their company) or a facility manager (for the facility) posts a
    challenge; it waits for review by the host facility's staff, who are e-mailed."""
    if not permissions.can_post_challenge(actor):
        raise Forbidden(N_("Company staff and facility managers post challenges."))
    host = _facility(data.facility_id)
    company = actor.organisation.kind == OrganisationKind.COMPANY
    if not company and not permissions.can_manage_facility(actor, host):
        raise Forbidden(N_("Post challenges for your company, or for a facility you manage."))
    raise_problems(rules.posting_problems(_posting(data), clock.now(), host.timezone))
    check_module(data.module_id, host)
    organisation_id = actor.organisation_id if company else host.institution_id
    check_poster_account(actor, data.account_id, organisation_id)
    involved = [_facility(fid) for fid in dict.fromkeys(data.facility_ids) if fid != host.id]
    ch = Challenge(
        organisation_id=organisation_id,
        facility=host,
        posted_by_id=actor.id,
        by_facility=not company,
        facilities=[host, *involved],
        needs=framework_needs(data.needs),
        created_at=clock.now(),
        **_fields(data),
    )
    db.session.add(ch)
    db.session.flush()
    audit.record(actor, "challenge.posted", ch, audit.snapshot(ch), facility_id=host.id)
    for person in _facility_people(host, (FacilityRoleKind.MANAGER, FacilityRoleKind.STAFF)):
        _mail(
            person,
            _l("Challenge to review: %(title)s", title=ch.title),
            "posted",
            ch,
            f"posted-{ch.id}-{person.id}",
        )
    return ch


def revise_challenge(actor: User, challenge_id: int, data: ChallengeInput) -> Challenge:
    """The posting side changes a challenge in review or returned to it (the host stays); it goes
    back to review and the host's staff are e-mailed. A published challenge is not rewritten
    under its applicants. Raises NotFound, Forbidden, DomainError."""
    ch = get_challenge(actor, challenge_id, lock=True)
    if not permissions.can_manage_challenge(actor, ch):
        raise Forbidden(N_("Only the challenge's posting side changes it."))
    problems = []
    if ch.status not in (ChallengeStatus.IN_REVIEW, ChallengeStatus.RETURNED):
        problems.append(
            Problem("not_editable", N_("Only a challenge in review or returned is changed."))
        )
    if data.facility_id != ch.facility_id:
        problems.append(
            Problem("host", N_("The host facility stays; post anew for another."), "facility_id")
        )
    raise_problems(
        problems + rules.posting_problems(_posting(data), clock.now(), ch.facility.timezone)
    )
    check_module(data.module_id, ch.facility)
    check_poster_account(actor, data.account_id, ch.organisation_id, keep=ch.account_id)
    involved = [_facility(fid) for fid in dict.fromkeys(data.facility_ids) if fid != ch.facility_id]
    needs = framework_needs(data.needs)
    before = audit.snapshot(ch)
    ch.needs.clear()
    db.session.flush()  # the old rows go before new ones of the same key arrive
    for name, value in _fields(data).items():
        setattr(ch, name, value)
    ch.needs, ch.facilities = needs, [ch.facility, *involved]
    ch.status, ch.review_note = ChallengeStatus.IN_REVIEW, ""
    db.session.flush()
    audit.record(actor, "challenge.revised", ch, {"before": before}, facility_id=ch.facility_id)
    stamp = clock.now().isoformat()
    for person in _facility_people(ch.facility, (FacilityRoleKind.MANAGER, FacilityRoleKind.STAFF)):
        _mail(
            person,
            _l("Challenge to review again: %(ch_title)s", ch_title=ch.title),
            "posted",
            ch,
            f"revised-{ch.id}-{stamp}-{person.id}",
        )
    return ch


def _posting(d: ChallengeInput) -> rules.Posting:
    return rules.Posting(
        d.title,
        d.summary,
        d.team_min,
        d.team_max,
        d.teams_wanted,
        d.applications_close_at,
        d.starts_on,
        d.ends_on,
    )


# The texts a poster writes for a challenge (stripped when stored).
TEXT_FIELDS = (
    "title",
    "summary",
    "details",
    "data_provided",
    "skills",
    "participants_get",
    "nda_text",
)


def _fields(d: ChallengeInput) -> dict:
    out = {name: (getattr(d, name) or "").strip() for name in TEXT_FIELDS}
    return out | {
        "team_min": d.team_min,
        "team_max": d.team_max,
        "teams_wanted": d.teams_wanted,
        "applications_close_at": d.applications_close_at,
        "starts_on": d.starts_on,
        "ends_on": d.ends_on,
        "module_id": d.module_id,
        "account_id": d.account_id,
    }


def poster_accounts(actor: User, organisation_id: int) -> list:
    """The billing accounts ``actor`` may put on a challenge of ``organisation_id``: accounts they
    may charge today (``chargeable_accounts``) owned by that organisation (its company's, or its
    research groups'), as ``BillingAccount`` rows by name."""
    from innocore.ledger.accounts import account_owner_organisation, chargeable_accounts

    return [
        a for a in chargeable_accounts(actor) if account_owner_organisation(a) == organisation_id
    ]


def check_poster_account(
    actor: User, account_id: int | None, organisation_id: int, keep: int | None = None
) -> None:
    """``account_id`` is none, the challenge's current one (``keep``), or one of
    ``poster_accounts``. Raises DomainError ``account_not_yours`` (another organisation's account,
    one the actor may not charge, closed or expired)."""
    if account_id is None or account_id == keep:
        return
    if account_id not in {a.id for a in poster_accounts(actor, organisation_id)}:
        raise DomainError(
            Problem(
                "account_not_yours",
                N_(
                    "Choose a billing account of the posting organisation that you may charge "
                    "(this one is another organisation's, closed or expired)."
                ),
                "account_id",
            )
        )


def challenge_accounts_for(user: User, challenge_id: int, on: date) -> list[int]:
    """Charge context ``("challenge", id)``: the challenge's account, for members of its selected
    (or completed) teams; nothing for anyone else. ``on`` is left to the account's validity."""
    return list(
        db.session.scalars(
            sa.select(Challenge.account_id)
            .join(TeamMember, TeamMember.challenge_id == Challenge.id)
            .join(ChallengeApplication, ChallengeApplication.id == TeamMember.application_id)
            .where(
                Challenge.id == challenge_id,
                Challenge.account_id.is_not(None),
                TeamMember.user_id == user.id,
                ChallengeApplication.status.in_(
                    (ApplicationStatus.SELECTED, ApplicationStatus.COMPLETED)
                ),
            )
        )
    )


def _facility_people(facility: Facility, roles) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .join(FacilityRole, FacilityRole.user_id == User.id)
            .where(FacilityRole.facility_id == facility.id, FacilityRole.role.in_(roles))
            .distinct()
            .order_by(User.id)
        )
    )


def _posting_side(ch: Challenge) -> list[User]:
    people = {ch.posted_by_id: ch.posted_by}
    if ch.by_facility:
        people |= {u.id: u for u in _facility_people(ch.facility, (FacilityRoleKind.MANAGER,))}
    else:
        admins = db.session.scalars(
            sa.select(User).where(
                User.organisation_id == ch.organisation_id, User.org_role == OrgRole.ADMIN
            )
        )
        people |= {u.id: u for u in admins}
    return [p for p in people.values() if p.active]


def _mail(person: User, subject: str, event: str, ch: Challenge, key: str, app=None, **kw):
    link = (
        absolute_url("challenges.workspace", application_id=app.id)
        if app is not None and app.status in permissions.WORKING
        else absolute_url("challenges.show", challenge_id=ch.id)
    )
    queue_email(
        person,
        subject,
        "challenge_notice",
        kind=kinds.KNOWLEDGE_TRANSFER,
        link=link,
        dedupe_key=f"challenge-{key}",
        challenge=ch,
        application=app,
        event=event,
        **kw,
    )


def get_challenge(actor: User, challenge_id: int, *, lock: bool = False) -> Challenge:
    """The challenge if ``actor`` may see it; NotFound otherwise (its existence is not told)."""
    ch = db.session.get(Challenge, challenge_id) if 0 < challenge_id < 2**31 else None
    if ch is None or not permissions.can_see_challenge(actor, ch):
        raise NotFound(N_("No such challenge."))
    if lock:
        db.session.execute(sa.select(Challenge.id).where(Challenge.id == ch.id).with_for_update())
        db.session.refresh(ch)
    return ch


def review_challenge(actor: User, ch: Challenge, *, publish: bool, note: str = "") -> Challenge:
    """Publish a challenge in review, or return it to its poster with a note (audited, e-mailed)."""
    if not permissions.can_review_challenge(actor, ch):
        raise Forbidden(N_("The host facility's staff review its challenges."))
    ch = get_challenge(actor, ch.id, lock=True)
    raise_problems(rules.review_problems(ch.status, publish, note))
    if publish and ch.applications_close_at <= clock.now():
        raise DomainError(
            Problem("deadline", N_("The application deadline has passed: return it."))
        )
    before = ch.status.value
    ch.status = ChallengeStatus.PUBLISHED if publish else ChallengeStatus.RETURNED
    ch.review_note, ch.reviewed_by_id, ch.reviewed_at = (note or "").strip(), actor.id, clock.now()
    audit.record(
        actor,
        f"challenge.{ch.status.value}",
        ch,
        {"status": [before, ch.status.value]},
        facility_id=ch.facility_id,
    )
    for person in _posting_side(ch):
        _mail(
            person,
            T_(
                "Challenge: %(status)s (%(ch_title)s)",
                status=status_word(ch.status),
                ch_title=ch.title,
            ),
            ch.status.value,
            ch,
            f"review-{ch.id}-{ch.status.value}-{person.id}",
        )
    return ch


def nda_accepted(user_id: int, challenge_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(NdaAcceptance.id).where(
                NdaAcceptance.challenge_id == challenge_id, NdaAcceptance.user_id == user_id
            )
        )
        is not None
    )


def accept_nda(actor: User, ch: Challenge) -> NdaAcceptance:
    """Accept the challenge's NDA in the app (the accepted text is kept); then its details show."""
    if not ch.confidential or ch.status not in permissions.VISIBLE:
        raise DomainError(Problem("no_nda", N_("This challenge has no NDA to accept.")))
    if nda_accepted(actor.id, ch.id):
        raise DomainError(
            Problem("already_accepted", N_("You already accepted this NDA.")), status=409
        )
    row = NdaAcceptance(
        challenge_id=ch.id, user_id=actor.id, text_accepted=ch.nda_text, accepted_at=clock.now()
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "challenge.nda_accepted",
        row,
        {"challenge_id": [None, ch.id]},
        organisation_id=ch.organisation_id,
    )
    return row


def team_of(user_id: int, challenge_id: int) -> ChallengeApplication | None:
    return db.session.scalar(
        sa.select(ChallengeApplication)
        .join(TeamMember, TeamMember.application_id == ChallengeApplication.id)
        .where(TeamMember.challenge_id == challenge_id, TeamMember.user_id == user_id)
    )


def _team(emails: list[str], challenge_id: int, lead: User):
    wanted = list(dict.fromkeys(e.strip().lower() for e in emails if e and e.strip()))
    wanted = [e for e in wanted if e != lead.email.lower()]
    users = {
        u.email.lower(): u
        for u in db.session.scalars(
            sa.select(User).where(sa.func.lower(User.email).in_(wanted), User.active.is_(True))
        )
    }
    taken_ids = set(
        db.session.scalars(
            sa.select(TeamMember.user_id).where(
                TeamMember.challenge_id == challenge_id,
                TeamMember.user_id.in_([u.id for u in users.values()]),
            )
        )
    )
    unknown = [e for e in wanted if e not in users]
    taken = [e for e in wanted if e in users and users[e].id in taken_ids]
    return [users[e] for e in wanted if e in users], unknown, taken


def apply(
    actor: User, ch: Challenge, *, motivation: str, team: list[str], uploads: list[Upload]
) -> ChallengeApplication:
    """Apply alone or as a team (the others named by their InnoCore e-mail). Refused, with nothing
    written: twice, after the deadline, to one's own organisation's challenge, before accepting its
    NDA, a member who is no user or already in another team, a team of the wrong size, bad files."""
    ch = get_challenge(actor, ch.id, lock=True)
    members, unknown, taken = _team(team, ch.id, actor)
    facts = rules.ApplicationFacts(
        status=ch.status,
        applications_close_at=ch.applications_close_at,
        team_min=ch.team_min,
        team_max=ch.team_max,
        team_size=1 + len(members) + len(unknown),
        already_applied=team_of(actor.id, ch.id) is not None,
        unknown=unknown,
        taken=taken,
        poster_side=permissions.on_posting_side(actor, ch),
        nda_missing=ch.confidential and not nda_accepted(actor.id, ch.id),
        motivation=motivation,
    )
    raise_problems(rules.application_problems(facts, clock.now()) + _file_problems(uploads, 0))
    app = ChallengeApplication(
        challenge_id=ch.id,
        lead_id=actor.id,
        motivation=motivation.strip(),
        status=ApplicationStatus.SUBMITTED,
        submitted_at=clock.now(),
        members=[TeamMember(challenge_id=ch.id, user_id=u.id) for u in [actor, *members]],
    )
    db.session.add(app)
    db.session.flush()
    _store(app, actor, uploads)
    audit.record(
        actor, "challenge.applied", app, audit.snapshot(app), organisation_id=ch.organisation_id
    )
    for person in members:
        _mail(
            person,
            _l("You are in a team for: %(ch_title)s", ch_title=ch.title),
            "team_added",
            ch,
            f"team-{app.id}-{person.id}",
            app,
            lead=actor,
        )
    for person in _posting_side(ch):
        _mail(
            person,
            _l("New application: %(ch_title)s", ch_title=ch.title),
            "applied",
            ch,
            f"applied-{app.id}-{person.id}",
            app,
        )
    return app


def _file_problems(uploads: list[Upload], existing: int) -> list[Problem]:
    out = []
    for i, up in enumerate(uploads):
        out += attachment_problems(up.content_type, len(up.data), up.data[:16], field="files")
        if existing + i >= MAX_FILES:
            out.append(
                Problem(
                    "too_many_files",
                    T_("At most %(max_files)s files.", max_files=MAX_FILES),
                    "files",
                )
            )
    return out


def _store(app: ChallengeApplication, actor: User, uploads: list[Upload]) -> list[ChallengeFile]:
    rows = [
        ChallengeFile.of_upload(up, by_id=actor.id, at=clock.now(), application_id=app.id)
        for up in uploads
    ]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def get_application(actor: User, application_id: int, *, lock: bool = False):
    """An application its team, the posting side or the reviewers may see; NotFound otherwise."""
    app = (
        db.session.get(ChallengeApplication, application_id) if 0 < application_id < 2**31 else None
    )
    if app is None or not (
        any(m.user_id == actor.id for m in app.members)
        or permissions.can_see_applications(actor, app.challenge)
    ):
        raise NotFound(N_("No such application."))
    if lock:
        get_challenge(actor, app.challenge_id, lock=True)
        db.session.refresh(app)
    return app


def _selected_count(challenge_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            ChallengeApplication.challenge_id == challenge_id,
            ChallengeApplication.status.in_(permissions.WORKING),
        )
    )


def decide_application(actor: User, application_id: int, target: str) -> ChallengeApplication:
    """The posting side shortlists, selects or declines; the team is e-mailed. When the last team
    place is taken the challenge is underway and every other open application is declined."""
    app = get_application(actor, application_id, lock=True)
    ch = app.challenge
    if not permissions.can_manage_challenge(actor, ch):
        raise Forbidden(N_("Only the challenge's posting side selects teams."))
    try:
        status = ApplicationStatus(target)
    except ValueError:
        raise DomainError(
            Problem("decision", N_("Shortlist, select or decline."), "decision")
        ) from None
    raise_problems(
        rules.decision_problems(
            ch.status, app.status, status, _selected_count(ch.id), ch.teams_wanted
        )
    )
    _set_status(actor, app, status)
    if status == ApplicationStatus.SELECTED and _selected_count(ch.id) >= ch.teams_wanted:
        ch.status = ChallengeStatus.UNDERWAY
        audit.record(
            actor,
            "challenge.underway",
            ch,
            {"status": ["published", "underway"]},
            facility_id=ch.facility_id,
        )
        for other in db.session.scalars(
            sa.select(ChallengeApplication).where(
                ChallengeApplication.challenge_id == ch.id,
                ChallengeApplication.status.in_(
                    [ApplicationStatus.SUBMITTED, ApplicationStatus.SHORTLISTED]
                ),
            )
        ):
            _set_status(actor, other, ApplicationStatus.NOT_SELECTED)
    return app


def _set_status(actor: User, app: ChallengeApplication, status: ApplicationStatus) -> None:
    before = app.status.value
    app.status, app.decided_at = status, clock.now()
    db.session.flush()
    audit.record(
        actor,
        f"challenge.application_{status.value}",
        app,
        {"status": [before, status.value]},
        organisation_id=app.challenge.organisation_id,
    )
    for m in app.members:
        _mail(
            m.user,
            T_(
                "Your application: %(status)s (%(challenge_title)s)",
                status=status_word(status),
                challenge_title=app.challenge.title,
            ),
            status.value,
            app.challenge,
            f"decided-{app.id}-{status.value}-{m.user_id}",
            app,
        )


def workspace(actor: User, application_id: int, *, lock: bool = False) -> ChallengeApplication:
    """A selected team's workspace: its members, the posting side and the reviewers."""
    app = get_application(actor, application_id, lock=lock)
    if app.status not in permissions.WORKING:
        raise NotFound(N_("This application has no workspace."))
    return app


def _open_workspace(actor: User, application_id: int) -> ChallengeApplication:
    app = workspace(actor, application_id, lock=True)
    if app.status != ApplicationStatus.SELECTED:
        raise DomainError(Problem("closed", N_("This workspace is closed: the challenge is over.")))
    return app


def add_milestone(actor: User, application_id: int, title: str, due_on: date | None) -> Milestone:
    """A milestone with a due date (a day, no time), set by the team or the posting side."""
    app = _open_workspace(actor, application_id)
    raise_problems(rules.milestone_problems(title, due_on))
    row = Milestone(
        application_id=app.id,
        title=title.strip(),
        due_on=due_on,
        created_by_id=actor.id,
        created_at=clock.now(),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "challenge.milestone_added", row, audit.snapshot(row))
    return row


def complete_milestone(actor: User, milestone_id: int) -> Milestone:
    row = db.session.get(Milestone, milestone_id) if 0 < milestone_id < 2**31 else None
    if row is None:
        raise NotFound(N_("No such milestone."))
    _open_workspace(actor, row.application_id)
    if row.done_at is not None:
        raise DomainError(Problem("done", N_("This milestone is already done.")))
    row.done_at = clock.now()
    audit.record(
        actor, "challenge.milestone_done", row, {"done_at": [None, row.done_at.isoformat()]}
    )
    return row


def post_message(actor: User, application_id: int, body: str) -> WorkspaceMessage:
    """A message in the workspace; everyone else in it is e-mailed."""
    app = _open_workspace(actor, application_id)
    raise_problems(rules.message_problems(body))
    row = WorkspaceMessage(
        application_id=app.id, author_id=actor.id, body=body.strip(), created_at=clock.now()
    )
    db.session.add(row)
    db.session.flush()
    for person in _everyone(app):
        if person.id != actor.id:
            _mail(
                person,
                _l("New message: %(challenge_title)s", challenge_title=app.challenge.title),
                "message",
                app.challenge,
                f"message-{row.id}-{person.id}",
                app,
                message=row,
            )
    return row


def _everyone(app: ChallengeApplication) -> list[User]:
    people = {m.user_id: m.user for m in app.members}
    return list((people | {u.id: u for u in _posting_side(app.challenge)}).values())


def add_files(actor: User, application_id: int, uploads: list[Upload]) -> list[ChallengeFile]:
    """Files into the workspace (checked as service-request attachments are)."""
    app = _open_workspace(actor, application_id)
    if not uploads:
        raise DomainError(Problem("missing", N_("Choose a file."), "files"))
    existing = db.session.scalar(
        sa.select(sa.func.count()).where(ChallengeFile.application_id == app.id)
    )
    raise_problems(_file_problems(uploads, existing))
    rows = _store(app, actor, uploads)
    for row in rows:
        audit.record(actor, "challenge.file_added", row, {"filename": [None, row.filename]})
    return rows


def get_file(actor: User, file_id: int) -> ChallengeFile:
    row = db.session.get(ChallengeFile, file_id) if 0 < file_id < 2**31 else None
    if row is None:
        raise NotFound(N_("No such file."))
    get_application(actor, row.application_id)
    return row


def link_booking(actor: User, application_id: int, booking_id: int) -> ChallengeBooking:
    """A team member links their own booking on an instrument of a facility involved: the time is
    recorded as the challenge's and, when the challenge has a billing account, the booking is
    charged to it (the member may charge it in the context of this challenge only; a booking
    already charged is refused: its charge stays on the account it was made to)."""
    from innocore.ledger.accounts import check_account
    from innocore.ledger.models import Charge
    from instruments.models import Booking, BookingStatus
    from training.challenges.queries import BOOKING_SOURCES

    app = _open_workspace(actor, application_id)
    if not any(m.user_id == actor.id for m in app.members):
        raise Forbidden(N_("Team members link their own bookings."))
    booking = db.session.get(Booking, booking_id) if 0 < booking_id < 2**31 else None
    if booking is None or booking.user_id != actor.id:
        raise NotFound(N_("No such booking of yours."))
    involved = {f.id for f in app.challenge.facilities}
    problems = []
    if booking.instrument.facility_id not in involved:
        problems.append(
            Problem("facility", N_("Book at a facility the challenge involves."), "booking_id")
        )
    if booking.status in (BookingStatus.CANCELLED, BookingStatus.REJECTED):
        problems.append(Problem("cancelled", N_("This booking was cancelled."), "booking_id"))
    if db.session.get(ChallengeBooking, (app.id, booking.id)) or db.session.scalar(
        sa.select(ChallengeBooking.booking_id).where(ChallengeBooking.booking_id == booking.id)
    ):
        problems.append(Problem("linked", N_("This booking is already linked."), "booking_id"))
    account_id = app.challenge.account_id
    if account_id is not None and not problems:
        day = booking.starts_at.astimezone(ZoneInfo(booking.instrument.facility.timezone)).date()
        problems += check_account(actor, account_id, day, ("challenge", app.challenge_id))
        if db.session.scalar(
            sa.select(Charge.id).where(
                Charge.source.in_(BOOKING_SOURCES), Charge.source_id == booking.id
            )
        ):
            problems.append(
                Problem(
                    "already_charged",
                    N_(
                        "This booking was already charged to its own account; link bookings before "
                        "they end."
                    ),
                    "booking_id",
                )
            )
    raise_problems(problems)
    row = ChallengeBooking(
        application_id=app.id, booking_id=booking.id, linked_by_id=actor.id, linked_at=clock.now()
    )
    db.session.add(row)
    change = {"booking_id": [None, booking.id]}
    if account_id is not None and booking.account_id != account_id:
        change["account_id"] = [booking.account_id, account_id]
        booking.account_id = account_id
    db.session.flush()
    audit.record(
        actor, "challenge.booking_linked", app, change, facility_id=booking.instrument.facility_id
    )
    return row


def give_feedback(actor: User, application_id: int, *, rating, text: str) -> ChallengeApplication:
    """The posting side's feedback at the end (1-5 and words), once; the team and those who
    certify at the host facility are e-mailed."""
    app = get_application(actor, application_id, lock=True)
    if not permissions.can_manage_challenge(actor, app.challenge):
        raise Forbidden(N_("Only the challenge's posting side gives feedback."))
    raise_problems(rules.feedback_problems(app.status, app.feedback_at is not None, rating, text))
    app.rating, app.feedback, app.feedback_at = rating, text.strip(), clock.now()
    audit.record(
        actor,
        "challenge.feedback",
        app,
        {"rating": [None, rating]},
        organisation_id=app.challenge.organisation_id,
    )
    ch = app.challenge
    roles = (FacilityRoleKind.MANAGER, FacilityRoleKind.TRAINER)
    for person in [m.user for m in app.members] + _facility_people(ch.facility, roles):
        _mail(
            person,
            _l("Feedback given: %(ch_title)s", ch_title=ch.title),
            "feedback",
            ch,
            f"feedback-{app.id}-{person.id}",
            app,
        )
    return app


def record_outcome(actor: User, application_id: int) -> ChallengeApplication:
    """Those who certify at the host facility record the team's outcome: each member receives a
    certificate for the challenge's challenge-based learning module (its competence, level and
    ECTS), which counts toward qualification paths. A member who already holds a standing
    certificate of that competence at that level receives none (one standing certificate per
    competence and level); it is recorded as ``held_certificate_id`` and the others still
    receive theirs. The challenge completes with its last team. Raises NotFound, Forbidden,
    DomainError (not selected, no feedback, no module)."""
    from innocore.accounts.models import User
    from training.certification.queries import standing_certificate_id
    from training.certification.services import issue_for_module
    from training.models import TrainingModule

    app = get_application(actor, application_id, lock=True)
    ch = app.challenge
    if not permissions.can_award(actor, ch):
        raise Forbidden(N_("Those who certify at the host facility record the outcome."))
    raise_problems(
        rules.award_problems(app.status, app.feedback_at is not None, ch.module_id is not None)
    )
    module = db.session.get(TrainingModule, ch.module_id)
    evidence = (
        f"Challenge-based learning: “{ch.title}” posed by {ch.organisation.name}, "
        f"{ch.starts_on:%d %b %Y} to {ch.ends_on:%d %b %Y}, team of {len(app.members)}. "
        f"Feedback from {ch.organisation.name} ({app.rating}/5): {app.feedback}"
    )
    now = clock.now()
    for m in app.members:
        # The holder's row first, as the certificate service does, so no issuer slips in between.
        db.session.execute(sa.select(User.id).where(User.id == m.user_id).with_for_update())
        held = standing_certificate_id(m.user_id, module.competence_id, module.level_awarded, now)
        if held is not None:
            m.held_certificate_id = held
            continue
        m.certificate_id = issue_for_module(
            actor, module=module, facility=ch.facility, holder=m.user, evidence=evidence
        ).id
    app.status, app.awarded_at = ApplicationStatus.COMPLETED, clock.now()
    if _selected_count(ch.id) == db.session.scalar(
        sa.select(sa.func.count()).where(
            ChallengeApplication.challenge_id == ch.id,
            ChallengeApplication.status == ApplicationStatus.COMPLETED,
        )
    ):
        ch.status = ChallengeStatus.COMPLETED
    already = sorted(m.user_id for m in app.members if m.held_certificate_id is not None)
    audit.record(
        actor,
        "challenge.outcome_recorded",
        app,
        {"status": ["selected", "completed"], "already_held_by": [None, already]},
        facility_id=ch.facility_id,
    )
    return app
