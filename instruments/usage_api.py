"""Usage as it happened through /api/v1: check-in, check-out, the kiosk's day, unbooked use and a
facility's check-in settings. Each operation calls the service its page calls
(``instruments.services.usage``, ``booking_settings``)."""

from __future__ import annotations

from decimal import Decimal

from flask_login import current_user
from pydantic import AwareDatetime, BaseModel, Field

from innocore import clock
from innocore.api.core import Strict, api_blueprint, operation
from innocore.extensions import db
from innocore.facilities.services import get_facility
from innocore.permissions import can_manage_facility, can_staff_facility
from instruments import queries, services
from instruments.api import booking_json
from instruments.models import UsageChannel
from instruments.permissions import can_staff_instrument
from instruments.schemas import BookingOut
from instruments.services import booking_settings

bp = api_blueprint("usage_api", __name__)
TAGS = ["bookings"]


def _sees_booking(user, booking_id: int) -> bool:
    """Checked before anything else: another person's booking is a 404."""
    services.get_booking(user, booking_id)
    return True


def _staffs_instrument(user, instrument_id: int) -> bool:
    return can_staff_instrument(user, queries.get_instrument(instrument_id))


def _staffs_facility(user, facility_id: int) -> bool:
    return can_staff_facility(user, get_facility(facility_id))


def _manages_facility(user, facility_id: int) -> bool:
    return can_manage_facility(user, get_facility(facility_id))


@operation(
    bp,
    "/bookings/<int:booking_id>/check-in",
    "POST",
    summary="Check in to a confirmed booking (from the facility's check-in opening until its "
    "no-show deadline; staff until the end)",
    tags=TAGS,
    response=BookingOut,
    permission=_sees_booking,
)
def check_in(booking_id: int):
    booking = services.check_in(current_user, booking_id, UsageChannel.API)
    db.session.commit()
    return booking_json(booking)


@operation(
    bp,
    "/bookings/<int:booking_id>/check-out",
    "POST",
    summary="Check out of a checked-in booking (before the end, the rest becomes free)",
    tags=TAGS,
    response=BookingOut,
    permission=_sees_booking,
)
def check_out(booking_id: int):
    booking = services.check_out(current_user, booking_id, UsageChannel.API)
    db.session.commit()
    return booking_json(booking)


@operation(
    bp,
    "/facilities/<int:facility_id>/kiosk",
    "GET",
    summary="Today's bookings at the facility (its local day), for check-in at a kiosk (staff)",
    tags=TAGS,
    response=BookingOut,
    listed=True,
    permission=_staffs_facility,
)
def kiosk(facility_id: int):
    facility = get_facility(facility_id)
    return [
        booking_json(b) for b in queries.kiosk_bookings(facility.id, facility.timezone, clock.now())
    ]


class LoggedUseIn(Strict):
    user_id: int = Field(ge=1, le=2_147_483_647)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    note: str = Field("", max_length=1000)
    account_id: int | None = Field(None, ge=1, le=2_147_483_647)


@operation(
    bp,
    "/instruments/<int:instrument_id>/usage",
    "POST",
    status=201,
    summary="Log unbooked use of an instrument (staff): charged like a booking",
    tags=TAGS,
    body=LoggedUseIn,
    response=BookingOut,
    permission=_staffs_instrument,
)
def log_use(instrument_id: int, body: LoggedUseIn):
    data = services.LoggedUse(
        body.user_id, body.starts_at, body.ends_at, body.note, body.account_id
    )
    booking = services.log_unbooked_use(current_user, instrument_id, data)
    db.session.commit()
    return booking_json(booking), 201


class UsageSettingsIn(Strict):
    checkin_opens_minutes: int = Field(15, ge=0, le=1440)
    no_show_grace_minutes: int | None = Field(
        None, ge=1, le=1440, description="null: no automatic no-shows"
    )
    charge_actual_use: bool = False
    no_show_fee: Decimal | None = Field(
        None,
        ge=0,
        le=100_000,
        decimal_places=2,
        description="flat charge for a no-show in the facility's charging currency; null: the "
        "charging policy's share of the booked time",
    )


class UsageSettingsOut(BaseModel):
    facility_id: int
    checkin_opens_minutes: int
    no_show_grace_minutes: int | None
    charge_actual_use: bool
    no_show_fee: Decimal | None


@operation(
    bp,
    "/facilities/<int:facility_id>/usage-settings",
    "PUT",
    tags=["facilities"],
    summary="When check-in opens, the no-show deadline and whether actual use is charged "
    "(managers)",
    body=UsageSettingsIn,
    response=UsageSettingsOut,
    permission=_manages_facility,
)
def set_usage_settings(facility_id: int, body: UsageSettingsIn):
    facility = get_facility(facility_id)
    booking_settings.set_usage_settings(
        current_user,
        facility,
        checkin_opens_minutes=body.checkin_opens_minutes,
        no_show_grace_minutes=body.no_show_grace_minutes,
        charge_actual_use=body.charge_actual_use,
        no_show_fee=body.no_show_fee,
    )
    db.session.commit()
    settings = booking_settings.usage_settings(facility.id)
    return {
        "facility_id": facility.id,
        "checkin_opens_minutes": settings.checkin_opens_minutes,
        "no_show_grace_minutes": settings.no_show_grace_minutes,
        "charge_actual_use": settings.charge_actual_use,
        "no_show_fee": None if settings.no_show_fee is None else str(settings.no_show_fee),
    }
