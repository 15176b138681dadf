"""JSON API for challenges: everything the pages do, through the same services.

Permission is checked before the body is read: ``_may_*`` load the row and ask the predicates.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from flask import Response, jsonify, request
from flask_login import current_user
from pydantic import BaseModel, Field

from innocore.api.core import Q, api_blueprint, operation, paginated, signed_in
from innocore.clock import api_time
from innocore.errors import DomainError, NotFound, Problem
from innocore.extensions import db
from innocore.marks import N_
from instruments.requests.services import Upload
from training.challenges import permissions, queries, services
from training.challenges.models import Challenge, ChallengeApplication, ChallengeStatus

bp = api_blueprint("challenges_api", __name__)
TAGS = ["Challenges"]
Id = Field(ge=1, le=2**31 - 1)


class ChallengeNeedIn(BaseModel):
    competence_id: int = Id
    level: int = Field(ge=1, le=9)


class ChallengeIn(BaseModel):
    facility_id: int = Id
    title: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=1, max_length=20_000)
    details: str = Field(default="", max_length=20_000)
    data_provided: str = Field(default="", max_length=20_000)
    skills: str = Field(default="", max_length=20_000)
    participants_get: str = Field(default="", max_length=20_000)
    nda_text: str = Field(default="", max_length=20_000)
    team_min: int = Field(ge=1, le=10)
    team_max: int = Field(ge=1, le=10)
    teams_wanted: int = Field(default=1, ge=1, le=20)
    applications_close_at: datetime
    starts_on: date
    ends_on: date
    module_id: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="a module of the host facility (or network-wide) of kind challenge_based_learning",
    )
    account_id: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="a billing account of the posting organisation that you may charge "
        "(GET /challenges/account-choices); the selected teams' linked bookings are charged to it",
    )
    facility_ids: list[int] = Field(default_factory=list, max_length=20)
    needs: list[ChallengeNeedIn] = Field(default_factory=list, max_length=30)


class ChallengeAccountOut(BaseModel):
    id: int
    kind: str
    code: str
    name: str
    group_id: int | None
    company_id: int | None
    valid_from: date
    valid_until: date | None


class ChallengeChargedOut(BaseModel):
    hours: Decimal = Field(description="hours of instrument time charged so far")
    amount: Decimal = Field(description="amount charged so far, in currency")
    currency: str


class ChallengeNeedOut(BaseModel):
    competence_id: int
    title: str
    level: int


class ChallengeOut(BaseModel):
    id: int
    title: str
    organisation: str
    facility_id: int
    facility_ids: list[int]
    status: str
    summary: str
    confidential: bool
    details: str | None = Field(description="null until the NDA is accepted (or for outsiders)")
    data_provided: str | None
    nda_text: str
    skills: str
    participants_get: str
    team_min: int
    team_max: int
    teams_wanted: int
    applications_close_at: datetime
    starts_on: date
    ends_on: date
    module_id: int | None
    account_id: int | None = Field(description="the billing account charged for teams' bookings")
    needs: list[ChallengeNeedOut]
    review_note: str


class ChallengeReviewIn(BaseModel):
    decision: Literal["publish", "return"]
    note: str = Field(default="", max_length=1000)


class ChallengeFileIn(BaseModel):
    filename: str = Field(min_length=1, max_length=200)
    content_type: str = Field(max_length=100)
    data_base64: str = Field(max_length=15 * 1024 * 1024)


class ChallengeApplicationIn(BaseModel):
    motivation: str = Field(min_length=1, max_length=5000)
    team: list[str] = Field(default_factory=list, max_length=10, description="members' e-mails")
    files: list[ChallengeFileIn] = Field(default_factory=list, max_length=10)


class ChallengeMemberOut(BaseModel):
    user_id: int
    name: str
    certificate_id: int | None = Field(description="the certificate the outcome issued them")
    already_held_certificate_id: int | None = Field(
        description="when the outcome was recorded they already held the module's competence "
        "at its level: that certificate (none was issued to them)"
    )


class ChallengeFileOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size_bytes: int


class ChallengeApplicationOut(BaseModel):
    id: int
    challenge_id: int
    lead_id: int
    motivation: str
    status: str
    submitted_at: datetime
    members: list[ChallengeMemberOut]
    rating: int | None
    feedback: str


class ChallengeDecisionIn(BaseModel):
    decision: Literal["shortlisted", "selected", "not_selected"]


class ChallengeMilestoneIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    due_on: date


class ChallengeMilestoneOut(BaseModel):
    id: int
    title: str
    due_on: date
    done_at: datetime | None


class ChallengeMessageIn(BaseModel):
    body: str = Field(min_length=1, max_length=5000)


class ChallengeMessageOut(BaseModel):
    id: int
    author_id: int
    author: str
    body: str
    created_at: datetime


class ChallengeFilesIn(BaseModel):
    files: list[ChallengeFileIn] = Field(min_length=1, max_length=10)


class ChallengeBookingLinkIn(BaseModel):
    booking_id: int = Id


class ChallengeBookingOut(BaseModel):
    booking_id: int
    instrument_id: int
    starts_at: datetime
    ends_at: datetime
    status: str
    account_id: int | None = Field(description="the billing account the booking is charged to")


class ChallengeWorkspaceOut(BaseModel):
    application: ChallengeApplicationOut
    milestones: list[ChallengeMilestoneOut]
    messages: list[ChallengeMessageOut]
    files: list[ChallengeFileOut]
    bookings: list[ChallengeBookingOut]
    account_id: int | None = Field(description="the challenge's billing account")
    charged: ChallengeChargedOut


class ChallengeFeedbackIn(BaseModel):
    rating: int = Field(ge=1, le=5)
    feedback: str = Field(min_length=1, max_length=5000)


def challenge_json(ch: Challenge, user) -> dict:
    """A challenge as ``user`` may see it: the confidential details only once they accepted its
    NDA or are in a team (``permissions.can_see_details``)."""
    team = services.team_of(user.id, ch.id)
    accepted = ch.confidential and services.nda_accepted(user.id, ch.id)
    shown = permissions.can_see_details(user, ch, nda_accepted=accepted, in_team=team is not None)
    return _challenge_fields(ch, details_shown=shown, review_note=ch.review_note)


def _board_json(ch: Challenge) -> dict:
    """A board row: never the confidential details (the list runs no per-row queries)."""
    return _challenge_fields(ch, details_shown=not ch.confidential, review_note="")


def _challenge_fields(ch: Challenge, *, details_shown: bool, review_note: str) -> dict:
    return {
        "id": ch.id,
        "title": ch.title,
        "organisation": ch.organisation.name,
        "facility_id": ch.facility_id,
        "facility_ids": [f.id for f in ch.facilities],
        "status": ch.status.value,
        "summary": ch.summary,
        "confidential": ch.confidential,
        "details": ch.details if details_shown else None,
        "data_provided": ch.data_provided if details_shown else None,
        "nda_text": ch.nda_text,
        "skills": ch.skills,
        "participants_get": ch.participants_get,
        "team_min": ch.team_min,
        "team_max": ch.team_max,
        "teams_wanted": ch.teams_wanted,
        "applications_close_at": api_time(ch.applications_close_at),
        "starts_on": api_time(ch.starts_on),
        "ends_on": api_time(ch.ends_on),
        "module_id": ch.module_id,
        "review_note": review_note,
        "account_id": ch.account_id,
        "needs": [
            {"competence_id": n.competence_id, "title": n.competence.title, "level": n.level}
            for n in ch.needs
        ],
    }


def application_json(a: ChallengeApplication) -> dict:
    return {
        "id": a.id,
        "challenge_id": a.challenge_id,
        "lead_id": a.lead_id,
        "motivation": a.motivation,
        "status": a.status.value,
        "submitted_at": api_time(a.submitted_at),
        "rating": a.rating,
        "feedback": a.feedback,
        "members": [
            {
                "user_id": m.user_id,
                "name": m.user.name,
                "certificate_id": m.certificate_id,
                "already_held_certificate_id": m.held_certificate_id,
            }
            for m in a.members
        ],
    }


def _uploads(items: list[ChallengeFileIn]) -> list[Upload]:
    out = []
    for i, item in enumerate(items):
        try:
            data = base64.b64decode(item.data_base64, validate=True)
        except (binascii.Error, ValueError):
            raise DomainError(
                Problem("base64", N_("The file is not valid base64."), f"files.{i}")
            ) from None
        out.append(Upload(item.filename, item.content_type, data))
    return out


def _challenge(challenge_id: int) -> Challenge | None:
    return db.session.get(Challenge, challenge_id) if 0 < challenge_id < 2**31 else None


def _app_challenge(application_id: int) -> Challenge | None:
    a = db.session.get(ChallengeApplication, application_id) if 0 < application_id < 2**31 else None
    return a.challenge if a is not None else None


def _on_challenge(can):
    """An operation's permission: ``can(user, challenge)`` for the challenge in the path
    (``challenge_id``); False when there is no such challenge."""

    def permission(user, challenge_id: int, **_) -> bool:
        ch = _challenge(challenge_id)
        return ch is not None and can(user, ch)

    return permission


def _on_application(can):
    """``_on_challenge`` for the challenge of the application in the path (``application_id``)."""

    def permission(user, application_id: int, **_) -> bool:
        ch = _app_challenge(application_id)
        return ch is not None and can(user, ch)

    return permission


_may_review = _on_challenge(permissions.can_review_challenge)
_may_see = _on_challenge(permissions.can_see_challenge)
_may_manage = _on_challenge(permissions.can_manage_challenge)
_may_manage_app = _on_application(permissions.can_manage_challenge)
_may_award_app = _on_application(permissions.can_award)


def _in_workspace(user, application_id: int, **_) -> bool:
    a = db.session.get(ChallengeApplication, application_id) if 0 < application_id < 2**31 else None
    return a is not None and (
        any(m.user_id == user.id for m in a.members)
        or permissions.can_see_applications(user, a.challenge)
    )


@operation(
    bp,
    "/challenges",
    "GET",
    tags=TAGS,
    response=ChallengeOut,
    paginated=True,
    summary="The challenges board (published, underway, completed)",
    query={"status": Q("one status", enum=tuple(s.value for s in permissions.VISIBLE))},
    permission=signed_in,
)
def list_challenges():
    raw = request.args.get("status")
    return paginated(queries.board_stmt(ChallengeStatus(raw) if raw else None), _board_json)


@operation(
    bp,
    "/challenges",
    "POST",
    tags=TAGS,
    body=ChallengeIn,
    response=ChallengeOut,
    status=201,
    summary="Post a challenge (it waits for the host facility's review)",
    permission=lambda user, **_: permissions.can_post_challenge(user),
)
def post_challenge(body: ChallengeIn):
    data = services.ChallengeInput(
        **body.model_dump(exclude={"needs"}),
        needs=[(n.competence_id, n.level) for n in body.needs],
    )
    ch = services.post_challenge(current_user, data)
    db.session.commit()
    return jsonify(challenge_json(ch, current_user)), 201


@operation(
    bp,
    "/challenges/account-choices",
    "GET",
    tags=TAGS,
    response=ChallengeAccountOut,
    listed=True,
    summary="Billing accounts I may put on a challenge I post (my organisation's, chargeable)",
    permission=lambda user, **_: permissions.can_post_challenge(user),
)
def account_choices():
    return [
        {
            "id": a.id,
            "kind": a.kind.value,
            "code": a.code,
            "name": a.name,
            "group_id": a.group_id,
            "company_id": a.company_id,
            "valid_from": api_time(a.valid_from),
            "valid_until": api_time(a.valid_until),
        }
        for a in services.poster_accounts(current_user, current_user.organisation_id)
    ]


@operation(
    bp,
    "/challenges/<int:challenge_id>",
    "PUT",
    tags=TAGS,
    body=ChallengeIn,
    response=ChallengeOut,
    summary="Change a challenge in review or returned (back to review)",
    permission=_may_manage,
)
def revise_challenge(challenge_id: int, body: ChallengeIn):
    data = services.ChallengeInput(
        **body.model_dump(exclude={"needs"}),
        needs=[(n.competence_id, n.level) for n in body.needs],
    )
    ch = services.revise_challenge(current_user, challenge_id, data)
    db.session.commit()
    return challenge_json(ch, current_user)


@operation(
    bp,
    "/challenges/<int:challenge_id>",
    "GET",
    tags=TAGS,
    response=ChallengeOut,
    summary="One challenge (details only after its NDA, for outsiders)",
    permission=_may_see,
)
def get_challenge(challenge_id: int):
    return challenge_json(services.get_challenge(current_user, challenge_id), current_user)


@operation(
    bp,
    "/challenges/<int:challenge_id>/review",
    "POST",
    tags=TAGS,
    body=ChallengeReviewIn,
    response=ChallengeOut,
    summary="Publish a challenge or return it with a note",
    permission=_may_review,
)
def review(challenge_id: int, body: ChallengeReviewIn):
    ch = services.get_challenge(current_user, challenge_id)
    services.review_challenge(current_user, ch, publish=body.decision == "publish", note=body.note)
    db.session.commit()
    return challenge_json(ch, current_user)


@operation(
    bp,
    "/challenges/<int:challenge_id>/nda",
    "POST",
    tags=TAGS,
    response=ChallengeOut,
    status=201,
    summary="Accept the challenge's NDA (its details are then shown)",
    permission=_may_see,
)
def accept_nda(challenge_id: int):
    ch = services.get_challenge(current_user, challenge_id)
    services.accept_nda(current_user, ch)
    db.session.commit()
    return jsonify(challenge_json(ch, current_user)), 201


@operation(
    bp,
    "/challenges/<int:challenge_id>/applications",
    "POST",
    tags=TAGS,
    body=ChallengeApplicationIn,
    response=ChallengeApplicationOut,
    status=201,
    summary="Apply alone or as a team (members named by e-mail; files in base64)",
    permission=_may_see,
)
def apply(challenge_id: int, body: ChallengeApplicationIn):
    ch = services.get_challenge(current_user, challenge_id)
    app = services.apply(
        current_user, ch, motivation=body.motivation, team=body.team, uploads=_uploads(body.files)
    )
    db.session.commit()
    return jsonify(application_json(app)), 201


@operation(
    bp,
    "/challenges/<int:challenge_id>/applications",
    "GET",
    tags=TAGS,
    response=ChallengeApplicationOut,
    paginated=True,
    summary="A challenge's applications (its posting side and reviewers)",
    permission=_on_challenge(permissions.can_see_applications),
)
def list_applications(challenge_id: int):
    return paginated(queries.applications_stmt(challenge_id), application_json)


@operation(
    bp,
    "/challenge-applications",
    "GET",
    tags=TAGS,
    response=ChallengeApplicationOut,
    paginated=True,
    summary="The applications I am in",
    permission=signed_in,
)
def my_applications():
    return paginated(queries.applications_of_user_stmt(current_user.id), application_json)


@operation(
    bp,
    "/challenge-applications/<int:application_id>/decide",
    "POST",
    tags=TAGS,
    body=ChallengeDecisionIn,
    response=ChallengeApplicationOut,
    summary="Shortlist, select or decline a team (the posting side)",
    permission=_may_manage_app,
)
def decide(application_id: int, body: ChallengeDecisionIn):
    app = services.decide_application(current_user, application_id, body.decision)
    db.session.commit()
    return application_json(app)


def _workspace_json(app: ChallengeApplication) -> dict:
    c = queries.workspace_contents(app.id)
    return {
        "application": application_json(app),
        "milestones": [
            {
                "id": m.id,
                "title": m.title,
                "due_on": api_time(m.due_on),
                "done_at": api_time(m.done_at),
            }
            for m in c["milestones"]
        ],
        "messages": [
            {
                "id": m.id,
                "author_id": m.author_id,
                "author": m.author.name,
                "body": m.body,
                "created_at": api_time(m.created_at),
            }
            for m in c["messages"]
        ],
        "files": [_file(f) for f in c["files"]],
        "bookings": [
            {
                "booking_id": b.id,
                "instrument_id": b.instrument_id,
                "starts_at": api_time(b.starts_at),
                "ends_at": api_time(b.ends_at),
                "status": b.status.value,
                "account_id": b.account_id,
            }
            for b in c["bookings"]
        ],
        "account_id": app.challenge.account_id,
        "charged": {k: str(v) if isinstance(v, Decimal) else v for k, v in c["charged"].items()},
    }


def _file(f) -> dict:
    return {
        "id": f.id,
        "filename": f.filename,
        "content_type": f.content_type,
        "size_bytes": f.size_bytes,
    }


@operation(
    bp,
    "/challenge-applications/<int:application_id>/workspace",
    "GET",
    tags=TAGS,
    response=ChallengeWorkspaceOut,
    summary="A selected team's workspace",
    permission=_in_workspace,
)
def get_workspace(application_id: int):
    return _workspace_json(services.workspace(current_user, application_id))


@operation(
    bp,
    "/challenge-applications/<int:application_id>/milestones",
    "POST",
    tags=TAGS,
    body=ChallengeMilestoneIn,
    response=ChallengeMilestoneOut,
    status=201,
    summary="Add a milestone",
    permission=_in_workspace,
)
def add_milestone(application_id: int, body: ChallengeMilestoneIn):
    m = services.add_milestone(current_user, application_id, body.title, body.due_on)
    db.session.commit()
    return jsonify(
        {"id": m.id, "title": m.title, "due_on": api_time(m.due_on), "done_at": None}
    ), 201


@operation(
    bp,
    "/challenge-milestones/<int:milestone_id>/done",
    "POST",
    tags=TAGS,
    response=ChallengeMilestoneOut,
    summary="Mark a milestone done",
    permission=signed_in,
)
def milestone_done(milestone_id: int):
    m = services.complete_milestone(current_user, milestone_id)
    db.session.commit()
    return {
        "id": m.id,
        "title": m.title,
        "due_on": api_time(m.due_on),
        "done_at": api_time(m.done_at),
    }


@operation(
    bp,
    "/challenge-applications/<int:application_id>/messages",
    "POST",
    tags=TAGS,
    body=ChallengeMessageIn,
    response=ChallengeMessageOut,
    status=201,
    summary="Write in the workspace (the others are e-mailed)",
    permission=_in_workspace,
)
def post_message(application_id: int, body: ChallengeMessageIn):
    m = services.post_message(current_user, application_id, body.body)
    db.session.commit()
    return jsonify(
        {
            "id": m.id,
            "author_id": m.author_id,
            "author": m.author.name,
            "body": m.body,
            "created_at": api_time(m.created_at),
        }
    ), 201


@operation(
    bp,
    "/challenge-applications/<int:application_id>/files",
    "POST",
    tags=TAGS,
    body=ChallengeFilesIn,
    response=ChallengeFileOut,
    listed=True,
    status=201,
    summary="Add files to the workspace (base64)",
    permission=_in_workspace,
)
def add_files(application_id: int, body: ChallengeFilesIn):
    rows = services.add_files(current_user, application_id, _uploads(body.files))
    db.session.commit()
    return [_file(f) for f in rows], 201


@operation(
    bp,
    "/challenge-files/<int:file_id>",
    "GET",
    tags=TAGS,
    summary="Download a challenge file",
    permission=signed_in,
)
def download(file_id: int):
    row = services.get_file(current_user, file_id)
    return Response(row.data, mimetype=row.content_type or "application/octet-stream")


@operation(
    bp,
    "/challenge-applications/<int:application_id>/bookings",
    "POST",
    tags=TAGS,
    body=ChallengeBookingLinkIn,
    response=ChallengeBookingOut,
    status=201,
    summary="Link one of my bookings to the challenge (charged to its account, if any)",
    permission=_in_workspace,
)
def link_booking(application_id: int, body: ChallengeBookingLinkIn):
    row = services.link_booking(current_user, application_id, body.booking_id)
    db.session.commit()
    from instruments.models import Booking

    b = db.session.get(Booking, row.booking_id)
    if b is None:
        raise NotFound(N_("No such booking."))
    return jsonify(
        {
            "booking_id": b.id,
            "instrument_id": b.instrument_id,
            "starts_at": api_time(b.starts_at),
            "ends_at": api_time(b.ends_at),
            "status": b.status.value,
            "account_id": b.account_id,
        }
    ), 201


@operation(
    bp,
    "/challenge-applications/<int:application_id>/feedback",
    "POST",
    tags=TAGS,
    body=ChallengeFeedbackIn,
    response=ChallengeApplicationOut,
    summary="The posting side's feedback at the end",
    permission=_may_manage_app,
)
def feedback(application_id: int, body: ChallengeFeedbackIn):
    app = services.give_feedback(
        current_user, application_id, rating=body.rating, text=body.feedback
    )
    db.session.commit()
    return application_json(app)


@operation(
    bp,
    "/challenge-applications/<int:application_id>/outcome",
    "POST",
    tags=TAGS,
    response=ChallengeApplicationOut,
    summary="Record the outcome: certificates for the learning module (host certifiers)",
    permission=_may_award_app,
)
def outcome(application_id: int):
    app = services.record_outcome(current_user, application_id)
    db.session.commit()
    return application_json(app)
