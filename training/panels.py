"""The training panel of the dashboard: offers to answer, upcoming sessions, sessions to teach."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from innocore import clock
from innocore.dashboard import Panel
from innocore.extensions import db
from training.models import (
    CURRENT_ENROLMENT,
    Enrolment,
    EnrolmentStatus,
    SessionPart,
    TrainingSession,
)


def training_panel(user) -> Panel:
    rows = db.session.execute(
        sa.select(Enrolment, sa.func.min(SessionPart.starts_at))
        .options(joinedload(Enrolment.session))  # module and facility come joined with it
        .join(TrainingSession, TrainingSession.id == Enrolment.session_id)
        .join(SessionPart, SessionPart.session_id == TrainingSession.id)
        .where(
            Enrolment.user_id == user.id,
            Enrolment.status.in_(CURRENT_ENROLMENT),
        )
        .group_by(Enrolment.id)
        .having(sa.func.min(SessionPart.starts_at) > clock.now())
    ).all()
    items = []
    for e, _start in sorted(rows, key=lambda r: (r[0].status != EnrolmentStatus.OFFERED, r[1])):
        title = e.session.module.title
        link = url_for("training.session_page", session_id=e.session_id)
        if e.status == EnrolmentStatus.OFFERED:
            items.append(
                (
                    _("A place in “%(title)s” is offered to you: accept it in time", title=title),
                    link,
                )
            )
        else:
            items.append((_("%(title)s: %(status)s", title=title, status=e.status.label), link))
    return Panel(_("Training"), items, empty=_("No upcoming training."), order=40)
