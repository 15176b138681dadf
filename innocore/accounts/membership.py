"""Verified membership: a person's organisation decides their price only once it is verified.

A user *claims* an organisation at registration or from the profile; the claim is verified by

- an e-mail address (confirmed by the e-mail link) in a domain the organisation's administrators
  registered (``OrganisationDomain``; subdomains count),
- an invitation (company invitations, ``innocore.membership.companies``),
- an administrator's approval (``approve``: the organisation's administrators, the managers of
  facilities it hosts, network admins),
- institutional single sign-on: ``verify_membership(user, organisation, MembershipMethod.SSO)``.

Until then ``innocore.accounts.rules.category_for`` treats the person as external (external
academic; company members are industry either way) and ``why_external`` says why. Changing
organisation drops the verification and checks again. Services flush, never commit.

The person's side lives here; the administrators' side (deciding claims, e-mail domains) is
``innocore.membership.membership``, above the permissions.
"""

from __future__ import annotations

import sqlalchemy as sa

from innocore import audit, clock
from innocore.accounts.models import Organisation, OrganisationDomain, User
from innocore.accounts.rules import email_in_domain
from innocore.errors import DomainError, Problem
from innocore.extensions import db
from innocore.marks import N_, T_
from innocore.vocab import MembershipMethod, OrganisationKind, OrgRole

# What an administrator does with a claim: (audit action, e-mail subject in English; the
# e-mail itself is written with the marked subjects in innocore.membership.membership).
DECISIONS = {
    "approved": ("membership.approved", "Your membership of {org} is confirmed"),
    "declined": ("membership.declined", "Your membership of {org} was not confirmed"),
    "revoked": ("membership.revoked", "Your membership of {org} is no longer confirmed"),
}


def verify_membership(
    user: User, organisation: Organisation, method: MembershipMethod, *, actor: User | None = None
) -> User:
    """Record that ``user`` verifiably belongs to ``organisation`` (the kernel's one entry point).

    Moves the user into ``organisation`` if they were elsewhere (as a plain member: roles do not
    travel) and marks the membership verified now by ``method``; writes a ``membership.verified``
    audit event (``actor`` defaults to the user). Idempotent for an already verified membership of
    the same organisation. Flushes, never commits. Called by the e-mail confirmation, company
    invitations, administrators' approvals and the SSO sign-in (``innocore/sso/``).

    Raises ``DomainError`` (``company_needs_invitation``) when e-mail domains would verify a company
    membership: companies admit people by invitation (or their own SSO) only.
    """
    if organisation.kind == OrganisationKind.COMPANY and method == MembershipMethod.EMAIL_DOMAIN:
        raise DomainError(
            Problem("company_needs_invitation", N_("Companies admit people by invitation only."))
        )
    if user.organisation_id == organisation.id and user.membership_verified_at is not None:
        return user
    if user.organisation_id != organisation.id:
        _claim(user, organisation)
    user.membership_verified_at = clock.now()
    user.membership_method = method
    user.membership_declined_at = None
    audit.record(
        actor or user,
        "membership.verified",
        user,
        audit.changes_of(user),
        organisation_id=organisation.id,
    )
    return user


def _claim(user: User, organisation: Organisation) -> None:
    user.organisation_id = organisation.id
    user.organisation = organisation
    user.org_role = OrgRole.MEMBER
    user.membership_verified_at = None
    user.membership_method = None
    user.membership_declined_at = None


def matching_domain(user: User) -> OrganisationDomain | None:
    """The registered domain of the user's organisation their address is in, if any."""
    host = user.email.rpartition("@")[2].lower()
    parts = host.split(".")
    candidates = [".".join(parts[i:]) for i in range(len(parts) - 1)]
    row = db.session.scalar(
        sa.select(OrganisationDomain).where(
            OrganisationDomain.organisation_id == user.organisation_id,
            OrganisationDomain.domain.in_(candidates),
        )
    )
    return row if row is not None and email_in_domain(user.email, row.domain) else None


def verify_by_domain(user: User) -> bool:
    """Verify the membership if the confirmed address is in a domain the organisation registered;
    returns whether the membership is verified afterwards."""
    if user.membership_verified_at is not None:
        return True
    if user.email_verified_at is None or user.organisation.kind == OrganisationKind.COMPANY:
        return False
    if matching_domain(user) is None:
        return False
    verify_membership(user, user.organisation, MembershipMethod.EMAIL_DOMAIN)
    return True


def change_organisation(user: User, organisation: Organisation) -> User:
    """Claim another (non-company) organisation: the old verification ends, the new claim is
    verified at once if the confirmed address is in one of its domains, otherwise it waits for an
    administrator. Raises ``DomainError``: ``company_needs_invitation``, ``same_organisation``."""
    if organisation.kind == OrganisationKind.COMPANY:
        raise DomainError(
            Problem(
                "company_needs_invitation",
                T_(
                    "%(organisation_name)s admits people by invitation only: ask its administrator.",
                    organisation_name=organisation.name,
                ),
                "organisation",
            )
        )
    if organisation.id == user.organisation_id:
        raise DomainError(
            Problem(
                "same_organisation", N_("You already belong to this organisation."), "organisation"
            )
        )
    old = user.organisation_id
    _claim(user, organisation)
    audit.record(
        user,
        "membership.claimed",
        user,
        {"organisation_id": [old, organisation.id]},
        organisation_id=organisation.id,
    )
    verify_by_domain(user)
    return user


def why_external(user, facility) -> str | None:
    """The sentence shown where a price is shown, when the user is priced as external only because
    their membership of the facility's institution is not verified; ``None`` otherwise."""
    if not getattr(user, "is_authenticated", False) or user.membership_verified_at is not None:
        return None
    org = user.organisation
    if org.kind == OrganisationKind.COMPANY:
        return None
    if user.organisation_id == facility.institution_id:
        return T_(
            "You are priced as an external user here until your membership of %(org)s is "
            "verified: confirm an address in one of its registered e-mail domains, or wait for "
            "an administrator to approve you.",
            org=org.name,
        )
    return None


def membership_status(user: User) -> dict:
    """``{"organisation_id", "verified", "method", "verified_at", "declined_at", "explanation"}``."""
    if user.membership_verified_at is not None:
        text = T_("Verified (%(method)s).", method=user.membership_method.label)
    elif user.membership_declined_at is not None:
        text = T_(
            "An administrator of %(org)s did not confirm your membership: you are treated as "
            "an external user.",
            org=user.organisation.name,
        )
    else:
        text = T_(
            "Not verified yet: until an address in a domain %(org)s registered is confirmed, or "
            "an administrator approves you, you are treated as an external user.",
            org=user.organisation.name,
        )
    return {
        "organisation_id": user.organisation_id,
        "verified": user.membership_verified_at is not None,
        "method": user.membership_method.value if user.membership_method else None,
        "verified_at": user.membership_verified_at,
        "declined_at": user.membership_declined_at,
        "explanation": text,
    }


def record_verified_membership(
    user: User, organisation: Organisation, *, source: str, affiliation: str = ""
) -> None:
    """Single sign-on's entry point: ``organisation`` (through its identity provider) verified
    ``user``'s membership now. Marks it verified (``verify_membership``, method ``sso``) and adds
    the audit event ``user.membership_verified`` naming the ``source`` (e.g. ``"oidc
    https://idp.example"``) and the asserted ``affiliation`` (``"staff@uni.example"``). Flushes,
    never commits."""
    verify_membership(user, organisation, MembershipMethod.SSO)
    changes = {"organisation_id": [None, organisation.id], "source": [None, source[:200]]}
    if affiliation:
        changes["affiliation"] = [None, affiliation[:200]]
    audit.record(user, "user.membership_verified", user, changes, organisation_id=organisation.id)
