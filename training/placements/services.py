"""Placement use cases: offer, apply (with documents), select, sign the learning agreement,
check in, complete with the host's evaluation (and a certificate for the placement's module).

They check permissions (NotFound for who may not know, Forbidden for the wrong party), call the
pure rules, audit and queue e-mail; they flush, the boundary commits once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.accounts.rules import user_category
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
from training.placements import permissions, rules
from training.placements.models import (
    CheckIn,
    Placement,
    PlacementApplication,
    PlacementCompetence,
    PlacementFile,
    PlacementKind,
)
from training.placements.models import PlacementApplicationStatus as S

MAX_FILES = 5


@dataclass
class OfferInput:
    """An offer as typed. ``applications_close_at``: aware UTC instant; stipend in EUR a month;
    ``needs``: (competence id, level); ``user_categories``: UserCategory values (empty: all);
    ``facility_id``: the hosting facility (facility managers), None for a company's own offer."""

    kind: str
    facility_id: int | None = None
    title: str = ""
    description: str = ""
    learning_outcomes: list[str] = field(default_factory=list)
    starts_on: date | None = None
    ends_on: date | None = None
    hours_per_week: int | None = None
    stipend_eur_month: Decimal | None = Decimal("0")
    places: int | None = 1
    applications_close_at: datetime | None = None
    min_eqf_level: int | None = None
    user_categories: list[str] = field(default_factory=list)
    module_id: int | None = None
    needs: list[tuple[int, int]] = field(default_factory=list)


def _host_facility(actor: User, facility_id: int | None) -> Facility | None:
    if facility_id is None:
        if actor.organisation.kind != OrganisationKind.COMPANY:
            raise DomainError(
                Problem("facility", N_("Choose the hosting facility."), "facility_id")
            )
        return None
    facility = db.session.get(Facility, facility_id) if 0 < facility_id < 2**31 else None
    if facility is None or not facility.active:
        raise DomainError(Problem("facility", N_("Choose the hosting facility."), "facility_id"))
    if not permissions.can_manage_facility(actor, facility):
        raise Forbidden(N_("Offer placements at a facility you manage."))
    return facility


def offer_placement(actor: User, data: OfferInput) -> Placement:
    """A company person offers a placement at their company, or a facility manager at the
    facility; it is open for applications at once. Raises Forbidden, DomainError."""
    from training.challenges.services import check_module, framework_needs

    if not permissions.can_offer_placement(actor):
        raise Forbidden(N_("Company staff and facility managers offer placements."))
    try:
        kind = PlacementKind(data.kind)
    except ValueError:
        raise DomainError(Problem("kind", N_("Choose the kind of placement."), "kind")) from None
    facility = _host_facility(actor, data.facility_id)
    outcomes = [x.strip() for x in data.learning_outcomes if (x or "").strip()]
    offer = rules.Offer(
        data.title,
        data.description,
        outcomes,
        data.starts_on,
        data.ends_on,
        data.hours_per_week,
        data.stipend_eur_month,
        data.places,
        data.applications_close_at,
        data.min_eqf_level,
        data.user_categories,
    )
    raise_problems(
        rules.offer_problems(offer, clock.now(), facility.timezone if facility else "UTC")
    )
    if data.module_id is not None:
        if facility is None:
            raise DomainError(
                Problem("module", N_("Only a facility's placement names a module."), "module_id")
            )
        from training.models import ModuleKind

        check_module(data.module_id, facility, ModuleKind.PLACEMENT)
    p = Placement(
        kind=kind,
        organisation_id=facility.institution_id if facility else actor.organisation_id,
        facility=facility,
        posted_by_id=actor.id,
        title=data.title.strip(),
        description=data.description.strip(),
        learning_outcomes=outcomes,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        hours_per_week=data.hours_per_week,
        stipend_eur_month=data.stipend_eur_month,
        places=data.places,
        applications_close_at=data.applications_close_at,
        min_eqf_level=data.min_eqf_level,
        user_categories=sorted(set(data.user_categories)),
        module_id=data.module_id,
        needs=[
            PlacementCompetence(competence_id=c.competence_id, level=c.level)
            for c in framework_needs(data.needs)
        ],
        created_at=clock.now(),
    )
    db.session.add(p)
    db.session.flush()
    audit.record(
        actor,
        "placement.offered",
        p,
        audit.snapshot(p),
        facility_id=p.facility_id,
        organisation_id=p.organisation_id,
    )
    return p


def get_placement(placement_id: int, *, lock: bool = False) -> Placement:
    """Every signed-in person sees offers (no review step): NotFound only when none exists."""
    p = db.session.get(Placement, placement_id) if 0 < placement_id < 2**31 else None
    if p is None:
        raise NotFound(N_("No such placement."))
    if lock:
        db.session.execute(sa.select(Placement.id).where(Placement.id == p.id).with_for_update())
        db.session.refresh(p)
    return p


def _hosts(p: Placement) -> list[User]:
    if p.facility is not None:
        stmt = (
            sa.select(User)
            .join(FacilityRole, FacilityRole.user_id == User.id)
            .where(
                FacilityRole.facility_id == p.facility_id,
                FacilityRole.role == FacilityRoleKind.MANAGER,
            )
        )
    else:
        stmt = sa.select(User).where(
            User.organisation_id == p.organisation_id, User.org_role == OrgRole.ADMIN
        )
    people = {u.id: u for u in db.session.scalars(stmt)}
    people.setdefault(p.posted_by_id, db.session.get(User, p.posted_by_id))
    return [u for u in people.values() if u.active]


def _mail(person: User, subject: str, event: str, a: PlacementApplication, key: str, **kw):
    queue_email(
        person,
        subject,
        "placement_notice",
        kind=kinds.KNOWLEDGE_TRANSFER,
        link=absolute_url("placements.application", application_id=a.id),
        dedupe_key=f"placement-{key}",
        application=a,
        placement=a.placement,
        event=event,
        **kw,
    )


def _selected(placement_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            PlacementApplication.placement_id == placement_id,
            PlacementApplication.status.in_([S.SELECTED, S.COMPLETED]),
        )
    )


def _held(user_id: int, competence_ids: list[int]) -> dict[int, int]:
    from training.certification.queries import facts_for
    from training.certification.rules import is_valid_at

    now, held = clock.now(), {}
    for f in facts_for([user_id], now, competence_ids).get(user_id, []):
        if f.competence_id is not None and is_valid_at(f, now):
            held[f.competence_id] = max(held.get(f.competence_id, 0), f.level or 0)
    return held


def _eligibility(actor: User, p: Placement, eqf_level: int | None) -> list[Problem]:
    institution = p.facility.institution_id if p.facility else p.organisation_id
    return rules.eligibility_problems(
        rules.Eligibility(
            min_eqf_level=p.min_eqf_level,
            declared_eqf_level=eqf_level,
            needed=[(n.competence_id, n.level, n.competence.title) for n in p.needs],
            held=_held(actor.id, [n.competence_id for n in p.needs]),
            categories=p.user_categories,
            category=user_category(
                actor.organisation_id,
                actor.organisation.kind,
                institution,
                verified=actor.membership_verified_at is not None,
            ),
        )
    )


def apply(
    actor: User,
    placement_id: int,
    *,
    motivation: str,
    supervisor_email: str,
    eqf_level: int | None,
    uploads: list[Upload],
) -> PlacementApplication:
    """Apply with documents, naming the home supervisor (an InnoCore user) who will sign the
    learning agreement. Refused, nothing written: twice, after the deadline, when every place is
    taken, to one's own offer, an unknown supervisor, not eligible, bad files."""
    p = get_placement(placement_id, lock=True)
    email = (supervisor_email or "").strip().lower()
    supervisor = (
        db.session.scalar(
            sa.select(User).where(sa.func.lower(User.email) == email, User.active.is_(True))
        )
        if email
        else None
    )
    already = db.session.scalar(
        sa.select(PlacementApplication.id).where(
            PlacementApplication.placement_id == p.id, PlacementApplication.applicant_id == actor.id
        )
    )
    facts = rules.ApplicationFacts(
        close_at=p.applications_close_at,
        already_applied=already is not None,
        selected=_selected(p.id),
        places=p.places,
        supervisor_known=supervisor is not None,
        supervisor_is_self=supervisor is not None and supervisor.id == actor.id,
        is_host=permissions.can_host(actor, p),
        motivation=motivation,
    )
    files = [
        q
        for i, up in enumerate(uploads)
        for q in attachment_problems(
            up.content_type, len(up.data), up.data[:16], existing=i, field="files"
        )
    ]
    if len(uploads) > MAX_FILES:
        files.append(
            Problem(
                "too_many_files",
                T_("At most %(max_files)s documents.", max_files=MAX_FILES),
                "files",
            )
        )
    raise_problems(
        rules.application_problems(facts, clock.now()) + _eligibility(actor, p, eqf_level) + files
    )
    a = PlacementApplication(
        placement_id=p.id,
        applicant_id=actor.id,
        supervisor_id=supervisor.id,
        eqf_level=eqf_level,
        motivation=motivation.strip(),
        status=S.SUBMITTED,
        submitted_at=clock.now(),
        agreed_outcomes=list(p.learning_outcomes),
    )
    db.session.add(a)
    db.session.flush()
    db.session.add_all(
        PlacementFile.of_upload(up, by_id=actor.id, at=clock.now(), application_id=a.id)
        for up in uploads
    )
    audit.record(
        actor,
        "placement.applied",
        a,
        audit.snapshot(a),
        facility_id=p.facility_id,
        organisation_id=p.organisation_id,
    )
    for person in _hosts(p):
        _mail(
            person,
            _l("New application: %(title)s", title=p.title),
            "applied",
            a,
            f"applied-{a.id}-{person.id}",
        )
    _mail(
        supervisor,
        _l("You are named home supervisor: %(p_title)s", p_title=p.title),
        "supervisor",
        a,
        f"supervisor-{a.id}",
    )
    return a


def get_application(actor: User, application_id: int, *, lock: bool = False):
    """The application if ``actor`` is one of its parties; NotFound otherwise."""
    a = db.session.get(PlacementApplication, application_id) if 0 < application_id < 2**31 else None
    if a is None or not permissions.can_see_application(actor, a):
        raise NotFound(N_("No such application."))
    if lock:
        get_placement(a.placement_id, lock=True)
        db.session.refresh(a)
    return a


def decide(actor: User, application_id: int, *, select: bool) -> PlacementApplication:
    """The host selects (within the places) or declines; the applicant and supervisor are told.
    Selecting opens the learning agreement (the offer's outcomes) for the three signatures."""
    a = get_application(actor, application_id, lock=True)
    if permissions.party(actor, a) != "host":
        raise Forbidden(N_("Only the host selects."))
    raise_problems(
        rules.selection_problems(a.status, select, _selected(a.placement_id), a.placement.places)
    )
    a.status, a.decided_at = (S.SELECTED if select else S.NOT_SELECTED), clock.now()
    audit.record(
        actor,
        f"placement.{a.status.value}",
        a,
        {"status": ["submitted", a.status.value]},
        facility_id=a.placement.facility_id,
    )
    for person in (a.applicant, a.supervisor):
        _mail(
            person,
            T_(
                "Placement application: %(status)s (%(placement_title)s)",
                status=status_word(a.status),
                placement_title=a.placement.title,
            ),
            a.status.value,
            a,
            f"decided-{a.id}-{person.id}",
        )
    return a


def sign(actor: User, application_id: int, as_party: str) -> PlacementApplication:
    """Sign the learning agreement as ``as_party`` (participant, host or supervisor): a person
    signs only as the party they are (Forbidden otherwise). When the third signature lands, all
    three are e-mailed that the agreement is in force."""
    a = get_application(actor, application_id, lock=True)
    if (
        as_party not in ("participant", "host", "supervisor")
        or permissions.party(actor, a) != as_party
    ):
        raise Forbidden(N_("You can sign only for yourself, as the party you are."))
    column = f"{as_party}_signed_at"
    raise_problems(rules.sign_problems(a.status, getattr(a, column) is not None))
    setattr(a, column, clock.now())
    if as_party == "host":
        a.host_signed_by_id = actor.id
    audit.record(
        actor,
        "placement.agreement_signed",
        a,
        {column: [None, getattr(a, column).isoformat()]},
        facility_id=a.placement.facility_id,
    )
    if a.agreement_signed:
        for person in [a.applicant, a.supervisor, *_hosts(a.placement)]:
            _mail(
                person,
                _l(
                    "Learning agreement signed: %(placement_title)s",
                    placement_title=a.placement.title,
                ),
                "signed",
                a,
                f"signed-{a.id}-{person.id}",
            )
    return a


def check_in(actor: User, application_id: int, *, progress, note: str) -> CheckIn:
    """A progress note by any party once the agreement is signed; the other parties are told."""
    a = get_application(actor, application_id)
    raise_problems(rules.checkin_problems(a.status, a.agreement_signed, progress, note))
    row = CheckIn(
        application_id=a.id,
        author_id=actor.id,
        progress_percent=progress,
        note=note.strip(),
        created_at=clock.now(),
    )
    db.session.add(row)
    db.session.flush()
    others = {u.id: u for u in [a.applicant, a.supervisor, *_hosts(a.placement)]}
    for person in others.values():
        if person.id != actor.id:
            _mail(
                person,
                _l(
                    "Check-in (%(progress)s %%): %(placement_title)s",
                    progress=progress,
                    placement_title=a.placement.title,
                ),
                "checkin",
                a,
                f"checkin-{row.id}-{person.id}",
                checkin=row,
            )
    return row


def complete(
    actor: User, application_id: int, *, passed: bool, evaluation: str
) -> PlacementApplication:
    """The host completes the placement with its evaluation. Passed, and the placement names a
    module of the hosting facility: the participant receives a certificate for it (recognition of
    prior learning, the evaluation as evidence), issued by the host manager — which other
    facilities can then recognise through training/recognition."""
    a = get_application(actor, application_id, lock=True)
    if permissions.party(actor, a) != "host":
        raise Forbidden(N_("Only the host completes the placement."))
    raise_problems(rules.completion_problems(a.status, a.agreement_signed, evaluation))
    p = a.placement
    a.status, a.passed, a.evaluation, a.completed_at = (
        S.COMPLETED,
        passed,
        evaluation.strip(),
        clock.now(),
    )
    if passed and p.module_id is not None:
        from training.certification.services import issue_for_module
        from training.models import TrainingModule

        evidence = (
            f"{p.kind.label} “{p.title}” at {p.host_name}, {p.starts_on:%d %b %Y} to "
            f"{p.ends_on:%d %b %Y}, {p.hours_per_week} h a week, learning agreement signed by "
            f"the participant, the host and the home supervisor. Host's evaluation: {a.evaluation}"
        )
        a.certificate_id = issue_for_module(
            actor,
            module=db.session.get(TrainingModule, p.module_id),
            facility=p.facility,
            holder=a.applicant,
            evidence=evidence,
        ).id
    audit.record(
        actor, "placement.completed", a, {"passed": [None, passed]}, facility_id=p.facility_id
    )
    for person in (a.applicant, a.supervisor):
        _mail(
            person,
            _l("Placement completed: %(p_title)s", p_title=p.title),
            "completed",
            a,
            f"completed-{a.id}-{person.id}",
        )
    return a


def get_file(actor: User, file_id: int) -> PlacementFile:
    row = db.session.get(PlacementFile, file_id) if 0 < file_id < 2**31 else None
    if row is None:
        raise NotFound(N_("No such file."))
    get_application(actor, row.application_id)
    return row
