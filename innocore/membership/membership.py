"""Verified membership, the administrators' side: deciding claims, listing members, and the
e-mail domains that verify them. The person's side (claiming, verifying, ``membership_status``)
is ``innocore.accounts.membership``, re-exported here for the pages and API.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from innocore import audit, clock
from innocore.accounts.membership import (  # noqa: F401  (re-exported: the pages and API use them)
    DECISIONS,
    change_organisation,
    matching_domain,
    membership_status,
    record_verified_membership,
    verify_by_domain,
    verify_membership,
    why_external,
)
from innocore.accounts.models import Organisation, OrganisationDomain, User
from innocore.accounts.rules import domain_problems, email_in_domain, normalise_domain
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db
from innocore.links import absolute_url
from innocore.marks import N_
from innocore.notifications import kinds
from innocore.notifications.services import queue_email
from innocore.permissions import can_administer_organisation, is_network_admin
from innocore.vocab import MembershipMethod, OrganisationKind, OrgRole

# ---- administrators ----------------------------------------------------------------------------


def organisation_for(actor: User, organisation_id: int) -> Organisation:
    """The organisation, if the actor administers it (``NotFound``/``Forbidden`` otherwise)."""
    org = db.session.get(Organisation, organisation_id)
    if org is None:
        raise NotFound(N_("No such organisation."))
    if not can_administer_organisation(actor, org):
        raise Forbidden(N_("Only the organisation's administrators decide who belongs to it."))
    return org


def administered_organisations(actor: User) -> list[Organisation]:
    from innocore.permissions import administered_organisation_ids

    stmt = sa.select(Organisation).order_by(Organisation.name)
    if not is_network_admin(actor):
        stmt = stmt.where(Organisation.id.in_(administered_organisation_ids(actor)))
    return list(db.session.scalars(stmt.limit(500)))


def members_query(org: Organisation, state: str):
    """``state``: ``pending`` (claims awaiting a decision), ``verified`` or ``declined``."""
    stmt = sa.select(User).where(User.organisation_id == org.id, User.active.is_(True))
    if state == "verified":
        stmt = stmt.where(User.membership_verified_at.is_not(None))
    elif state == "declined":
        stmt = stmt.where(
            User.membership_verified_at.is_(None), User.membership_declined_at.is_not(None)
        )
    else:
        stmt = stmt.where(
            User.membership_verified_at.is_(None), User.membership_declined_at.is_(None)
        )
    return stmt.order_by(User.name, User.id)


def pending_count(actor: User) -> int:
    from innocore.permissions import administered_organisation_ids

    ids = administered_organisation_ids(actor)
    if not ids:
        return 0
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(User)
            .where(
                User.organisation_id.in_(ids),
                User.active.is_(True),
                User.membership_verified_at.is_(None),
                User.membership_declined_at.is_(None),
            )
        )
        or 0
    )


def _member(org: Organisation, user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.organisation_id != org.id:
        raise NotFound(N_("This person does not claim this organisation."))
    return user


def decide(actor: User, organisation_id: int, user_id: int, decision: str) -> User:
    """An administrator ``approved``, ``declined`` or ``revoked`` a person's membership.

    Approving verifies (``admin_approval``); declining a pending claim or revoking a verified
    membership leaves the person in the organisation but priced as external. Company memberships
    are managed by invitations, not here. The person is e-mailed. Raises ``Forbidden``,
    ``NotFound``, ``DomainError`` (``company_needs_invitation``, ``self``, ``not_pending``,
    ``not_verified``).
    """
    org = organisation_for(actor, organisation_id)
    if org.kind == OrganisationKind.COMPANY:
        raise DomainError(
            Problem(
                "company_needs_invitation",
                N_("Company memberships are managed with invitations on the company page."),
            )
        )
    user = _member(org, user_id)
    if user.id == actor.id and not is_network_admin(actor):
        raise DomainError(Problem("self", N_("Someone else decides about your own membership.")))
    if decision == "approved":
        verify_membership(user, org, MembershipMethod.ADMIN_APPROVAL, actor=actor)
    elif decision == "declined":
        if user.membership_verified_at is not None:
            raise DomainError(Problem("not_pending", N_("This membership is already verified.")))
        user.membership_declined_at = clock.now()
        audit.record(
            actor, "membership.declined", user, audit.changes_of(user), organisation_id=org.id
        )
    elif decision == "revoked":
        if user.membership_verified_at is None:
            raise DomainError(Problem("not_verified", N_("This membership is not verified.")))
        user.membership_verified_at = None
        user.membership_method = None
        user.membership_declined_at = clock.now()
        user.org_role = OrgRole.MEMBER
        audit.record(
            actor, "membership.revoked", user, audit.changes_of(user), organisation_id=org.id
        )
    else:
        raise DomainError(
            Problem("decision_invalid", N_("Approve, decline or revoke."), "decision")
        )
    queue_email(
        user,
        {
            "approved": _l("Your membership of %(org)s is confirmed", org=org.name),
            "declined": _l("Your membership of %(org)s was not confirmed", org=org.name),
            "revoked": _l("Your membership of %(org)s is no longer confirmed", org=org.name),
        }[decision],
        "membership_decision",
        link=absolute_url("accounts.profile"),
        kind=kinds.SECURITY,
        decision=decision,
        organisation=org,
        actor=actor,
    )
    return user


def list_domains(org: Organisation) -> list[OrganisationDomain]:
    return list(
        db.session.scalars(
            sa.select(OrganisationDomain)
            .where(OrganisationDomain.organisation_id == org.id)
            .order_by(OrganisationDomain.domain)
        )
    )


def add_domain(actor: User, organisation_id: int, domain: str) -> tuple[OrganisationDomain, int]:
    """Register an e-mail domain of the organisation; pending claims with a confirmed address in
    it are verified at once. Returns the domain and how many people it verified. Raises
    ``Forbidden``/``NotFound``, ``DomainError`` (rules in ``domain_problems``)."""
    org = organisation_for(actor, organisation_id)
    domain = normalise_domain(domain)
    owner = db.session.scalar(
        sa.select(OrganisationDomain.organisation_id).where(OrganisationDomain.domain == domain)
    )
    if owner == org.id:
        raise DomainError(
            Problem("domain_known", N_("This domain is already registered."), "domain")
        )
    problems = domain_problems(domain, organisation_kind=org.kind, taken_by_other=owner is not None)
    if problems:
        raise DomainError(problems)
    row = OrganisationDomain(
        organisation_id=org.id, domain=domain, added_by_id=actor.id, created_at=clock.now()
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor, "organisation.domain_added", row, {"domain": [None, domain]}, organisation_id=org.id
    )
    verified = 0
    for user in db.session.scalars(members_query(org, "pending")):
        if email_in_domain(user.email, domain) and verify_by_domain(user):
            verified += 1
    return row, verified


def remove_domain(actor: User, organisation_id: int, domain_id: int) -> None:
    """Stop verifying new addresses in a domain; memberships it verified stay verified."""
    org = organisation_for(actor, organisation_id)
    row = db.session.get(OrganisationDomain, domain_id)
    if row is None or row.organisation_id != org.id:
        raise NotFound(N_("No such domain."))
    audit.record(
        actor,
        "organisation.domain_removed",
        row,
        {"domain": [row.domain, None]},
        organisation_id=org.id,
    )
    db.session.delete(row)
    db.session.flush()
