"""JSON API for mentoring: everything the pages do, through the same services."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from flask import jsonify
from flask_login import current_user
from pydantic import BaseModel, Field

from innocore.api.core import api_blueprint, operation, paginated, signed_in
from innocore.clock import api_time
from innocore.extensions import db
from training.mentoring import queries, services
from training.mentoring.models import Mentorship

bp = api_blueprint("mentoring_api", __name__)
TAGS = ["Mentoring"]


class MentorProfileIn(BaseModel):
    expertise: str = Field(min_length=1, max_length=2000)
    capacity: int = Field(ge=1, le=20)
    available: bool = True


class MentorOut(BaseModel):
    user_id: int
    name: str
    expertise: str
    capacity: int
    active: int
    available: bool


class MentorRequestIn(BaseModel):
    message: str = Field(min_length=1, max_length=2000)
    progress_consent: bool = False


class MentorshipOut(BaseModel):
    id: int
    mentor_id: int
    mentee_id: int
    status: str
    message: str
    progress_consent: bool
    requested_at: datetime


class AnswerIn(BaseModel):
    decision: Literal["accept", "decline"]


class MeetingIn(BaseModel):
    held_on: date
    minutes: int = Field(ge=1, le=600)
    notes: str = Field(min_length=1, max_length=5000)


class MeetingOut(BaseModel):
    id: int
    held_on: date
    minutes: int
    notes: str


class GoalIn(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    due_on: date | None = None


class GoalOut(BaseModel):
    id: int
    title: str
    due_on: date | None
    done_at: datetime | None


class ConsentIn(BaseModel):
    progress_consent: bool


class PathProgressOut(BaseModel):
    path: str
    code: str
    percent: int
    missing: list[str]


class MentorshipDetailOut(BaseModel):
    mentorship: MentorshipOut
    meetings: list[MeetingOut]
    goals: list[GoalOut]
    progress: list[PathProgressOut] | None = Field(description="null without the mentee's consent")


def _m(m: Mentorship) -> dict:
    return {
        "id": m.id,
        "mentor_id": m.mentor_id,
        "mentee_id": m.mentee_id,
        "status": m.status.value,
        "message": m.message,
        "progress_consent": m.progress_consent,
        "requested_at": api_time(m.requested_at),
    }


def _goal(g) -> dict:
    return {
        "id": g.id,
        "title": g.title,
        "due_on": api_time(g.due_on),
        "done_at": api_time(g.done_at),
    }


def _pair(user, mentorship_id: int, **_) -> bool:
    m = db.session.get(Mentorship, mentorship_id) if 0 < mentorship_id < 2**31 else None
    return m is not None and user.id in (m.mentor_id, m.mentee_id)


@operation(
    bp,
    "/mentors",
    "GET",
    tags=TAGS,
    response=MentorOut,
    paginated=True,
    summary="Available mentors, with their active mentees",
    permission=signed_in,
)
def list_mentors():
    return paginated(queries.mentors_stmt(), _mentor)


def _mentor(p) -> dict:
    return {
        "user_id": p.user_id,
        "name": p.user.name,
        "expertise": p.expertise,
        "capacity": p.capacity,
        "active": p.active_count,
        "available": p.available,
    }


@operation(
    bp,
    "/me/mentor-profile",
    "PUT",
    tags=TAGS,
    body=MentorProfileIn,
    response=MentorOut,
    summary="Offer mentoring (or change the offer)",
    permission=signed_in,
)
def save_profile(body: MentorProfileIn):
    p = services.save_profile(
        current_user, expertise=body.expertise, capacity=body.capacity, available=body.available
    )
    db.session.commit()
    db.session.refresh(p)
    return _mentor(p)


@operation(
    bp,
    "/mentors/<int:mentor_id>/requests",
    "POST",
    tags=TAGS,
    body=MentorRequestIn,
    response=MentorshipOut,
    status=201,
    summary="Ask a mentor",
    permission=signed_in,
)
def ask(mentor_id: int, body: MentorRequestIn):
    m = services.request_mentor(
        current_user, mentor_id, message=body.message, progress_consent=body.progress_consent
    )
    db.session.commit()
    return jsonify(_m(m)), 201


@operation(
    bp,
    "/mentorships",
    "GET",
    tags=TAGS,
    response=MentorshipOut,
    paginated=True,
    summary="My mentorships (as mentor or mentee)",
    permission=signed_in,
)
def list_mentorships():
    return paginated(queries.mentorships_stmt(current_user.id), _m)


@operation(
    bp,
    "/mentorships/<int:mentorship_id>",
    "GET",
    tags=TAGS,
    response=MentorshipDetailOut,
    summary="One mentorship: meetings, goals, progress",
    permission=_pair,
)
def get_mentorship(mentorship_id: int):
    m = services.get_mentorship(current_user, mentorship_id)
    c = queries.pair_contents(m.id)
    return {
        "mentorship": _m(m),
        "goals": [_goal(g) for g in c["goals"]],
        "meetings": [
            {"id": x.id, "held_on": api_time(x.held_on), "minutes": x.minutes, "notes": x.notes}
            for x in c["meetings"]
        ],
        "progress": services.mentee_progress(current_user, m),
    }


@operation(
    bp,
    "/mentorships/<int:mentorship_id>/answer",
    "POST",
    tags=TAGS,
    body=AnswerIn,
    response=MentorshipOut,
    summary="Accept or decline (the mentor)",
    permission=_pair,
)
def answer(mentorship_id: int, body: AnswerIn):
    m = services.answer(current_user, mentorship_id, accept=body.decision == "accept")
    db.session.commit()
    return _m(m)


@operation(
    bp,
    "/mentorships/<int:mentorship_id>/meetings",
    "POST",
    tags=TAGS,
    body=MeetingIn,
    response=MeetingOut,
    status=201,
    summary="Record a meeting",
    permission=_pair,
)
def meeting(mentorship_id: int, body: MeetingIn):
    row = services.record_meeting(
        current_user, mentorship_id, held_on=body.held_on, minutes=body.minutes, notes=body.notes
    )
    db.session.commit()
    return jsonify(
        {
            "id": row.id,
            "held_on": api_time(row.held_on),
            "minutes": row.minutes,
            "notes": row.notes,
        }
    ), 201


@operation(
    bp,
    "/mentorships/<int:mentorship_id>/goals",
    "POST",
    tags=TAGS,
    body=GoalIn,
    response=GoalOut,
    status=201,
    summary="Set a goal",
    permission=_pair,
)
def goal(mentorship_id: int, body: GoalIn):
    row = services.add_goal(current_user, mentorship_id, title=body.title, due_on=body.due_on)
    db.session.commit()
    return jsonify(_goal(row)), 201


@operation(
    bp,
    "/mentoring-goals/<int:goal_id>/done",
    "POST",
    tags=TAGS,
    response=GoalOut,
    summary="Mark a goal done",
    permission=signed_in,
)
def goal_done(goal_id: int):
    row = services.complete_goal(current_user, goal_id)
    db.session.commit()
    return _goal(row)


@operation(
    bp,
    "/mentorships/<int:mentorship_id>/consent",
    "POST",
    tags=TAGS,
    body=ConsentIn,
    response=MentorshipOut,
    summary="Let the mentor see my path progress (or not)",
    permission=_pair,
)
def consent(mentorship_id: int, body: ConsentIn):
    m = services.set_consent(current_user, mentorship_id, body.progress_consent)
    db.session.commit()
    return _m(m)


@operation(
    bp,
    "/mentorships/<int:mentorship_id>/end",
    "POST",
    tags=TAGS,
    response=MentorshipOut,
    summary="End an active mentorship",
    permission=_pair,
)
def end(mentorship_id: int):
    m = services.end(current_user, mentorship_id)
    db.session.commit()
    return _m(m)
