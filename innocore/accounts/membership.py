"""Verified membership: an organisation (through its identity provider) vouched that a person
belongs to it. The single place other packages call, so pricing and permissions can later read
one record whatever verified it (single sign-on today; others may follow)."""

from __future__ import annotations

from innocore import audit
from innocore.accounts.models import Organisation, User


def record_verified_membership(
    user: User, organisation: Organisation, *, source: str, affiliation: str = ""
) -> None:
    """Record that ``organisation`` verified ``user``'s membership now: an audit event
    ``user.membership_verified`` naming the ``source`` (e.g. ``"oidc https://idp.example"``) and
    the ``affiliation`` the provider asserted (``"staff@uni.example"``). Flushes, never commits."""
    changes = {"organisation_id": [None, organisation.id], "source": [None, source[:200]]}
    if affiliation:
        changes["affiliation"] = [None, affiliation[:200]]
    audit.record(user, "user.membership_verified", user, changes, organisation_id=organisation.id)
