"""Training through /api/v1: modules, sessions, enrolment, participants, attendance, assessments."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask import request
from flask_login import current_user
from pydantic import AwareDatetime, BaseModel, Field

from innocore.accounts.models import User
from innocore.api.core import TECHNOLOGY, Q, Strict, api_blueprint, operation, paginated
from innocore.clock import api_time
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.links import absolute_url
from innocore.marks import N_
from innocore.vocab import Technology
from training import queries
from training.models import (
    AssessmentOutcome,
    AssessmentType,
    AttendanceStatus,
    Audience,
    Enrolment,
    EnrolmentStatus,
    ModuleKind,
    ModuleStatus,
    ParticipationForm,
    TrainingModule,
    TrainingSession,
)
from training.permissions import (
    can_manage_module,
    can_schedule_at,
    can_teach_session,
    may_create_any_module,
    staffed_facilities,
)
from training.services import enrolment, planning, records

bp = api_blueprint("training_api", __name__, "/training")


# Permissions checked before the body is parsed; an unknown id passes so the view answers 404.


def _may_schedule(user, module_id: int) -> bool:
    module = db.session.get(TrainingModule, module_id)
    if module is None:
        return True
    if module.facility is None:
        return bool(staffed_facilities(user)) or can_manage_module(user, module)
    return can_schedule_at(user, module.facility)


def _may_teach(user, session_id: int) -> bool:
    session = db.session.get(TrainingSession, session_id)
    return session is None or can_teach_session(user, session)


def _may_assess(user, enrolment_id: int) -> bool:
    row = db.session.get(Enrolment, enrolment_id)
    return row is None or can_teach_session(user, row.session)


class PrerequisiteOut(BaseModel):
    competence_code: str | None
    min_level: int | None
    module_id: int | None


class ModuleOut(BaseModel):
    id: int
    title: str
    facility_id: int | None
    technology: Technology
    description: str
    learning_outcomes: list[str]
    competence_code: str
    level_awarded: int
    ects: Decimal
    notional_hours: int
    eqf_level: int | None
    assessment_type: AssessmentType
    participation_form: ParticipationForm
    language: str
    quality_assurance: str
    fees: dict[str, Decimal]
    currency: str
    status: ModuleStatus
    kind: ModuleKind
    prerequisites: list[PrerequisiteOut]
    url: str


class ModuleIn(Strict):
    title: str = Field(min_length=1, max_length=200)
    facility_id: int | None = None
    technology: Technology
    description: str = Field("", max_length=20000)
    learning_outcomes: list[str] = Field(min_length=1, max_length=50)
    competence_id: int
    level_awarded: int = Field(ge=1, le=9)
    ects: Decimal = Field(ge=0, le=60)
    notional_hours: int = Field(ge=1, le=2000)
    eqf_level: int | None = Field(None, ge=1, le=8)
    assessment_type: AssessmentType
    participation_form: ParticipationForm
    language: str = Field("en", max_length=8)
    quality_assurance: str = Field(min_length=1, max_length=5000)
    fee_internal: Decimal = Field(Decimal("0"), ge=0)
    fee_academic: Decimal = Field(Decimal("0"), ge=0)
    fee_industry: Decimal = Field(Decimal("0"), ge=0)
    status: ModuleStatus = ModuleStatus.PUBLISHED
    kind: ModuleKind = Field(
        ModuleKind.COURSE,
        description="course; challenge_based_learning (named by challenges, their outcome "
        "certifies it); placement (named by placements)",
    )
    prerequisite_competences: list[tuple[int, int]] = []
    prerequisite_modules: list[int] = []


class PartIn(Strict):
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    title: str = Field("", max_length=200)
    instrument_id: int | None = Field(
        None, description="Reserve this instrument of the facility for the part (hands-on)"
    )


class PartOut(BaseModel):
    id: int
    starts_at: datetime
    ends_at: datetime
    title: str
    instrument_id: int | None
    instrument_name: str | None
    booking_id: int | None


class SessionIn(Strict):
    facility_id: int
    capacity: int = Field(ge=1, le=1000)
    audience: Audience
    parts: list[PartIn] = Field(min_length=1, max_length=50)
    enrol_opens_at: AwareDatetime
    enrol_closes_at: AwareDatetime
    trainer_ids: list[int] = Field(min_length=1)
    location: str = Field("", max_length=200)
    online_url: str | None = Field(None, max_length=500)
    withdraw_days_before: int = Field(2, ge=0, le=90)
    notes: str = Field("", max_length=5000)


class SessionOut(BaseModel):
    id: int
    module_id: int
    module_title: str
    facility_id: int
    status: str
    capacity: int
    seats_taken: int
    waiting: int
    audience: Audience
    location: str
    parts: list[PartOut]
    enrol_opens_at: datetime
    enrol_closes_at: datetime
    trainers: list[str]
    url: str
    ics: str


class EnrolIn(Strict):
    user_id: int | None = Field(None, description="An employee (company administrators only)")
    account_id: int | None = Field(
        None, ge=1, le=2**31 - 1, description="The billing account charged the fee"
    )


class EnrolmentOut(BaseModel):
    id: int
    session_id: int
    user_id: int
    name: str
    status: EnrolmentStatus
    queue_number: int | None
    offer_expires_at: datetime | None
    fee: Decimal
    fee_category: str
    account_id: int | None = None
    account_approval: str | None = Field(
        None,
        description="awaiting, approved or refused: the fee's account owner's decision when the "
        "fee is above the account's approval threshold; null when none was needed",
    )


class MarkIn(Strict):
    enrolment_id: int
    part_id: int
    status: AttendanceStatus


class AttendanceIn(Strict):
    marks: list[MarkIn] = Field(min_length=1, max_length=5000)


class AttendanceOut(BaseModel):
    changed: int


class AssessmentIn(Strict):
    outcome: AssessmentOutcome
    level_reached: int | None = Field(None, ge=1, le=9)
    notes: str = Field("", max_length=5000)
    evidence_text: str = Field("", max_length=10000)


class AssessmentOut(BaseModel):
    id: int
    enrolment_id: int
    user_id: int
    module_id: int
    outcome: AssessmentOutcome
    level_reached: int | None
    notes: str
    evidence_text: str
    supersedes_id: int | None
    recorded_by: str
    recorded_at: datetime


def module_json(m) -> dict:
    return {
        "id": m.id,
        "title": m.title,
        "facility_id": m.facility_id,
        "technology": m.technology.value,
        "description": m.description,
        "learning_outcomes": list(m.learning_outcomes),
        "competence_code": m.competence.code,
        "level_awarded": m.level_awarded,
        "ects": str(m.ects),
        "notional_hours": m.notional_hours,
        "eqf_level": m.eqf_level,
        "assessment_type": m.assessment_type.value,
        "participation_form": m.participation_form.value,
        "language": m.language,
        "quality_assurance": m.quality_assurance,
        "fees": {k.value: str(v) for k, v in m.fees().items()},
        "currency": m.currency,
        "status": m.status.value,
        "kind": m.kind.value,
        "prerequisites": [
            {
                "competence_code": p.competence.code if p.competence else None,
                "min_level": p.min_level,
                "module_id": p.required_module_id,
            }
            for p in m.prerequisites
        ],
        "url": absolute_url("training.module_page", module_id=m.id),
    }


def session_json(s, fill=None) -> dict:
    fill = fill or queries.fill_for([s.id])[s.id]
    return {
        "id": s.id,
        "module_id": s.module_id,
        "module_title": s.module.title,
        "facility_id": s.facility_id,
        "status": s.status.value,
        "capacity": s.capacity,
        "seats_taken": fill.seats_taken,
        "waiting": fill.waiting,
        "audience": s.audience.value,
        "location": s.location,
        "parts": [
            {
                "id": p.id,
                "starts_at": api_time(p.starts_at),
                "ends_at": api_time(p.ends_at),
                "title": p.title,
                "instrument_id": p.instrument_id,
                "instrument_name": p.instrument.name if p.instrument else None,
                "booking_id": p.booking_id,
            }
            for p in s.parts
        ],
        "enrol_opens_at": api_time(s.enrol_opens_at),
        "enrol_closes_at": api_time(s.enrol_closes_at),
        "trainers": [t.name for t in s.trainers],
        "url": absolute_url("training.session_page", session_id=s.id),
        "ics": absolute_url("training.session_feed", session_id=s.id),
    }


def enrolment_json(e) -> dict:
    return {
        "id": e.id,
        "session_id": e.session_id,
        "user_id": e.user_id,
        "name": e.user.name,
        "status": e.status.value,
        "queue_number": e.queue_number,
        "offer_expires_at": api_time(e.offer_expires_at),
        "fee": str(e.fee_amount),
        "fee_category": e.fee_category.value,
        "account_id": e.account_id,
        "account_approval": e.account_approval.value if e.account_approval else None,
    }


def assessment_json(a) -> dict:
    return {
        "id": a.id,
        "enrolment_id": a.enrolment_id,
        "user_id": a.user_id,
        "module_id": a.module_id,
        "outcome": a.outcome.value,
        "level_reached": a.level_reached,
        "notes": a.notes,
        "evidence_text": a.evidence_text,
        "supersedes_id": a.supersedes_id,
        "recorded_by": a.recorded_by.name,
        "recorded_at": api_time(a.recorded_at),
    }


@operation(
    bp,
    "/modules",
    "GET",
    summary="Published training modules",
    tags=["training"],
    paginated=True,
    response=ModuleOut,
    query={"technology": TECHNOLOGY, "q": "free text"},
)
def list_modules():
    tech = request.args.get("technology")
    if tech and tech not in Technology._value2member_map_:
        raise DomainError(
            Problem("invalid_technology", N_("Unknown technology."), "technology"), 400
        )
    stmt = queries.list_modules(
        technology=Technology(tech) if tech else None,
        q=(request.args.get("q") or "").strip()[:100] or None,
    )
    return paginated(stmt, module_json)


@operation(
    bp,
    "/modules/<int:module_id>",
    "GET",
    summary="One training module",
    tags=["training"],
    response=ModuleOut,
)
def get_module(module_id: int):
    return module_json(planning.get_visible_module(current_user, module_id))


@operation(
    bp,
    "/modules",
    "POST",
    summary="Define a module (facility managers, network admins)",
    tags=["training"],
    permission=may_create_any_module,
    body=ModuleIn,
    response=ModuleOut,
    status=201,
)
def create_module(body: ModuleIn):
    module = planning.create_module(current_user, planning.ModuleData(**body.model_dump()))
    db.session.commit()
    return module_json(module), 201


@operation(
    bp,
    "/sessions",
    "GET",
    summary="Upcoming sessions",
    tags=["training"],
    paginated=True,
    response=SessionOut,
    query={"module_id": Q("only this module", "integer")},
)
def list_sessions():
    stmt = queries.upcoming_sessions_stmt()
    module_id = request.args.get("module_id", type=int)
    if module_id:
        stmt = stmt.where(queries.TrainingSession.module_id == module_id)
    return paginated(stmt, session_json)


@operation(
    bp,
    "/sessions/<int:session_id>",
    "GET",
    summary="One session",
    tags=["training"],
    response=SessionOut,
)
def get_session(session_id: int):
    return session_json(planning.get_session(session_id))


@operation(
    bp,
    "/modules/<int:module_id>/sessions",
    "POST",
    summary="Schedule a session (facility managers and staff)",
    tags=["training"],
    permission=_may_schedule,
    body=SessionIn,
    response=SessionOut,
    status=201,
)
def create_session(module_id: int, body: SessionIn):
    facility = db.session.get(Facility, body.facility_id)
    if facility is None:
        raise DomainError(Problem("facility", N_("No such facility."), "facility_id"))
    data = planning.SessionData(
        capacity=body.capacity,
        audience=body.audience,
        parts=[(p.starts_at, p.ends_at, p.title, p.instrument_id) for p in body.parts],
        enrol_opens_at=body.enrol_opens_at,
        enrol_closes_at=body.enrol_closes_at,
        trainer_ids=body.trainer_ids,
        location=body.location,
        online_url=body.online_url,
        withdraw_days_before=body.withdraw_days_before,
        notes=body.notes,
    )
    session = planning.create_session(current_user, planning.get_module(module_id), facility, data)
    db.session.commit()
    return session_json(session), 201


@operation(
    bp,
    "/sessions/<int:session_id>/enrolments",
    "POST",
    summary="Enrol (yourself, or an employee as company administrator)",
    description="Takes a place when one is free and nobody waits; otherwise joins the "
    "waiting list. The response's status says which.",
    tags=["training"],
    body=EnrolIn,
    response=EnrolmentOut,
    status=201,
    permission=lambda user, session_id: planning.get_session(session_id) is not None,
)
def enrol(session_id: int, body: EnrolIn):
    learner = (
        current_user
        if body.user_id in (None, current_user.id)
        else db.session.get(User, body.user_id)
    )
    if learner is None:
        raise Forbidden(N_("Company administrators enrol their own employees only."))
    row = enrolment.enrol(current_user, session_id, learner, body.account_id)
    db.session.commit()
    return enrolment_json(row), 201


@operation(
    bp,
    "/enrolments/<int:enrolment_id>/withdraw",
    "POST",
    summary="Withdraw",
    tags=["training"],
    response=EnrolmentOut,
)
def withdraw(enrolment_id: int):
    row = enrolment.withdraw(current_user, enrolment_id)
    db.session.commit()
    return enrolment_json(row)


@operation(
    bp,
    "/enrolments/<int:enrolment_id>/accept",
    "POST",
    summary="Accept an offered place",
    tags=["training"],
    response=EnrolmentOut,
)
def accept_offer(enrolment_id: int):
    row = enrolment.accept_offer(current_user, enrolment_id)
    db.session.commit()
    return enrolment_json(row)


@operation(
    bp,
    "/enrolments/<int:enrolment_id>/decline",
    "POST",
    summary="Decline an offered place",
    tags=["training"],
    response=EnrolmentOut,
)
def decline_offer(enrolment_id: int):
    row = enrolment.decline_offer(current_user, enrolment_id)
    db.session.commit()
    return enrolment_json(row)


@operation(
    bp,
    "/me/enrolments",
    "GET",
    summary="My enrolments",
    tags=["training"],
    response=EnrolmentOut,
    listed=True,
)
def my_enrolments():
    return [enrolment_json(e) for e in queries.sessions_of_user(current_user.id)]


def _teaching(session_id: int):
    session = planning.get_session(session_id)
    if not can_teach_session(current_user, session):
        raise Forbidden(N_("Only this session's trainers and the facility's staff see this."))
    return session


@operation(
    bp,
    "/sessions/<int:session_id>/participants",
    "GET",
    summary="Participants and waiting list (trainers, staff)",
    tags=["training"],
    response=EnrolmentOut,
    listed=True,
)
def participants(session_id: int):
    listing = queries.participants(_teaching(session_id))
    return [enrolment_json(e) for e in listing.enrolments]


@operation(
    bp,
    "/sessions/<int:session_id>/attendance",
    "PUT",
    summary="Mark attendance per part (trainers, staff)",
    tags=["training"],
    permission=_may_teach,
    body=AttendanceIn,
    response=AttendanceOut,
)
def attendance(session_id: int, body: AttendanceIn):
    session = planning.get_session(session_id)
    marks = {(m.enrolment_id, m.part_id): m.status for m in body.marks}
    changed = records.record_attendance(current_user, session, marks)
    db.session.commit()
    return {"changed": changed}


@operation(
    bp,
    "/enrolments/<int:enrolment_id>/assessments",
    "POST",
    summary="Record an assessment (a correction is a new record)",
    tags=["training"],
    permission=_may_assess,
    body=AssessmentIn,
    response=AssessmentOut,
    status=201,
)
def record_assessment(enrolment_id: int, body: AssessmentIn):
    row = enrolment.get_enrolment(enrolment_id)
    result = records.record_assessment(
        current_user, row, records.AssessmentData(**body.model_dump())
    )
    db.session.commit()
    return assessment_json(result), 201


@operation(
    bp,
    "/enrolments/<int:enrolment_id>/assessments",
    "GET",
    summary="Assessment history of an enrolment, newest first",
    tags=["training"],
    response=AssessmentOut,
    listed=True,
)
def assessment_history(enrolment_id: int):
    row = enrolment.get_enrolment(enrolment_id)
    if row.user_id != current_user.id and not can_teach_session(current_user, row.session):
        raise NotFound(N_("No such enrolment."))
    return [assessment_json(a) for a in records.history(row.id)]
