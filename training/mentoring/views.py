"""Mentoring pages: mentors and my mentorships, my mentor profile, one mentorship (meetings,
goals, the mentee's path progress with consent)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from innocore.confirm import Confirmation, irreversible
from innocore.errors import DomainError, Problem
from innocore.extensions import db
from innocore.forms import as_int
from training.challenges.forms import as_date, typed_dates
from training.mentoring import queries, services
from training.mentoring.models import MentorProfile

bp = Blueprint("mentoring", __name__, url_prefix="/mentoring", template_folder="templates")


@bp.route("/")
@login_required
def index():
    return render_template(
        "mentoring/index.html",
        mentors=db.session.scalars(queries.mentors_stmt().limit(200)).all(),
        mentorships=db.session.scalars(queries.mentorships_stmt(current_user.id)).all(),
        profile=db.session.scalar(
            sa.select(MentorProfile).where(MentorProfile.user_id == current_user.id)
        ),
    )


@bp.route("/profile", methods=["POST"])
@login_required
def profile():
    services.save_profile(
        current_user,
        expertise=request.form.get("expertise", ""),
        capacity=as_int(request.form.get("capacity")),
        available=request.form.get("available") == "yes",
    )
    db.session.commit()
    flash("Your mentor profile is saved.", "success")
    return redirect(url_for("mentoring.index"))


@bp.route("/mentors/<int:mentor_id>/request", methods=["POST"])
@login_required
def ask(mentor_id: int):
    m = services.request_mentor(
        current_user,
        mentor_id,
        message=request.form.get("message", ""),
        progress_consent=request.form.get("progress_consent") == "yes",
    )
    db.session.commit()
    flash("Request sent; the mentor is told by e-mail.", "success")
    return redirect(url_for("mentoring.show", mentorship_id=m.id))


@bp.route("/<int:mentorship_id>")
@login_required
def show(mentorship_id: int):
    m = services.get_mentorship(current_user, mentorship_id)
    return render_template(
        "mentoring/show.html",
        m=m,
        progress=services.mentee_progress(current_user, m),
        **queries.pair_contents(m.id),
    )


def _back(mentorship_id: int, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("mentoring.show", mentorship_id=mentorship_id))


def _pair(m) -> str:
    return f"{m.mentor.name} (mentor) and {m.mentee.name} (mentee)"


def _confirm_answer(mentorship_id: int) -> Confirmation | None:
    m = services.get_mentorship(current_user, mentorship_id)
    if request.form.get("decision") != "decline" or m.status.value != "requested":
        return None
    return Confirmation(
        f"Decline {m.mentee.name}'s request?",
        [
            f"The mentorship request of {m.mentee.name} is declined for good and they are "
            "told by e-mail.",
            "They would have to send a new request for you to mentor them.",
        ],
        "Decline the request",
        url_for("mentoring.show", mentorship_id=mentorship_id),
    )


def _confirm_end(mentorship_id: int) -> Confirmation | None:
    m = services.get_mentorship(current_user, mentorship_id)
    if m.status.value != "active":
        return None  # the action says why it is refused
    other = m.mentee if current_user.id == m.mentor_id else m.mentor
    return Confirmation(
        "End this mentorship?",
        [
            f"The mentorship of {_pair(m)} ends now: no more meetings or goals are recorded.",
            "Its record stays; to continue you would start a new mentorship.",
            f"{other.name} is told by e-mail.",
        ],
        "End the mentorship",
        url_for("mentoring.show", mentorship_id=mentorship_id),
    )


@bp.route("/<int:mentorship_id>/answer", methods=["POST"])
@login_required
@irreversible(_confirm_answer)
def answer(mentorship_id: int):
    services.get_mentorship(current_user, mentorship_id)  # strangers: 404 before the form
    decision = request.form.get("decision")
    if decision not in ("accept", "decline"):
        raise DomainError(Problem("decision", "Accept or decline.", "decision"))
    services.answer(current_user, mentorship_id, accept=decision == "accept")
    done = {
        "accept": "Request accepted: the mentorship is active and the mentee is told.",
        "decline": "Request declined: the mentee is told by e-mail.",
    }[decision]
    return _back(mentorship_id, done)


@bp.route("/<int:mentorship_id>/meetings", methods=["POST"])
@login_required
def meeting(mentorship_id: int):
    form = request.form
    typed_dates(form, ("held_on",))
    services.record_meeting(
        current_user,
        mentorship_id,
        held_on=as_date(form.get("held_on")),
        minutes=as_int(form.get("minutes")),
        notes=form.get("notes", ""),
    )
    return _back(mentorship_id, "Meeting recorded.")


@bp.route("/<int:mentorship_id>/goals", methods=["POST"])
@login_required
def goal(mentorship_id: int):
    typed_dates(request.form, ("due_on",))
    services.add_goal(
        current_user,
        mentorship_id,
        title=request.form.get("title", ""),
        due_on=as_date(request.form.get("due_on")) if request.form.get("due_on") else None,
    )
    return _back(mentorship_id, "Goal added.")


@bp.route("/goals/<int:goal_id>/done", methods=["POST"])
@login_required
def goal_done(goal_id: int):
    row = services.complete_goal(current_user, goal_id)
    return _back(row.mentorship_id, "Goal done.")


@bp.route("/<int:mentorship_id>/consent", methods=["POST"])
@login_required
def consent(mentorship_id: int):
    services.set_consent(current_user, mentorship_id, request.form.get("consent") == "yes")
    return _back(mentorship_id, "Your choice is saved.")


@bp.route("/<int:mentorship_id>/end", methods=["POST"])
@login_required
@irreversible(_confirm_end)
def end(mentorship_id: int):
    services.end(current_user, mentorship_id)
    return _back(mentorship_id, "Mentorship ended: the other person is told by e-mail.")
