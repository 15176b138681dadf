"""JSON API for network mobility: a facility's mobility rate and its cross-institution use."""

from __future__ import annotations

from datetime import datetime

from flask import jsonify
from flask_login import current_user
from pydantic import BaseModel, Field

from innocore.api.core import api_blueprint, operation
from innocore.clock import api_time
from innocore.errors import NotFound
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.marks import N_
from instruments.mobility import services
from instruments.mobility.models import MobilityRate

bp = api_blueprint("mobility_api", __name__)


class ShareIn(BaseModel):
    share_percent: int = Field(ge=0, le=100)


class UsageOut(BaseModel):
    booking_id: int
    instrument: str
    person: str
    institution: str
    starts_at: datetime
    ends_at: datetime
    status: str


class MobilityOut(BaseModel):
    facility_id: int
    share_percent: int | None
    usage: list[UsageOut]


def _facility(facility_id: int) -> Facility:
    facility = db.session.get(Facility, facility_id) if 0 < facility_id < 2**31 else None
    if facility is None:
        raise NotFound(N_("No such facility."))
    return facility


def _may_set(user, facility_id: int, **_kw) -> bool:
    """Checked before the body is read: managers of the facility (and network admins)."""
    from innocore.permissions import can_manage_facility

    facility = db.session.get(Facility, facility_id) if 0 < facility_id < 2**31 else None
    return facility is not None and can_manage_facility(user, facility)


def _payload(facility: Facility) -> dict:
    setting = db.session.get(MobilityRate, facility.id)
    return {
        "facility_id": facility.id,
        "share_percent": setting.share_percent if setting else None,
        "usage": [
            {
                "booking_id": b.id,
                "instrument": b.instrument.name,
                "person": b.user.name,
                "institution": org.name,
                "starts_at": api_time(b.starts_at),
                "ends_at": api_time(b.ends_at),
                "status": b.status.value,
            }
            for b, org in services.usage(current_user, facility)
        ],
    }


@operation(
    bp,
    "/facilities/<int:facility_id>/mobility",
    "GET",
    tags=["Facilities"],
    response=MobilityOut,
    summary="The facility's network mobility rate and cross-institution use (its staff)",
)
def get_mobility(facility_id: int):
    return jsonify(_payload(_facility(facility_id)))


@operation(
    bp,
    "/facilities/<int:facility_id>/mobility",
    "PUT",
    tags=["Facilities"],
    body=ShareIn,
    response=MobilityOut,
    permission=_may_set,
    summary="Set the mobility rate: % of the way from internal (0) to external academic (100)",
)
def set_mobility(facility_id: int, body: ShareIn):
    facility = _facility(facility_id)
    services.set_share(current_user, facility, body.share_percent)
    db.session.commit()
    return jsonify(_payload(facility))
