"""Challenge pages: the board, posting, one challenge (review, NDA, apply, applications), a team's
workspace. Refusals render the app-wide problem page (422) with every reason."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from innocore.competences.models import Competence
from innocore.confirm import Confirmation, irreversible
from innocore.errors import DomainError, Forbidden, Problem
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.marks import N_
from instruments.requests.views import uploads_of
from training.challenges import forms, permissions, queries, services
from training.challenges.models import ApplicationStatus

bp = Blueprint("challenges", __name__, url_prefix="/challenges", template_folder="templates")


@bp.route("/")
@login_required
def board():
    return render_template(
        "challenges/board.html",
        challenges=db.session.scalars(queries.board_stmt().limit(100)).all(),
        mine=db.session.scalars(queries.applications_of_user_stmt(current_user.id)).all(),
        posted=db.session.scalars(queries.posted_by_side_stmt(current_user)).all(),
        to_review=db.session.scalars(queries.to_review_stmt(current_user)).all(),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not permissions.can_post_challenge(current_user):
        raise Forbidden(N_("Company staff and facility managers post challenges."))
    if request.method == "POST":
        ch = services.post_challenge(current_user, forms.challenge_input(request.form))
        db.session.commit()
        flash(_("Posted: the host facility's staff review it before it is published."), "success")
        return redirect(url_for("challenges.show", challenge_id=ch.id))
    return _form()


@bp.route("/<int:challenge_id>/edit", methods=["GET", "POST"])
@login_required
def edit(challenge_id: int):
    ch = services.get_challenge(current_user, challenge_id)
    if not permissions.can_manage_challenge(current_user, ch):
        raise Forbidden(N_("Only the challenge's posting side changes it."))
    if request.method == "POST":
        services.revise_challenge(current_user, ch.id, forms.challenge_input(request.form))
        db.session.commit()
        flash(_("Changed: the host facility's staff review it again."), "success")
        return redirect(url_for("challenges.show", challenge_id=ch.id))
    return _form(ch)


def _form(ch=None):
    from datetime import timedelta

    from innocore.clock import local_date
    from training.models import ModuleKind, TrainingModule

    closes_on = None
    if ch is not None:
        closes_on = local_date(
            ch.applications_close_at - timedelta(seconds=1), ch.facility.timezone
        )
    accounts = services.poster_accounts(
        current_user, ch.organisation_id if ch else current_user.organisation_id
    )
    if ch is not None and ch.account_id and ch.account_id not in {a.id for a in accounts}:
        from innocore.ledger.accounts import BillingAccount

        accounts.append(db.session.get(BillingAccount, ch.account_id))
    return render_template(
        "challenges/new.html",
        ch=ch,
        closes_on=closes_on,
        accounts=accounts,
        facilities=db.session.scalars(
            sa.select(Facility).where(Facility.active.is_(True)).order_by(Facility.name)
        ).all(),
        competences=db.session.scalars(
            sa.select(Competence).where(Competence.retired.is_(False)).order_by(Competence.title)
        ).all(),
        modules=db.session.scalars(
            sa.select(TrainingModule)
            .where(TrainingModule.kind == ModuleKind.CHALLENGE)
            .order_by(TrainingModule.title)
        ).all(),
    )


@bp.route("/<int:challenge_id>")
@login_required
def show(challenge_id: int):
    ch = services.get_challenge(current_user, challenge_id)
    team = services.team_of(current_user.id, ch.id)
    accepted = services.nda_accepted(current_user.id, ch.id)
    apps = []
    if permissions.can_see_applications(current_user, ch):
        apps = db.session.scalars(queries.applications_stmt(ch.id)).all()
    return render_template(
        "challenges/show.html",
        ch=ch,
        team=team,
        nda_accepted=accepted,
        details=permissions.can_see_details(
            current_user, ch, nda_accepted=accepted, in_team=team is not None
        ),
        applications=apps,
        files=queries.files_by_application([a.id for a in apps]),
        Status=ApplicationStatus,
    )


@bp.route("/<int:challenge_id>/review", methods=["POST"])
@login_required
def review(challenge_id: int):
    ch = services.get_challenge(current_user, challenge_id)
    if not permissions.can_review_challenge(current_user, ch):
        raise Forbidden(N_("The host facility's staff review its challenges."))
    decision = request.form.get("decision")
    if decision not in ("publish", "return"):
        raise DomainError(Problem("decision", N_("Publish or return."), "decision"))
    services.review_challenge(
        current_user, ch, publish=decision == "publish", note=request.form.get("note", "")
    )
    db.session.commit()
    flash(
        _("Challenge published; its poster is told by e-mail.")
        if decision == "publish"
        else _("Challenge returned for changes; its poster is told by e-mail."),
        "success",
    )
    return redirect(url_for("challenges.show", challenge_id=ch.id))


@bp.route("/<int:challenge_id>/nda", methods=["POST"])
@login_required
def nda(challenge_id: int):
    ch = services.get_challenge(current_user, challenge_id)
    services.accept_nda(current_user, ch)
    db.session.commit()
    flash(_("NDA accepted: the confidential details are shown below."), "success")
    return redirect(url_for("challenges.show", challenge_id=ch.id))


@bp.route("/<int:challenge_id>/apply", methods=["POST"])
@login_required
def apply(challenge_id: int):
    ch = services.get_challenge(current_user, challenge_id)
    team = request.form.get("team", "").replace(",", "\n").splitlines()
    services.apply(
        current_user,
        ch,
        motivation=request.form.get("motivation", ""),
        team=team,
        uploads=uploads_of(request.files.getlist("files")),
    )
    db.session.commit()
    flash(
        _("Application sent; your team and the challenge's poster are told by e-mail."), "success"
    )
    return redirect(url_for("challenges.show", challenge_id=ch.id))


def _confirm_decide(application_id: int) -> Confirmation | None:
    app = services.get_application(current_user, application_id)
    if request.form.get("decision") != "not_selected" or app.status.value in (
        "not_selected",
        "completed",
    ):
        return None
    return Confirmation(
        _("Decline the application led by %(lead_name)s?", lead_name=app.lead.name),
        [
            _(
                "The team's application to “%(challenge_title)s” is not "
                "selected, for good: it cannot be shortlisted or selected "
                "later.",
                challenge_title=app.challenge.title,
            ),
            _("The team is told by e-mail."),
        ],
        _("Decline the application"),
        url_for("challenges.show", challenge_id=app.challenge_id),
    )


@bp.route("/applications/<int:application_id>/decide", methods=["POST"])
@login_required
@irreversible(_confirm_decide)
def decide(application_id: int):
    app = services.decide_application(
        current_user, application_id, request.form.get("decision", "")
    )
    db.session.commit()
    done = {
        "shortlisted": _("Application shortlisted; the team is told by e-mail."),
        "selected": _("Application selected; the team is told by e-mail."),
        "not_selected": _("Application declined; the team is told by e-mail."),
    }
    flash(done.get(app.status.value, _("Decision saved; the team is told by e-mail.")), "success")
    return redirect(url_for("challenges.show", challenge_id=app.challenge_id))


@bp.route("/applications/<int:application_id>/workspace")
@login_required
def workspace(application_id: int):
    app = services.workspace(current_user, application_id)
    bookings = []
    if any(m.user_id == current_user.id for m in app.members):
        from instruments.models import Booking, Instrument

        involved = [f.id for f in app.challenge.facilities]
        bookings = db.session.scalars(
            sa.select(Booking)
            .join(Instrument, Instrument.id == Booking.instrument_id)
            .where(Booking.user_id == current_user.id, Instrument.facility_id.in_(involved))
            .order_by(Booking.starts_at.desc())
            .limit(50)
        ).all()
    return render_template(
        "challenges/workspace.html",
        app=app,
        ch=app.challenge,
        my_bookings=bookings,
        **queries.workspace_contents(app.id),
    )


def _back(application_id: int, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("challenges.workspace", application_id=application_id))


@bp.route("/applications/<int:application_id>/milestones", methods=["POST"])
@login_required
def milestone(application_id: int):
    services.add_milestone(
        current_user,
        application_id,
        request.form.get("title", ""),
        forms.as_date(request.form.get("due_on")),
    )
    return _back(application_id, N_("Milestone added."))


@bp.route("/milestones/<int:milestone_id>/done", methods=["POST"])
@login_required
def milestone_done(milestone_id: int):
    row = services.complete_milestone(current_user, milestone_id)
    return _back(row.application_id, N_("Milestone done."))


@bp.route("/applications/<int:application_id>/messages", methods=["POST"])
@login_required
def message(application_id: int):
    services.post_message(current_user, application_id, request.form.get("body", ""))
    return _back(application_id, N_("Message sent."))


@bp.route("/applications/<int:application_id>/files", methods=["POST"])
@login_required
def files(application_id: int):
    services.add_files(current_user, application_id, uploads_of(request.files.getlist("files")))
    return _back(application_id, N_("File added."))


@bp.route("/applications/<int:application_id>/bookings", methods=["POST"])
@login_required
def link_booking(application_id: int):
    booking_id = forms.as_int(request.form.get("booking_id")) or 0
    services.link_booking(current_user, application_id, booking_id)
    return _back(application_id, N_("Booking linked to the challenge."))


@bp.route("/applications/<int:application_id>/feedback", methods=["POST"])
@login_required
def feedback(application_id: int):
    services.give_feedback(
        current_user,
        application_id,
        rating=forms.as_int(request.form.get("rating")),
        text=request.form.get("feedback", ""),
    )
    return _back(application_id, N_("Feedback recorded; the team and the facility are told."))


@bp.route("/applications/<int:application_id>/outcome", methods=["POST"])
@login_required
def outcome(application_id: int):
    services.record_outcome(current_user, application_id)
    return _back(
        application_id, N_("Outcome recorded; the workspace says who received a certificate.")
    )


@bp.route("/files/<int:file_id>")
@login_required
def download(file_id: int):
    row = services.get_file(current_user, file_id)
    safe = "".join(c for c in row.filename if c.isalnum() or c in "._- ")[:100] or "file"
    return Response(
        row.data,
        mimetype=row.content_type or "application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )
