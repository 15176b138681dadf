"""Verified organisation membership for users built directly in tests (not through ``make_user``)."""

from innocore.vocab import MembershipMethod


def verified(now) -> dict:
    """Keyword arguments of ``User(...)``: a member whose organisation membership is verified."""
    return {"membership_verified_at": now, "membership_method": MembershipMethod.ADMIN_APPROVAL}
