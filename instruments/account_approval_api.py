"""Account approvals through /api/v1 (the pages' twins): bookings awaiting my approval as a
billing account's owner, approve, refuse."""

from __future__ import annotations

from flask_login import current_user

from innocore.api.core import api_blueprint, operation, signed_in
from innocore.extensions import db
from instruments.api import booking_json
from instruments.schemas import BookingOut, ReasonIn
from instruments.services import account_approvals as decisions

bp = api_blueprint("account_approvals_api", __name__)
TAGS = ["bookings"]


def _decides_for(user, booking_id: int) -> bool:
    """Checked before the body: a booking on someone else's account is a 404."""
    decisions.get_awaiting(user, booking_id)
    return True


@operation(
    bp,
    "/account-approvals",
    "GET",
    summary="Bookings awaiting my approval as a billing account's owner",
    tags=TAGS,
    response=BookingOut,
    listed=True,
    permission=signed_in,
)
def list_account_approvals():
    return [booking_json(b) for b in decisions.list_account_approvals(current_user)]


@operation(
    bp,
    "/account-approvals/<int:booking_id>/approve",
    "POST",
    summary="Approve a booking's charge to my account",
    tags=TAGS,
    response=BookingOut,
    permission=_decides_for,
)
def approve_for_account(booking_id: int):
    booking = decisions.approve_for_account(current_user, booking_id)
    db.session.commit()
    return booking_json(booking)


@operation(
    bp,
    "/account-approvals/<int:booking_id>/refuse",
    "POST",
    summary="Refuse a booking's charge to my account (a reason is required)",
    tags=TAGS,
    body=ReasonIn,
    response=BookingOut,
    permission=_decides_for,
)
def refuse_for_account(booking_id: int, body: ReasonIn):
    booking = decisions.refuse_for_account(current_user, booking_id, body.reason)
    db.session.commit()
    return booking_json(booking)
