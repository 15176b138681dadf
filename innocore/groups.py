"""Research groups: a principal investigator (PI) and members who join by request, the PI approves.

A group belongs to one (non-company) organisation; its PI must be a verified member of it. When the
PI approves someone who only claims that organisation, the approval also verifies their membership
(the "group's administrator" of ``innocore.membership.membership``). Services flush, never commit.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from innocore import audit, clock
from innocore.accounts.models import Organisation, User
from innocore.db import UTCDateTime, enum_column
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db
from innocore.links import absolute_url
from innocore.marks import N_, T_
from innocore.notifications import kinds
from innocore.notifications.services import queue_email
from innocore.permissions import is_network_admin
from innocore.unique import flush_unique
from innocore.vocab import MembershipMethod, OrganisationKind


class GroupMemberStatus(enum.StrEnum):
    PENDING = "pending"  # asked to join; the PI decides
    ACTIVE = "active"
    DECLINED = "declined"
    LEFT = "left"  # left, or removed by the PI

    @property
    def label(self) -> str:
        from flask_babel import gettext

        return gettext(
            {
                "pending": N_("Asked to join"),
                "active": N_("Member"),
                "declined": N_("Declined"),
                "left": N_("Left the group"),
            }[self.value]
        )


class ResearchGroup(db.Model):
    __tablename__ = "research_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    pi_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()
    pi: Mapped[User] = relationship()

    __table_args__ = (
        sa.Index("uq_research_group_org_name", "organisation_id", sa.func.lower(name), unique=True),
    )

    def __repr__(self) -> str:
        return f"<ResearchGroup {self.id} {self.name!r}>"


class GroupMembership(db.Model):
    __tablename__ = "group_membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("research_group.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    status: Mapped[GroupMemberStatus] = mapped_column(
        enum_column(GroupMemberStatus, "group_member_status")
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    group: Mapped[ResearchGroup] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (sa.UniqueConstraint("group_id", "user_id"),)

    def __repr__(self) -> str:
        return f"<GroupMembership g={self.group_id} u={self.user_id} {self.status.value}>"


GROUP_NAME_TAKEN = Problem("name_taken", N_("Your organisation has a group of this name."), "name")


def is_pi(user, group: ResearchGroup) -> bool:
    """The group's PI (and network admins) decide its members and own its billing accounts."""
    return bool(getattr(user, "is_authenticated", False)) and (
        user.id == group.pi_id or is_network_admin(user)
    )


def active_group_ids(user) -> list[int]:
    """Groups the user is an active member of (the PI included)."""
    return list(
        db.session.scalars(
            sa.select(GroupMembership.group_id).where(
                GroupMembership.user_id == user.id,
                GroupMembership.status == GroupMemberStatus.ACTIVE,
            )
        )
    )


def get_group(group_id: int) -> ResearchGroup:
    group = db.session.get(ResearchGroup, group_id)
    if group is None:
        raise NotFound(N_("No such research group."))
    return group


def create_group(actor: User, name: str) -> ResearchGroup:
    """A verified member of an academic organisation founds a group there and is its PI.

    Raises ``DomainError``: ``name_required``, ``not_verified``, ``company``, ``name_taken``."""
    name = " ".join((name or "").split())
    problems = []
    if not name or len(name) > 200:
        problems.append(
            Problem("name_required", N_("Name the group (up to 200 characters)."), "name")
        )
    if actor.organisation.kind == OrganisationKind.COMPANY:
        problems.append(Problem("company", N_("Research groups belong to institutions.")))
    elif actor.membership_verified_at is None:
        problems.append(
            Problem(
                "not_verified",
                T_(
                    "Your membership of %(organisation_name)s must be verified to lead a group.",
                    organisation_name=actor.organisation.name,
                ),
            )
        )
    taken = db.session.scalar(
        sa.select(ResearchGroup.id).where(
            ResearchGroup.organisation_id == actor.organisation_id,
            sa.func.lower(ResearchGroup.name) == name.lower(),
        )
    )
    if taken is not None:
        problems.append(GROUP_NAME_TAKEN)
    if problems:
        raise DomainError(problems)
    now = clock.now()
    group = ResearchGroup(
        name=name, organisation_id=actor.organisation_id, pi_id=actor.id, created_at=now
    )
    db.session.add(group)
    flush_unique([("uq_research_group_org_name", (), GROUP_NAME_TAKEN)])
    db.session.add(
        GroupMembership(
            group_id=group.id,
            user_id=actor.id,
            status=GroupMemberStatus.ACTIVE,
            requested_at=now,
            decided_at=now,
            decided_by_id=actor.id,
        )
    )
    audit.record(
        actor, "group.created", group, audit.snapshot(group), organisation_id=group.organisation_id
    )
    return group


def _row(group_id: int, user_id: int) -> GroupMembership | None:
    return db.session.scalar(
        sa.select(GroupMembership).where(
            GroupMembership.group_id == group_id, GroupMembership.user_id == user_id
        )
    )


def request_to_join(actor: User, group_id: int) -> GroupMembership:
    """Ask to join a group of one's own (claimed) organisation; the PI is e-mailed.

    Raises ``NotFound``; ``DomainError``: ``other_organisation``, ``already``."""
    group = get_group(group_id)
    if group.organisation_id != actor.organisation_id:
        raise DomainError(
            Problem(
                "other_organisation",
                T_(
                    "Only people of %(organisation_name)s join it.",
                    organisation_name=group.organisation.name,
                ),
            )
        )
    row = _row(group.id, actor.id)
    if row is not None and row.status in (GroupMemberStatus.PENDING, GroupMemberStatus.ACTIVE):
        raise DomainError(
            Problem("already", N_("You already asked to join, or belong to, this group."))
        )
    if row is None:
        row = GroupMembership(group_id=group.id, user_id=actor.id)
        db.session.add(row)
    row.status = GroupMemberStatus.PENDING
    row.requested_at = clock.now()
    row.decided_at = row.decided_by_id = None
    db.session.flush()
    audit.record(
        actor,
        "group.join_requested",
        row,
        {"status": [None, "pending"]},
        organisation_id=group.organisation_id,
    )
    queue_email(
        group.pi,
        _l(
            "%(actor_name)s asks to join %(group_name)s",
            actor_name=actor.name,
            group_name=group.name,
        ),
        "group_join_request",
        link=absolute_url("groups.show", group_id=group.id),
        kind=kinds.STAFF_WORK,
        group=group,
        requester=actor,
    )
    return row


def decide_member(actor: User, group_id: int, user_id: int, decision: str) -> GroupMembership:
    """The PI ``approved`` or ``declined`` a request, or ``removed`` an active member (a member
    may remove themselves: leaving). Approving someone who only claims the group's organisation
    verifies that membership too (the PI's own membership being verified).

    Raises ``Forbidden``, ``NotFound``; ``DomainError``: ``not_pending``, ``not_member``, ``pi``.
    """
    group = get_group(group_id)
    leaving = decision == "removed" and actor.id == user_id
    if not (is_pi(actor, group) or leaving):
        raise Forbidden(N_("Only the group's principal investigator decides who belongs to it."))
    row = _row(group.id, user_id)
    if row is None:
        raise NotFound(N_("This person has not asked to join the group."))
    old = row.status
    if decision in ("approved", "declined"):
        if row.status != GroupMemberStatus.PENDING:
            raise DomainError(Problem("not_pending", N_("This request was already decided.")))
        row.status = (
            GroupMemberStatus.ACTIVE if decision == "approved" else GroupMemberStatus.DECLINED
        )
    elif decision == "removed":
        if row.status != GroupMemberStatus.ACTIVE:
            raise DomainError(
                Problem("not_member", N_("This person is not a member of the group."))
            )
        if user_id == group.pi_id:
            raise DomainError(Problem("pi", N_("The principal investigator stays in the group.")))
        row.status = GroupMemberStatus.LEFT
    else:
        raise DomainError(
            Problem("decision_invalid", N_("Approve, decline or remove."), "decision")
        )
    row.decided_at = clock.now()
    row.decided_by_id = actor.id
    audit.record(
        actor,
        f"group.member_{decision}",
        row,
        {"status": [old.value, row.status.value]},
        organisation_id=group.organisation_id,
    )
    user = row.user
    pi_verified = group.pi.membership_verified_at is not None
    if decision == "approved" and user.membership_verified_at is None and pi_verified:
        from innocore.accounts.membership import verify_membership

        verify_membership(user, group.organisation, MembershipMethod.ADMIN_APPROVAL, actor=actor)
    if not leaving:
        queue_email(
            user,
            _l(
                "%(group_name)s: your membership was %(decision)s",
                group_name=group.name,
                decision=decision,
            ),
            "group_decision",
            link=absolute_url("groups.show", group_id=group.id),
            kind=kinds.STAFF_CHANGES,
            group=group,
            decision=decision,
        )
    return row


def members_of(group: ResearchGroup, status: GroupMemberStatus | None = None) -> list:
    stmt = (
        sa.select(GroupMembership)
        .where(GroupMembership.group_id == group.id)
        .join(User, User.id == GroupMembership.user_id)
        .order_by(User.name, User.id)
    )
    if status is not None:
        stmt = stmt.where(GroupMembership.status == status)
    return list(db.session.scalars(stmt.limit(500)))


def groups_of_organisation(organisation_id: int) -> list[ResearchGroup]:
    return list(
        db.session.scalars(
            sa.select(ResearchGroup)
            .where(ResearchGroup.organisation_id == organisation_id)
            .order_by(ResearchGroup.name)
            .limit(500)
        )
    )
