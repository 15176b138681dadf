"""Challenge permissions: named predicates with an explicit user, used by services and templates.

The posting side is the poster and their company's administrator (or, for a challenge the facility
posted, its managers); reviewers are the host facility's staff and network administrators.
"""

from __future__ import annotations

from innocore.permissions import can_manage_facility, can_staff_facility, is_network_admin
from innocore.vocab import OrganisationKind
from training.challenges.models import ApplicationStatus, Challenge, ChallengeStatus

VISIBLE = (ChallengeStatus.PUBLISHED, ChallengeStatus.UNDERWAY, ChallengeStatus.COMPLETED)
WORKING = (ApplicationStatus.SELECTED, ApplicationStatus.COMPLETED)


def _in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def can_post_challenge(user) -> bool:
    """Company people post for their company; facility managers for their facility."""
    if not _in(user):
        return False
    from innocore.permissions import managed_facility_ids

    company = user.organisation.kind == OrganisationKind.COMPANY
    return company or is_network_admin(user) or bool(managed_facility_ids(user))


def can_manage_challenge(user, ch: Challenge) -> bool:
    """The posting side shortlists, selects and gives feedback."""
    if not _in(user):
        return False
    if ch.by_facility:
        return can_manage_facility(user, ch.facility) or user.id == ch.posted_by_id
    return user.id == ch.posted_by_id or (
        user.is_company_admin and user.organisation_id == ch.organisation_id
    )


def on_posting_side(user, ch: Challenge) -> bool:
    """The posting side, or anyone of the posting company (who may not apply to it)."""
    return can_manage_challenge(user, ch) or (
        _in(user) and not ch.by_facility and user.organisation_id == ch.organisation_id
    )


def can_review_challenge(user, ch: Challenge) -> bool:
    """The host facility's staff (and network admins) review a challenge before publication."""
    return _in(user) and (is_network_admin(user) or can_staff_facility(user, ch.facility))


def can_see_challenge(user, ch: Challenge) -> bool:
    """Published challenges are seen by everyone signed in; others by their two sides only."""
    return _in(user) and (
        ch.status in VISIBLE or can_manage_challenge(user, ch) or can_review_challenge(user, ch)
    )


def can_see_details(user, ch: Challenge, *, nda_accepted: bool, in_team: bool) -> bool:
    """Confidential details: the two sides, team members, and those who accepted the NDA."""
    if can_manage_challenge(user, ch) or can_review_challenge(user, ch) or in_team:
        return True
    return can_see_challenge(user, ch) and (not ch.confidential or nda_accepted)


def can_see_applications(user, ch: Challenge) -> bool:
    """The posting side, the reviewers and those who certify the outcome at the host."""
    return can_manage_challenge(user, ch) or can_review_challenge(user, ch) or can_award(user, ch)


def can_award(user, ch: Challenge) -> bool:
    """Those who certify at the host facility record the outcome as a learning achievement."""
    from training.certification.permissions import can_issue_at

    return _in(user) and can_issue_at(user, ch.facility)


TEMPLATE_PREDICATES = {
    "can_post_challenge": can_post_challenge,
    "can_manage_challenge": can_manage_challenge,
    "can_review_challenge": can_review_challenge,
    "can_award_challenge": can_award,
}
