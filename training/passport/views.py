"""Passport pages: the holder's own, its share links, and the public page behind a link."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from innocore.confirm import Confirmation, irreversible
from innocore.errors import NotFound, problem_text
from innocore.extensions import db
from innocore.forms import attempt_action
from innocore.marks import N_
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
    created, refusal = attempt_action(
        lambda: services.create_link(current_user, request.form.get("label", ""))
    )
    if refusal is not None:
        for problem in refusal.problems:
            flash(problem_text(problem), "error")
        return redirect(url_for("passport.mine"))
    raw = created[1]
    return render_template(
        "passport/mine.html",
        entries=services.entries_for(current_user.id),
        links=services.active_links(current_user.id),
        new_url=services.shared_url(raw),
    )


def _confirm_revoke_link(link_id: int) -> Confirmation | None:
    from training.passport.models import PassportLink

    link = db.session.get(PassportLink, link_id)
    if link is None or link.holder_id != current_user.id:
        raise NotFound(N_("No such passport link."))
    if link.revoked_at is not None:
        return None
    if link.label:
        stops = _(
            "“%(label)s” stops working at once: whoever has it sees nothing from now on.",
            label=link.label,
        )
    else:
        stops = _("This link stops working at once: whoever has it sees nothing from now on.")
    return Confirmation(
        _("Revoke this passport link?"),
        [
            stops,
            _("It cannot be switched back on; to share again you make a new link."),
        ],
        _("Revoke the link"),
        url_for("passport.mine"),
    )


@bp.route("/links/<int:link_id>/revoke", methods=["POST"])
@login_required
@irreversible(_confirm_revoke_link)
def revoke_link(link_id: int):
    link = services.revoke_link(current_user, link_id)
    db.session.commit()
    if link.label:
        done = _(
            "“%(label)s” is revoked: it no longer shows your passport to anyone.", label=link.label
        )
    else:
        done = _("The link is revoked: it no longer shows your passport to anyone.")
    flash(done, "success")
    return redirect(url_for("passport.mine"))


@bp.route("/shared/<token>")
def shared(token: str):
    """Anyone with the link: the holder's name and competences, with verification links."""
    holder = services.holder_for_token(token)
    response = render_template(
        "passport/shared.html", holder=holder, entries=services.entries_for(holder.id)
    )
    return response, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
