"""Passport pages: the holder's own, its share links, and the public page behind a link."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from innocore.errors import DomainError
from innocore.extensions import db
from training.passport import services

bp = Blueprint("passport", __name__, url_prefix="/passport", template_folder="templates")


@bp.route("/")
@login_required
def mine():
    return render_template(
        "passport/mine.html",
        entries=services.entries_for(current_user.id),
        links=services.active_links(current_user.id),
        new_url=None,
    )


@bp.route("/links", methods=["POST"])
@login_required
def create_link():
    try:
        _link, raw = services.create_link(current_user, request.form.get("label", ""))
    except DomainError as exc:
        db.session.rollback()
        for problem in exc.problems:
            flash(problem.message, "error")
        return redirect(url_for("passport.mine"))
    db.session.commit()
    return render_template(
        "passport/mine.html",
        entries=services.entries_for(current_user.id),
        links=services.active_links(current_user.id),
        new_url=services.shared_url(raw),
    )


@bp.route("/links/<int:link_id>/revoke", methods=["POST"])
@login_required
def revoke_link(link_id: int):
    services.revoke_link(current_user, link_id)
    db.session.commit()
    flash("The link no longer shows your passport.", "success")
    return redirect(url_for("passport.mine"))


@bp.route("/shared/<token>")
def shared(token: str):
    """Anyone with the link: the holder's name and competences, with verification links."""
    holder = services.holder_for_token(token)
    response = render_template(
        "passport/shared.html", holder=holder, entries=services.entries_for(holder.id)
    )
    return response, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
