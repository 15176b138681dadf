"""Kiosk devices through /api/v1 (managers): list, create (the secret link is in the answer once)
and revoke a facility's kiosk tablets. Each operation calls the service its page calls
(``instruments.kiosk_devices``). The tablet itself uses the pages (its kiosk cookie); people
check in there with their kiosk PIN, set through ``PUT /api/v1/me/kiosk-pin`` or their profile."""

from __future__ import annotations

from datetime import datetime

from flask_login import current_user
from pydantic import BaseModel, Field

from innocore.api.core import Strict, api_blueprint, operation
from innocore.clock import api_instant
from innocore.extensions import db
from innocore.facilities.services import get_facility
from innocore.links import absolute_url
from innocore.permissions import can_manage_facility
from instruments.kiosk_devices import create_device, get_device, list_devices, revoke_device

bp = api_blueprint("kiosk_api", __name__)
TAGS = ["facilities"]


def _manages_facility(user, facility_id: int) -> bool:
    return can_manage_facility(user, get_facility(facility_id))


def _manages_device(user, device_id: int) -> bool:
    """Checked before anything else: another facility's device is a 404."""
    get_device(user, device_id)
    return True


class KioskDeviceIn(Strict):
    name: str = Field(min_length=1, max_length=80, description="where the tablet is")


class KioskDeviceOut(BaseModel):
    id: int
    facility_id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    link: str | None = Field(
        None, description="the secret link to open on the tablet: in the creation answer only"
    )


def device_json(device, raw: str | None = None) -> dict:
    return {
        "id": device.id,
        "facility_id": device.facility_id,
        "name": device.name,
        "created_at": api_instant(device.created_at),
        "last_used_at": api_instant(device.last_used_at),
        "revoked_at": api_instant(device.revoked_at),
        "link": absolute_url("instruments.open_kiosk", token=raw) if raw else None,
    }


@operation(
    bp,
    "/facilities/<int:facility_id>/kiosk-devices",
    "GET",
    summary="The facility's kiosk devices, active first (managers)",
    tags=TAGS,
    response=KioskDeviceOut,
    listed=True,
    permission=_manages_facility,
)
def list_kiosk_devices(facility_id: int):
    return [device_json(d) for d in list_devices(current_user, get_facility(facility_id))]


@operation(
    bp,
    "/facilities/<int:facility_id>/kiosk-devices",
    "POST",
    status=201,
    summary="Create a kiosk device (managers); its secret link is in this answer only",
    tags=TAGS,
    body=KioskDeviceIn,
    response=KioskDeviceOut,
    permission=_manages_facility,
)
def create_kiosk_device(facility_id: int, body: KioskDeviceIn):
    device, raw = create_device(current_user, get_facility(facility_id), body.name)
    db.session.commit()
    return device_json(device, raw), 201


@operation(
    bp,
    "/kiosk-devices/<int:device_id>/revoke",
    "POST",
    summary="Revoke a kiosk device (managers): its tablet stops showing the kiosk at once",
    tags=TAGS,
    response=KioskDeviceOut,
    permission=_manages_device,
)
def revoke_kiosk_device(device_id: int):
    device = revoke_device(current_user, device_id)
    db.session.commit()
    return device_json(device)
