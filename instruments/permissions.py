"""Permission predicates of the booking engine, composed from the kernel's.

Authorisation only ("may this person do this at all?"); booking eligibility lives in rules.
"""

from __future__ import annotations

from innocore.permissions import (
    can_manage_facility,
    can_staff_facility,
    signed_in,
    staffed_facility_ids,
)


def can_manage_instrument(user, instrument) -> bool:
    """The facility's managers (and network admins) create and edit its instruments."""
    return can_manage_facility(user, instrument.facility)


def can_create_instrument(user, facility) -> bool:
    return can_manage_facility(user, facility)


def can_staff_instrument(user, instrument) -> bool:
    """Staff and managers run the schedule: approvals, overrides, no-shows, downtime."""
    return can_staff_facility(user, instrument.facility)


def can_book_for_others(user, instrument) -> bool:
    """Only the facility's staff book on behalf of someone else."""
    return can_staff_instrument(user, instrument)


def booking_visible_in_full(reader_id: int | None, booker_id: int, reader_is_staff: bool) -> bool:
    """Who a booking is for, its e-mail and its purpose are shown to the person it is for and to
    the staff of its facility; to everyone else (feeds, pages, API lists) it is a busy block."""
    return reader_is_staff or (reader_id is not None and reader_id == booker_id)


def can_see_booking(user, booking) -> bool:
    """Everyone sees their own bookings; staff see every booking of their facility."""
    if not signed_in(user):
        return False
    return booking_visible_in_full(
        user.id,
        booking.user_id,
        booking.user_id != user.id and can_staff_instrument(user, booking.instrument),
    )


def can_book(user) -> bool:
    """Any signed-in person may ask to book (the rules then decide)."""
    return signed_in(user)


def may_approve_somewhere(user) -> bool:
    """Shown the approvals inbox: staff of at least one facility (or network admins)."""
    from innocore.permissions import is_network_admin

    return signed_in(user) and (is_network_admin(user) or bool(staffed_facility_ids(user)))


TEMPLATE_PREDICATES = {
    "can_manage_instrument": can_manage_instrument,
    "can_create_instrument": can_create_instrument,
    "can_staff_instrument": can_staff_instrument,
    "can_book_for_others": can_book_for_others,
    "may_approve_somewhere": may_approve_somewhere,
}
