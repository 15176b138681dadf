"""JSON API for qualification paths: list, define, progress."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user
from pydantic import BaseModel, Field

from innocore.api.core import api_blueprint, operation
from innocore.clock import api_time
from innocore.errors import NotFound
from innocore.extensions import db
from innocore.marks import N_
from training.certification.permissions import can_manage_paths
from training.paths import services
from training.paths.models import AwardMode, QualificationPath

bp = api_blueprint("paths_api", __name__)


class PathIn(BaseModel):
    code: str = Field(max_length=40)
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=5000)
    eqf_level: int | None = None
    award_mode: AwardMode = AwardMode.AUTOMATIC
    requirements: dict


class PathOut(BaseModel):
    id: int
    code: str
    title: str
    description: str
    eqf_level: int | None
    award_mode: str
    requirements: dict


class ProgressOut(BaseModel):
    path_id: int
    met: bool
    percent: int
    counted: list[str]
    missing: list[str]
    sessions: list[dict]
    award: str | None


def serialise(path: QualificationPath) -> dict:
    return {
        "id": path.id,
        "code": path.code,
        "title": path.title,
        "description": path.description,
        "eqf_level": path.eqf_level,
        "award_mode": path.award_mode.value,
        "requirements": path.requirements,
    }


def _path(path_id: int) -> QualificationPath:
    path = db.session.get(QualificationPath, path_id)
    if path is None or not path.active:
        raise NotFound(N_("No such qualification path."))
    return path


@operation(
    bp,
    "/paths",
    "GET",
    summary="Qualification paths",
    tags=["Qualification paths"],
    response=PathOut,
    listed=True,
)
def list_paths():
    import sqlalchemy as sa

    paths = db.session.scalars(sa.select(QualificationPath).where(QualificationPath.active)).all()
    return [serialise(p) for p in paths]


@operation(
    bp,
    "/paths/<int:path_id>",
    "GET",
    summary="One qualification path",
    tags=["Qualification paths"],
    response=PathOut,
)
def get_path(path_id: int):
    return serialise(_path(path_id))


@operation(
    bp,
    "/paths",
    "POST",
    summary="Define a qualification path (network admins)",
    tags=["Qualification paths"],
    body=PathIn,
    response=PathOut,
    status=201,
    permission=lambda user, **kw: can_manage_paths(user),
)
def create_path(body: PathIn):
    data = services.PathInput(
        body.code, body.title, body.description, body.eqf_level, body.requirements, body.award_mode
    )
    path = services.save_path(current_user, data)
    db.session.commit()
    return serialise(path), 201


@operation(
    bp,
    "/paths/<int:path_id>",
    "PUT",
    summary="Change a qualification path (network admins)",
    tags=["Qualification paths"],
    body=PathIn,
    response=PathOut,
    permission=lambda user, **kw: can_manage_paths(user),
)
def update_path(path_id: int, body: PathIn):
    data = services.PathInput(
        body.code, body.title, body.description, body.eqf_level, body.requirements, body.award_mode
    )
    path = services.save_path(current_user, data, _path(path_id))
    db.session.commit()
    return serialise(path)


@operation(
    bp,
    "/paths/<int:path_id>/progress",
    "GET",
    summary="My progress on a path",
    tags=["Qualification paths"],
    response=ProgressOut,
)
def my_progress(path_id: int):
    p = services.progress_for(current_user.id, _path(path_id))
    sessions = [
        {
            "session_id": s.id,
            "module_id": mid,
            "facility": s.facility.name,
            "starts_at": api_time(s.starts_at),
        }
        for mid, items in p.sessions.items()
        for s in items
    ]
    return jsonify(
        {
            "path_id": path_id,
            "met": p.result.met,
            "percent": p.percent,
            "counted": p.result.counted,
            "missing": p.result.missing,
            "sessions": sessions,
            "award": p.award.status.value if p.award else None,
        }
    )


class AwardOut(BaseModel):
    id: int
    path_id: int
    user_id: int
    status: str
    completed_at: str
    decided_at: str | None
    certificate_id: int | None


@operation(
    bp,
    "/paths/awards/<int:award_id>/confirm",
    "POST",
    summary="Confirm a pending path award: its certificate and credential are issued",
    tags=["Qualification paths"],
    response=AwardOut,
    permission=lambda user, **kw: can_manage_paths(user),
)
def confirm_award(award_id: int):
    award = services.confirm_award(current_user, award_id)
    db.session.commit()
    return {
        "id": award.id,
        "path_id": award.path_id,
        "user_id": award.user_id,
        "status": award.status.value,
        "completed_at": api_time(award.completed_at),
        "decided_at": api_time(award.decided_at),
        "certificate_id": award.certificate_id,
    }
