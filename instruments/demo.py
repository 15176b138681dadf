"""Demo instruments for the five demo facilities, with opening hours, rates and some bookings."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from innocore import clock
from innocore.extensions import db
from innocore.vocab import Technology, UserCategory
from instruments.models import (
    ApprovalMode,
    Booking,
    BookingChange,
    BookingStatus,
    FacilityBookingSettings,
    Instrument,
    InstrumentStatus,
    OpeningHours,
    Rate,
    UsageChannel,
    WaitlistEntry,
    WaitlistStatus,
)

# facility index, name, technology, model, competence code or None, level, approval, rates (int/ext/ind)
INSTRUMENTS = [
    (
        0,
        "Confocal microscope LSM 980",
        Technology.LIGHT_MICROSCOPY,
        "Zeiss LSM 980 Airyscan 2",
        "IMG.CLSM",
        2,
        ApprovalMode.NONE,
        (35, 60, 140),
    ),
    (
        0,
        "Widefield microscope",
        Technology.LIGHT_MICROSCOPY,
        "Nikon Ti2-E",
        None,
        None,
        ApprovalMode.NONE,
        (15, 25, 70),
    ),
    (
        0,
        "Light-sheet microscope",
        Technology.LIGHT_MICROSCOPY,
        "Zeiss Lightsheet 7",
        "IMG.CLSM",
        2,
        ApprovalMode.EXTERNAL,
        (45, 80, 180),
    ),
    (
        1,
        "Cell sorter FACSAria Fusion",
        Technology.FLOW_CYTOMETRY,
        "BD FACSAria Fusion",
        "FCM.SORT",
        2,
        ApprovalMode.EVERYONE,
        (60, 95, 200),
    ),
    (
        1,
        "Flow analyser Cytek Aurora",
        Technology.FLOW_CYTOMETRY,
        "Cytek Aurora 5L",
        "FCM.ANALYSER",
        1,
        ApprovalMode.NONE,
        (25, 40, 110),
    ),
    (
        2,
        "NovaSeq X sequencer",
        Technology.SEQUENCING,
        "Illumina NovaSeq X Plus",
        "SEQ.NGS",
        2,
        ApprovalMode.EVERYONE,
        (120, 180, 400),
    ),
    (
        2,
        "Bioanalyzer",
        Technology.SEQUENCING,
        "Agilent 2100",
        None,
        None,
        ApprovalMode.NONE,
        (10, 15, 40),
    ),
    (
        3,
        "Orbitrap Exploris 480",
        Technology.MASS_SPECTROMETRY,
        "Thermo Orbitrap Exploris 480",
        "MS.LCMS",
        2,
        ApprovalMode.EXTERNAL,
        (80, 120, 260),
    ),
    (
        4,
        "Cryo-TEM Glacios",
        Technology.CRYO_EM,
        "Thermo Fisher Glacios 2",
        "EM.CRYO",
        2,
        ApprovalMode.EVERYONE,
        (150, 220, 500),
    ),
    (
        4,
        "Vitrobot plunge freezer",
        Technology.CRYO_EM,
        "Vitrobot Mark IV",
        None,
        None,
        ApprovalMode.NONE,
        (10, 20, 50),
    ),
]


def seed_instruments(context: dict) -> None:
    """Add instruments to the demo facilities and a few bookings for the demo people."""
    now = clock.now()
    facilities, people = context["facilities"], context["people"]
    competences = {c.code: c for c in context["competences"]}
    created = []
    for fac, name, tech, model, code, level, approval, rates in INSTRUMENTS:
        instrument = Instrument(
            facility=facilities[fac],
            name=name,
            technology=tech,
            model=model,
            description=f"{model}, operated by the {facilities[fac].name}.",
            location=facilities[fac].location or "",
            status=InstrumentStatus.AVAILABLE,
            required_competence_id=competences[code].id if code else None,
            required_level=level,
            approval_mode=approval,
            slot_minutes=30,
            min_minutes=30,
            max_minutes=8 * 60,
            horizon_days=60,
            notice_minutes=60,
            cancel_cutoff_minutes=24 * 60,
            max_future_bookings=10,
            max_hours_week=20,
            out_of_hours_level=3,
            created_at=now,
            updated_at=now,
            opening_hours=[
                OpeningHours(weekday=d, opens=time(8), closes=time(19)) for d in range(5)
            ],
            rates=[
                Rate(category=c, hourly=Decimal(r))
                for c, r in zip(UserCategory, rates, strict=True)
            ],
        )
        db.session.add(instrument)
        created.append(instrument)
    db.session.flush()
    _seed_bookings(created, people, now, context.get("accounts") or [None])
    _seed_usage(created, people, now)
    _seed_waitlist(created[0], people[8], now)
    _seed_documents(created[-1], people, now)


def _seed_documents(freezer: Instrument, people, now) -> None:
    """The plunge freezer's safety instructions in two versions: the postdoc accepted the
    current one, the PhD student only the first (the booking page asks them again)."""
    from instruments.documents.models import (
        DocumentAcceptance,
        DocumentKind,
        DocumentVersion,
        FacilityDocument,
    )

    doc = FacilityDocument(
        facility_id=freezer.facility_id,
        instrument_id=freezer.id,
        title="Liquid nitrogen and ethane safety",
        kind=DocumentKind.SAFETY,
        created_at=now,
    )
    texts = [
        "Wear the face shield and cryo gloves. Never work alone with liquid ethane.",
        "Wear the face shield and cryo gloves. Never work alone with liquid ethane. "
        "Check the oxygen monitor before you start; leave the room if it alarms.",
    ]
    versions = [
        DocumentVersion(
            document=doc,
            number=n,
            body_text=t,
            note="" if n == 1 else "Added the oxygen monitor check.",
            published_at=now,
            published_by_id=people[5].id,
        )
        for n, t in enumerate(texts, 1)
    ]
    db.session.add_all([doc, *versions])
    db.session.flush()
    phd, postdoc = people[7], people[8]
    db.session.add_all(
        [
            DocumentAcceptance(user_id=phd.id, version_id=versions[0].id, accepted_at=now),
            DocumentAcceptance(user_id=postdoc.id, version_id=versions[1].id, accepted_at=now),
        ]
    )


def _seed_bookings(instruments, people, now, accounts) -> None:
    phd, postdoc = people[7], people[8]
    for n, instrument in enumerate(instruments[:6]):
        zone = ZoneInfo(instrument.facility.timezone)
        day = (now.astimezone(zone) + timedelta(days=1 + n % 4)).date()
        start = datetime.combine(day, time(9 + n % 3), tzinfo=zone)
        user = phd if n % 2 == 0 else postdoc
        booking = Booking(
            instrument=instrument,
            user=user,
            booked_by=people[2],
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            status=BookingStatus.CONFIRMED,
            purpose="Demo booking",
            project="Demo",
            uid=f"booking-{uuid.uuid4().hex}@innocore",
            account_id=accounts[n % len(accounts)].id if user is phd and accounts[0] else None,
            override_reason="Demo data",
            created_at=now,
            updated_at=now,
        )
        db.session.add(booking)
        db.session.flush()
        db.session.add(
            BookingChange(
                booking_id=booking.id,
                actor_id=people[2].id,
                changed_at=now,
                action="created",
                new_starts_at=booking.starts_at,
                new_ends_at=booking.ends_at,
                note="Demo data",
            )
        )


def _seed_usage(instruments, people, now) -> None:
    """Check-in at the first facility: a no-show deadline of 15 minutes (on since yesterday),
    the postdoc checked in at the kiosk and working on the confocal now, and the PhD student's
    booking on the widefield microscope this morning recorded as a no-show (slot released)."""
    phd, postdoc, staff = people[7], people[8], people[2]
    confocal, widefield = instruments[0], instruments[1]
    db.session.add(
        FacilityBookingSettings(
            facility_id=confocal.facility_id,
            reminder_hours=24,
            checkin_opens_minutes=15,
            no_show_grace_minutes=15,
            no_show_since=now - timedelta(days=1),
            charge_actual_use=False,
        )
    )
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(minutes=30)
    running = _demo_booking(confocal, postdoc, staff, start, start + timedelta(hours=2), now)
    running.checked_in_at, running.checked_in_by_id = start + timedelta(minutes=4), staff.id
    running.checked_in_via = UsageChannel.KIOSK.value
    missed = _demo_booking(
        widefield, phd, staff, start - timedelta(hours=3), start - timedelta(hours=2), now
    )
    missed.status, missed.sequence = BookingStatus.NO_SHOW, 1
    db.session.flush()
    for booking, action, note in (
        (running, "checked_in", UsageChannel.KIOSK.english),
        (missed, "no_show", "not checked in in time"),
    ):
        db.session.add(
            BookingChange(
                booking_id=booking.id,
                actor_id=staff.id if action == "checked_in" else None,
                changed_at=now,
                action=action,
                new_starts_at=booking.starts_at,
                new_ends_at=booking.ends_at,
                note=note,
            )
        )


def _demo_booking(instrument, user, staff, start, end, now) -> Booking:
    booking = Booking(
        instrument=instrument,
        user=user,
        booked_by=staff,
        starts_at=start,
        ends_at=end,
        status=BookingStatus.CONFIRMED,
        purpose="Demo booking",
        project="Demo",
        uid=f"booking-{uuid.uuid4().hex}@innocore",
        override_reason="Demo data",
        created_at=now,
        updated_at=now,
    )
    db.session.add(booking)
    return booking


def _seed_waitlist(instrument: Instrument, person, now) -> None:
    """The postdoc waits for the time the PhD student booked on the first instrument."""
    booking = db.session.scalars(
        sa.select(Booking).where(Booking.instrument_id == instrument.id).order_by(Booking.id)
    ).first()
    if booking is None or booking.user_id == person.id:
        return
    db.session.add(
        WaitlistEntry(
            instrument=instrument,
            user=person,
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
            status=WaitlistStatus.WAITING,
            purpose="Demo: waiting for this time",
            created_at=now,
        )
    )
