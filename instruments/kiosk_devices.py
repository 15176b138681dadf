"""Kiosk devices: a facility tablet that opens the facility's kiosk without anyone's account.

A facility manager creates a device ("Confocal room tablet"): its secret link is shown once and
stored as SHA-256 (``innocore.secret_links.digest``); the manager revokes it at any time. Opening
the link gives the tablet a kiosk cookie scoped to that one device (``instruments.kiosk_views``);
the device sees its facility's kiosk and nothing else, with first names only.

On an unattended tablet anyone could tap anyone's booking, so the person checking in or out
types their personal kiosk PIN (set on their profile, hashed like a password:
``innocore.accounts.services.set_kiosk_pin``). The check-in is recorded as done by that person,
through the kiosk, on that device (audit ``booking.check_in`` with ``kiosk_device_id``). Wrong PINs
are throttled by the boundary (per person and per device).
"""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.accounts.services import kiosk_pin_matches
from innocore.db import UTCDateTime, begin_serialised_write
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.marks import N_, T_
from innocore.permissions import can_manage_facility
from innocore.secret_links import digest, find_live
from instruments import services
from instruments.models import Booking, UsageChannel

PREFIX = "ick_"
MAX_ACTIVE_DEVICES = 50
TOUCH_SECONDS = 300  # last_used_at is recorded at most this often


class KioskDevice(db.Model):
    """A tablet allowed to show one facility's kiosk (its secret is stored as SHA-256)."""

    __tablename__ = "kiosk_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    facility: Mapped[Facility] = relationship()

    def __repr__(self) -> str:
        return f"<KioskDevice {self.id} {self.name!r} facility={self.facility_id}>"


def _require_manager(actor: User, facility: Facility) -> None:
    if not can_manage_facility(actor, facility):
        raise Forbidden(N_("Only the facility's managers manage its kiosk devices."))


def create_device(actor: User, facility: Facility, name: str) -> tuple[KioskDevice, str]:
    """A new kiosk device of ``facility`` (managers); returns it and its secret, shown once.
    Raises ``Forbidden``, or ``DomainError`` (``invalid_name``, ``too_many_devices``)."""
    _require_manager(actor, facility)
    name = " ".join((name or "").split())
    if not name or len(name) > 80:
        raise DomainError(
            Problem("invalid_name", N_("Give the device a name of 1 to 80 characters."), "name")
        )
    if len(list_devices(actor, facility, active_only=True)) >= MAX_ACTIVE_DEVICES:
        raise DomainError(
            Problem(
                "too_many_devices",
                T_(
                    "The facility has %(count)s active kiosk devices; revoke one first.",
                    count=MAX_ACTIVE_DEVICES,
                ),
            )
        )
    raw = PREFIX + secrets.token_urlsafe(32)
    device = KioskDevice(
        facility_id=facility.id,
        name=name,
        token_hash=digest(raw),
        created_by_id=actor.id,
        created_at=clock.now(),
    )
    db.session.add(device)
    audit.record(
        actor, "kiosk_device.created", device, {"name": [None, name]}, facility_id=facility.id
    )
    return device, raw


def get_device(actor: User, device_id: int) -> KioskDevice:
    """A kiosk device for its facility's managers; 404 for anyone else (and when unknown)."""
    device = db.session.get(KioskDevice, device_id)
    if device is None or not can_manage_facility(actor, device.facility):
        raise NotFound(N_("No such kiosk device."))
    return device


def revoke_device(actor: User, device_id: int) -> KioskDevice:
    """Revoke a kiosk device (managers): its link and any tablet holding it stop at once."""
    device = get_device(actor, device_id)
    if device.revoked_at is None:
        device.revoked_at, device.revoked_by_id = clock.now(), actor.id
        audit.record(
            actor,
            "kiosk_device.revoked",
            device,
            {"revoked_at": [None, device.revoked_at.isoformat()]},
            facility_id=device.facility_id,
        )
    return device


def list_devices(actor: User, facility: Facility, *, active_only: bool = False) -> list:
    """The facility's kiosk devices (managers), active ones first, newest first."""
    _require_manager(actor, facility)
    stmt = sa.select(KioskDevice).where(KioskDevice.facility_id == facility.id)
    if active_only:
        stmt = stmt.where(KioskDevice.revoked_at.is_(None))
    revoked_last = sa.case((KioskDevice.revoked_at.is_(None), 0), else_=1)
    return list(
        db.session.scalars(
            stmt.order_by(revoked_last, KioskDevice.created_at.desc(), KioskDevice.id)
        )
    )


def device_for_token(raw: str | None) -> KioskDevice:
    """The live device a secret link names; ``NotFound`` when unknown or revoked."""
    return find_live(KioskDevice, raw, unknown=N_("This kiosk link is unknown or was revoked."))


def live_device(device_id: int, token_hash: str) -> KioskDevice | None:
    """The unrevoked device with this id and secret digest (a tablet's kiosk cookie), or None."""
    device = db.session.get(KioskDevice, device_id)
    if device is None or device.revoked_at is not None or device.token_hash != token_hash:
        return None
    return device


def touch_device(device: KioskDevice) -> None:
    """Record that the tablet was used, coarsely (at most every five minutes), in a short write
    of its own (as ``innocore.accounts.tokens``): a GET on SQLite waits for the write lock."""
    now = clock.now()
    if device.last_used_at and (now - device.last_used_at).total_seconds() < TOUCH_SECONDS:
        return
    device_id = device.id
    begin_serialised_write(db.session())
    db.session.execute(
        sa.update(KioskDevice).where(KioskDevice.id == device_id).values(last_used_at=now)
    )
    db.session.commit()


def _person_of(device: KioskDevice, booking_id: int, pin: str) -> User:
    """The person booked, once their PIN matches; a booking of another facility is a 404
    (a device acts on its own facility only). Raises ``DomainError`` (``no_pin``, 403
    ``wrong_pin``)."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.instrument.facility_id != device.facility_id:
        raise NotFound(N_("No such booking at this kiosk."))
    person = booking.user
    first = first_name(person)
    if person.kiosk_pin_hash is None:
        raise DomainError(
            Problem(
                "no_pin",
                T_(
                    "%(name)s has no kiosk PIN yet: set one on your profile page, or ask the "
                    "facility's staff.",
                    name=first,
                ),
                "pin",
            )
        )
    if not kiosk_pin_matches(person, pin):
        raise DomainError(
            Problem("wrong_pin", T_("Wrong kiosk PIN for %(name)s.", name=first), "pin"),
            status=403,
        )
    return person


def kiosk_check_in(device: KioskDevice, booking_id: int, pin: str) -> Booking:
    """Check the person booked in at a kiosk device, once they typed their kiosk PIN: recorded
    as done by them, through the kiosk, on this device. Errors: see ``_person_of`` and
    ``services.check_in``."""
    person = _person_of(device, booking_id, pin)
    return services.check_in(person, booking_id, UsageChannel.KIOSK, device=_about(device))


def kiosk_check_out(device: KioskDevice, booking_id: int, pin: str) -> Booking:
    """Check the person booked out at a kiosk device, once they typed their kiosk PIN."""
    person = _person_of(device, booking_id, pin)
    return services.check_out(person, booking_id, UsageChannel.KIOSK, device=_about(device))


def _about(device: KioskDevice) -> dict:
    return {"id": device.id, "name": device.name}


def first_name(user: User) -> str:
    """What an unattended kiosk shows of a person: the first word of their name."""
    return (user.name or "").split()[0] if (user.name or "").split() else ""
