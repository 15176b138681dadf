"""Company accounts: administrators invite employees by e-mail with a single-use, expiring link.

Accepting an invitation creates an account in the company, or attaches the signed-in account with
the invited address to it; employees of a company are in the industry category everywhere.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from innocore import audit, clock
from innocore.accounts.addresses import address_problem
from innocore.accounts.models import Organisation, User
from innocore.accounts.rules import password_problems
from innocore.accounts.services import get_user_by_email, hash_password
from innocore.db import UTCDateTime
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db
from innocore.links import absolute_url
from innocore.marks import N_, T_
from innocore.notifications import kinds
from innocore.notifications.services import queue_email
from innocore.permissions import can_administer_company
from innocore.secret_links import digest
from innocore.vocab import MembershipMethod, OrganisationKind, OrgRole

INVITATION_DAYS = 7
MAX_PENDING = 200


class CompanyInvitation(db.Model):
    """An e-mailed invitation to join a company; only the SHA-256 of its token is stored."""

    __tablename__ = "company_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    invited_by: Mapped[User] = relationship(foreign_keys=[invited_by_id])

    def __repr__(self) -> str:
        return f"<CompanyInvitation {self.id} org={self.organisation_id} {self.email}>"

    def state(self, now: datetime) -> str:
        if self.used_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "pending"


def _company_of(actor: User) -> Organisation:
    org = actor.organisation
    if org.kind != OrganisationKind.COMPANY or not can_administer_company(actor, org):
        raise Forbidden(N_("Only company administrators manage their company's people."))
    return org


# One English sentence per rule: an invitation goes to a valid, new address that is not already
# an employee, and a company keeps a bounded number of pending invitations.
def invitation_problems(
    address_message: str | None, *, already_member: bool, pending: int
) -> list[Problem]:
    """``address_message`` is the kernel's one e-mail rule applied to the address (None: fine)."""
    problems = []
    if address_message:
        problems.append(Problem("email_invalid", address_message, "email"))
    if already_member:
        problems.append(
            Problem("already_member", N_("This person already belongs to your company."), "email")
        )
    if pending >= MAX_PENDING:
        problems.append(
            Problem(
                "too_many",
                T_("At most %(max_pending)s invitations may be pending.", max_pending=MAX_PENDING),
                "email",
            )
        )
    return problems


def invite_employee(actor: User, email: str) -> tuple[CompanyInvitation, str]:
    """Invite a person to the actor's company; returns the invitation and its raw token."""
    org = _company_of(actor)
    email = (email or "").strip().lower()
    existing = get_user_by_email(email) if email else None
    now = clock.now()
    pending = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(CompanyInvitation)
        .where(
            CompanyInvitation.organisation_id == org.id,
            CompanyInvitation.used_at.is_(None),
            CompanyInvitation.revoked_at.is_(None),
            CompanyInvitation.expires_at > now,
        )
    )
    problems = invitation_problems(
        address_problem(email),
        already_member=existing is not None and existing.organisation_id == org.id,
        pending=pending or 0,
    )
    if problems:
        raise DomainError(problems)
    raw = secrets.token_urlsafe(32)
    days = current_app.config.get("COMPANY_INVITATION_DAYS", INVITATION_DAYS)
    invitation = CompanyInvitation(
        organisation_id=org.id,
        email=email,
        token_hash=digest(raw),
        invited_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(
        actor, "company.invite", invitation, {"email": [None, email]}, organisation_id=org.id
    )
    queue_email(
        email,
        _l(
            "%(actor_name)s invites you to %(org_name)s on InnoCore",
            actor_name=actor.name,
            org_name=org.name,
        ),
        "company_invitation",
        kind=kinds.SECURITY,
        link=absolute_url("companies.join", token=raw),
        company=org.name,
        inviter=actor.name,
        days=days,
    )
    return invitation, raw


def list_invitations(actor: User) -> list[CompanyInvitation]:
    org = _company_of(actor)
    return list(
        db.session.scalars(
            sa.select(CompanyInvitation)
            .where(CompanyInvitation.organisation_id == org.id)
            .order_by(CompanyInvitation.created_at.desc())
            .limit(200)
        )
    )


def revoke_invitation(actor: User, invitation_id: int) -> CompanyInvitation:
    """A pending invitation of the actor's company is revoked; other companies' ids are 404."""
    org = _company_of(actor)
    invitation = db.session.get(CompanyInvitation, invitation_id)
    if invitation is None or invitation.organisation_id != org.id:
        raise NotFound(N_("No such invitation."))
    if invitation.state(clock.now()) != "pending":
        raise DomainError(Problem("not_pending", N_("This invitation is no longer pending.")))
    invitation.revoked_at = clock.now()
    audit.record(
        actor,
        "company.invite_revoked",
        invitation,
        {"revoked": [None, True]},
        organisation_id=org.id,
    )
    return invitation


def find_invitation(raw: str) -> CompanyInvitation:
    """The invitation behind a link, if it can still be accepted; otherwise a plain refusal."""
    invitation = db.session.scalar(
        sa.select(CompanyInvitation).where(CompanyInvitation.token_hash == digest(raw or ""))
    )
    now = clock.now()
    if invitation is None or invitation.revoked_at is not None:
        raise DomainError(Problem("token_invalid", N_("This invitation link is not valid.")))
    if invitation.used_at is not None:
        raise DomainError(Problem("token_used", N_("This invitation was already used.")))
    if invitation.expires_at <= now:
        raise DomainError(
            Problem("token_expired", N_("This invitation has expired. Ask for a new one."))
        )
    return invitation


def _spend(invitation: CompanyInvitation, user: User) -> None:
    """Compare-and-set: of two simultaneous acceptances only one wins."""
    won = db.session.execute(
        sa.update(CompanyInvitation)
        .where(CompanyInvitation.id == invitation.id, CompanyInvitation.used_at.is_(None))
        .values(used_at=clock.now(), accepted_by_id=user.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        raise DomainError(Problem("token_used", N_("This invitation was already used.")))


def accept_invitation(
    raw: str, *, current: User | None, name: str = "", password: str = ""
) -> User:
    """Join the company: a new account (name, password), or the signed-in account of that address."""
    invitation = find_invitation(raw)
    existing = get_user_by_email(invitation.email)
    if existing is not None:
        if current is None or current.id != existing.id:
            raise DomainError(
                Problem(
                    "sign_in_first",
                    N_(
                        "An account with this e-mail exists: sign in with it, then open the link again."
                    ),
                ),
                status=403,
            )
        user = existing
        old_org = user.organisation_id
        user.organisation_id = invitation.organisation_id
        user.organisation = invitation.organisation
        user.org_role = OrgRole.MEMBER
        user.membership_verified_at = now = clock.now()
        user.membership_method = MembershipMethod.INVITATION
        user.membership_declined_at = None
        changes = {
            "organisation_id": [old_org, invitation.organisation_id],
            "membership_method": [None, MembershipMethod.INVITATION.value],
        }
    else:
        clean = " ".join((name or "").split())
        problems = password_problems(password or "", email=invitation.email, name=clean)
        if not clean or len(clean) > 200:
            problems.append(Problem("name_required", N_("Enter your name."), "name"))
        if problems:
            raise DomainError(problems)
        now = clock.now()
        user = User(
            name=clean,
            email=invitation.email,
            password_hash=hash_password(password),
            organisation=invitation.organisation,
            org_role=OrgRole.MEMBER,
            created_at=now,
            email_verified_at=now,  # the link proved the address
            membership_verified_at=now,
            membership_method=MembershipMethod.INVITATION,
        )
        db.session.add(user)
        db.session.flush()
        changes = audit.snapshot(user, exclude=("password_hash",))
    _spend(invitation, user)
    audit.record(user, "company.joined", user, changes, organisation_id=invitation.organisation_id)
    return user


def list_employees(actor: User, *, page: int = 1, per_page: int = 50):
    org = _company_of(actor)
    return db.paginate(
        sa.select(User)
        .where(User.organisation_id == org.id, User.membership_verified_at.is_not(None))
        .order_by(User.name, User.id),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def set_admin(actor: User, user_id: int, admin: bool) -> User:
    """A company administrator makes an employee an administrator, or back; never themselves."""
    org = _company_of(actor)
    user = db.session.get(User, user_id)
    if user is None or user.organisation_id != org.id:
        raise NotFound(N_("No such employee."))
    if user.id == actor.id:
        raise DomainError(Problem("self", N_("You cannot change your own role.")))
    old = user.org_role
    user.org_role = OrgRole.ADMIN if admin else OrgRole.MEMBER
    if old != user.org_role:
        audit.record(
            actor,
            "company.role",
            user,
            {"org_role": [old.value, user.org_role.value]},
            organisation_id=org.id,
        )
    return user
