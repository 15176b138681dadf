"""The waiting list for instrument time through /api/v1: the pages' twins (join, my entries,
accept, decline, withdraw) and an instrument's list for its staff."""

from __future__ import annotations

from flask_login import current_user

from innocore import clock
from innocore.api.core import api_blueprint, operation, signed_in
from innocore.clock import api_time, to_zone
from innocore.extensions import db
from instruments import queries
from instruments.permissions import can_staff_instrument
from instruments.schemas import WaitlistEntryOut, WaitlistIn
from instruments.services import waitlist

bp = api_blueprint("waitlist_api", __name__)
TAGS = ["waiting list"]


def entry_json(e) -> dict:
    zone = e.instrument.facility.timezone
    return {
        "id": e.id,
        "instrument_id": e.instrument_id,
        "instrument": e.instrument.name,
        "user_id": e.user_id,
        "starts_at": api_time(e.starts_at),
        "ends_at": api_time(e.ends_at),
        "local_start": to_zone(e.starts_at, zone).isoformat(),
        "local_end": to_zone(e.ends_at, zone).isoformat(),
        "timezone": zone,
        "status": e.status.value,
        "position": queries.waitlist_position(e),
        "created_at": api_time(e.created_at),
        "offered_at": api_time(e.offered_at),
        "offer_expires_at": api_time(e.offer_expires_at),
        "booking_id": e.hold_booking_id,
    }


def _owns_entry(user, entry_id: int) -> bool:
    """Checked before the body: another person's entry is a 404."""
    waitlist.get_entry(user, entry_id)
    return True


def _owns_or_staffs(user, entry_id: int) -> bool:
    waitlist.get_entry(user, entry_id, staff_may=True)
    return True


def _staffs_instrument(user, instrument_id: int) -> bool:
    return can_staff_instrument(user, queries.get_instrument(instrument_id))


@operation(
    bp,
    "/waitlist",
    "POST",
    summary="Join the waiting list of a taken time (422 slot_free when it is free: book it)",
    tags=TAGS,
    body=WaitlistIn,
    response=WaitlistEntryOut,
    status=201,
    permission=signed_in,
)
def join_waitlist(body: WaitlistIn):
    entry = waitlist.join_waitlist(
        current_user,
        body.instrument_id,
        body.starts_at,
        body.ends_at,
        purpose=body.purpose,
        account_id=body.account_id,
    )
    db.session.commit()
    return entry_json(entry), 201


@operation(
    bp,
    "/waitlist/mine",
    "GET",
    summary="My waiting-list entries, open offers first",
    tags=TAGS,
    response=WaitlistEntryOut,
    listed=True,
    permission=signed_in,
)
def my_waitlist():
    return [entry_json(e) for e in queries.list_my_waitlist(current_user.id)]


@operation(
    bp,
    "/instruments/<int:instrument_id>/waitlist",
    "GET",
    summary="The open waiting list of an instrument, in offer order (its staff)",
    tags=TAGS,
    response=WaitlistEntryOut,
    listed=True,
    permission=_staffs_instrument,
)
def instrument_waitlist(instrument_id: int):
    return [entry_json(e) for e in queries.list_instrument_waitlist(instrument_id, clock.now())]


def _act(service, entry_id: int) -> dict:
    entry = service(current_user, entry_id)
    db.session.commit()
    return entry_json(entry)


@operation(
    bp,
    "/waitlist/<int:entry_id>/accept",
    "POST",
    summary="Accept an offer: the held time becomes my booking",
    tags=TAGS,
    response=WaitlistEntryOut,
    permission=_owns_entry,
)
def accept_offer(entry_id: int):
    return _act(waitlist.accept_offer, entry_id)


@operation(
    bp,
    "/waitlist/<int:entry_id>/decline",
    "POST",
    summary="Decline an offer: the time goes to the next person waiting",
    tags=TAGS,
    response=WaitlistEntryOut,
    permission=_owns_entry,
)
def decline_offer(entry_id: int):
    return _act(waitlist.decline_offer, entry_id)


@operation(
    bp,
    "/waitlist/<int:entry_id>/withdraw",
    "POST",
    summary="Leave the waiting list (its person, or the instrument's staff)",
    tags=TAGS,
    response=WaitlistEntryOut,
    permission=_owns_or_staffs,
)
def withdraw_entry(entry_id: int):
    return _act(waitlist.withdraw_entry, entry_id)
