"""Mobility use cases: the hourly rate a person pays, the facility's setting, its usage list."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import g

from innocore import audit, clock
from innocore.accounts.models import Organisation, User
from innocore.accounts.rules import category_for
from innocore.errors import DomainError, Forbidden
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.marks import N_
from innocore.permissions import can_manage_facility, can_staff_facility
from innocore.vocab import UserCategory
from instruments.mobility import rules
from instruments.mobility.models import MobilityRate
from instruments.models import Booking, BookingStatus, Instrument

USAGE_DAYS = 90


def network_institution_ids() -> frozenset[int]:
    """Institutions hosting a facility of the network (one query per request)."""
    if "_network_institutions" not in g:
        g._network_institutions = frozenset(
            db.session.scalars(sa.select(Facility.institution_id).distinct())
        )
    return g._network_institutions


def is_mobile(user: User, facility: Facility) -> bool:
    return rules.is_network_mobile(
        user.organisation_id, facility.institution_id, network_institution_ids()
    )


def hourly_rate(user: User, instrument: Instrument) -> tuple[Decimal | None, bool]:
    """(EUR per hour, whether it is the network mobility rate) for ``user`` on ``instrument``."""
    category = category_for(user, instrument.facility)
    if category == UserCategory.EXTERNAL_ACADEMIC and is_mobile(user, instrument.facility):
        share = _shares().get(instrument.facility_id)
        if share is not None:
            rate = rules.mobility_rate(
                instrument.rate_for(UserCategory.INTERNAL),
                instrument.rate_for(UserCategory.EXTERNAL_ACADEMIC),
                share,
            )
            return rate, True
    return instrument.rate_for(category), False


def _shares() -> dict[int, int]:
    """Facility id -> mobility share, read once per request or job run (lists price many rows)."""
    if "_mobility_shares" not in g:
        rows = db.session.execute(sa.select(MobilityRate.facility_id, MobilityRate.share_percent))
        g._mobility_shares = dict(rows.all())
    return g._mobility_shares


def set_share(actor: User, facility: Facility, share_percent) -> MobilityRate:
    """Managers set where the mobility rate lies (0: internal, 100: external academic)."""
    if not can_manage_facility(actor, facility):
        raise Forbidden(N_("Only the facility's managers set its rates."))
    problems = rules.share_problems(share_percent)
    if problems:
        raise DomainError(problems)
    setting = db.session.get(MobilityRate, facility.id)
    before = setting.share_percent if setting else None
    if setting is None:
        setting = MobilityRate(facility_id=facility.id, share_percent=share_percent)
        db.session.add(setting)
    setting.share_percent, setting.updated_at = share_percent, clock.now()
    setting.updated_by_id = actor.id
    g.pop("_mobility_shares", None)
    audit.record(
        actor,
        "mobility_rate.set",
        setting,
        {"share_percent": [before, share_percent]},
        facility_id=facility.id,
    )
    return setting


def usage(actor: User, facility: Facility) -> list[tuple[Booking, Organisation]]:
    """Bookings at the facility by people of other network institutions, the last 90 days and
    ahead, newest first: what the facility's staff see as cross-institution use."""
    if not can_staff_facility(actor, facility):
        raise Forbidden(N_("Only the facility's staff see its usage."))
    others = network_institution_ids() - {facility.institution_id}
    if not others:
        return []
    rows = db.session.execute(
        sa.select(Booking, Organisation)
        .join(Instrument, Instrument.id == Booking.instrument_id)
        .join(User, User.id == Booking.user_id)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(
            Instrument.facility_id == facility.id,
            Organisation.id.in_(others),
            Booking.status.in_(
                [BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.PENDING]
            ),
            Booking.ends_at >= clock.now() - timedelta(days=USAGE_DAYS),
        )
        .order_by(Booking.starts_at.desc())
        .limit(500)
    ).all()
    return [(b, org) for b, org in rows]
