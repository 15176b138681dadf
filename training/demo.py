"""Demo training data: modules with their micro-credential elements, sessions and enrolments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from innocore import clock
from innocore.accounts.rules import category_for
from innocore.extensions import db
from innocore.ledger.approvals import AccountApproval
from innocore.vocab import Technology
from training.models import (
    Assessment,
    AssessmentOutcome,
    AssessmentType,
    Attendance,
    AttendanceStatus,
    Audience,
    Enrolment,
    EnrolmentStatus,
    ModulePrerequisite,
    ModuleStatus,
    ParticipationForm,
    SessionPart,
    TrainingModule,
    TrainingSession,
    TrainingSettings,
)

QA = (
    "Designed and reviewed yearly by the facility's training board; trainers are certified at "
    "level 3; participants' feedback is collected after every session."
)


def _module(facility, competence, title, level, **kw) -> TrainingModule:
    now = clock.now()
    return TrainingModule(
        facility=facility,
        title=title,
        competence=competence,
        level_awarded=level,
        technology=kw.pop("technology", Technology.LIGHT_MICROSCOPY),
        assessment_type=kw.pop("assessment_type", AssessmentType.PRACTICAL_TEST),
        participation_form=kw.pop("participation_form", ParticipationForm.ON_SITE),
        quality_assurance=QA,
        status=ModuleStatus.PUBLISHED,
        created_at=now,
        updated_at=now,
        **kw,
    )


def _day(facility, days: int, hour: int, minutes: int = 0) -> datetime:
    tz = ZoneInfo(facility.timezone)
    local = clock.now().astimezone(tz).date() + timedelta(days=days)
    return datetime(local.year, local.month, local.day, hour, minutes, tzinfo=tz).astimezone(UTC)


def _session(module, facility, trainers, parts, capacity, audience, location) -> TrainingSession:
    now = clock.now()
    first = min(s for s, _ in parts)
    return TrainingSession(
        module=module,
        facility=facility,
        trainers=trainers,
        capacity=capacity,
        audience=audience,
        location=location,
        enrol_opens_at=now - timedelta(days=7),
        enrol_closes_at=first - timedelta(days=1),
        created_at=now,
        parts=[SessionPart(starts_at=s, ends_at=e) for s, e in parts],
    )


def seed_training(ctx: dict) -> None:
    facilities, people, comps = ctx["facilities"], ctx["people"], ctx["competences"]
    imaging, flow = facilities[0], facilities[1]
    laser = _module(
        None,
        comps[1],
        "Laser safety for imaging users",
        1,
        ects=Decimal("0.5"),
        notional_hours=6,
        eqf_level=6,
        assessment_type=AssessmentType.WRITTEN_TEST,
        participation_form=ParticipationForm.BLENDED,
        learning_outcomes=[
            "Classify lasers and their hazards",
            "Apply the local rules for laser interlocks",
        ],
        description="Required before using any laser-based microscope in the network.",
    )
    confocal = _module(
        imaging,
        comps[0],
        "Confocal microscopy: independent use",
        2,
        ects=Decimal("2"),
        notional_hours=40,
        eqf_level=7,
        learning_outcomes=[
            "Set up a multi-channel confocal acquisition",
            "Avoid bleed-through and saturation",
            "Shut the system down safely",
        ],
        fee_internal=Decimal("80"),
        fee_academic=Decimal("160"),
        fee_industry=Decimal("600"),
        description="Hands-on course on the facility's confocal systems.",
    )
    confocal.prerequisites = [ModulePrerequisite(competence=comps[1], min_level=1)]
    flow_mod = _module(
        flow,
        comps[2],
        "Flow cytometry analysis, basics",
        1,
        ects=Decimal("1"),
        notional_hours=16,
        eqf_level=6,
        technology=Technology.FLOW_CYTOMETRY,
        learning_outcomes=["Design a compensation panel", "Gate populations"],
        fee_internal=Decimal("40"),
        fee_academic=Decimal("90"),
        fee_industry=Decimal("350"),
    )
    db.session.add_all([laser, confocal, flow_mod])
    db.session.add_all(
        [
            TrainingSettings(facility_id=imaging.id, offer_hours=24),
            TrainingSettings(facility_id=flow.id, offer_hours=48),
        ]
    )
    trainer_img, trainer_flow = people[2], people[3]
    s_laser = _session(
        laser,
        imaging,
        [trainer_img],
        [(_day(imaging, 10, 9), _day(imaging, 10, 12))],
        12,
        Audience.EVERYONE,
        "Building C, seminar room 2",
    )
    s_conf = _session(
        confocal,
        imaging,
        [trainer_img],
        [
            (_day(imaging, 21, 9), _day(imaging, 21, 17)),
            (_day(imaging, 22, 9), _day(imaging, 22, 13)),
        ],
        2,
        Audience.ACADEMIC,
        "Building C, confocal room",
    )
    s_flow = _session(
        flow_mod,
        flow,
        [trainer_flow],
        [(_day(flow, 14, 14), _day(flow, 14, 18))],
        6,
        Audience.EVERYONE,
        "Building A, room 1.12",
    )
    past = _session(
        laser,
        imaging,
        [trainer_img],
        [(_day(imaging, -30, 9), _day(imaging, -30, 12))],
        12,
        Audience.EVERYONE,
        "Building C, seminar room 2",
    )
    past.enrol_opens_at = past.enrol_closes_at - timedelta(days=14)
    db.session.add_all([s_laser, s_conf, s_flow, past])
    db.session.flush()
    phd, postdoc, omar = people[7], people[8], people[10]
    done = _enrol(past, phd, EnrolmentStatus.COMPLETED, 1)
    db.session.flush()
    for part in past.parts:  # a pass rests on attendance of every part
        db.session.add(
            Attendance(
                enrolment_id=done.id,
                part_id=part.id,
                status=AttendanceStatus.PRESENT,
                recorded_by_id=trainer_img.id,
                recorded_at=part.ends_at,
            )
        )
    db.session.add(
        Assessment(
            enrolment_id=done.id,
            user_id=phd.id,
            module_id=laser.id,
            competence_id=comps[1].id,
            outcome=AssessmentOutcome.PASSED,
            level_reached=1,
            evidence_text="Written test 18/20.",
            recorded_by_id=trainer_img.id,
            recorded_at=clock.now() - timedelta(days=29),
        )
    )
    waiting = _enrol(s_conf, phd, EnrolmentStatus.ENROLLED, 1)
    # Paula charges the confocal course to the lab's cost centre: its fee passes the centre's
    # approval threshold, so her seat is held, unconfirmed, until Marco approves (his approvals).
    centre = ctx["accounts"][1] if len(ctx.get("accounts") or []) > 1 else None
    if centre is not None and centre.approval_threshold is not None:
        waiting.account_id, waiting.confirmed_at = centre.id, None
        waiting.account_approval = AccountApproval.AWAITING
    _enrol(s_laser, postdoc, EnrolmentStatus.ENROLLED, 1)
    _enrol(s_laser, omar, EnrolmentStatus.ENROLLED, 2)
    _enrol(s_flow, omar, EnrolmentStatus.ENROLLED, 1)
    db.session.flush()


def _enrol(session, user, status, n) -> Enrolment:
    category = category_for(user, session.facility)
    row = Enrolment(
        session=session,
        user=user,
        status=status,
        enrolled_by_id=user.id,
        created_at=clock.now(),
        queue_number=n,
        confirmed_at=clock.now(),
        fee_category=category,
        fee_amount=session.module.fees()[category],
    )
    session.waitlist_counter = max(session.waitlist_counter or 0, n)
    db.session.add(row)
    return row
