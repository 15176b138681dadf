"""Kernel pages: home, per-role dashboard, the user's notifications, health check, the icon."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from innocore import dashboard
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.forms import attempt_action
from innocore.notifications import services as notes

bp = Blueprint("core", __name__)


@bp.route("/")
def home():
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    facilities = db.session.scalars(
        sa.select(Facility).where(Facility.active.is_(True)).order_by(Facility.name).limit(12)
    ).all()
    return render_template("core/home.html", facilities=facilities)


@bp.route("/dashboard", endpoint="dashboard")
@login_required
def show_dashboard():
    return render_template("core/dashboard.html", panels=dashboard.panels_for(current_user))


@bp.route("/notifications")
@login_required
def notifications():
    page = request.args.get("page", 1, type=int)
    result = notes.list_for_user(current_user, page=max(page, 1), per_page=25)
    return render_template("core/notifications.html", page=result)


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_notifications_read():
    note_id = request.form.get("id", type=int)
    notes.mark_read(current_user, note_id)
    db.session.commit()
    if note_id is None:
        flash("All notifications marked as read.", "success")
    return redirect(url_for("core.notifications"))


@bp.route("/notifications/preferences", methods=["GET", "POST"])
@login_required
def notification_preferences():
    """Tick the optional kinds of e-mail wanted; mandatory kinds are shown ticked and locked."""
    status, problems = 200, []
    if request.method == "POST":
        ticked = set(request.form.getlist("email"))
        wanted = {
            k.code: k.code in ticked for k, _ in notes.preferences(current_user) if not k.mandatory
        }
        _, err = attempt_action(lambda: notes.set_preferences(current_user, current_user, wanted))
        if err is None:
            flash("Your e-mail preferences are saved.", "success")
            return redirect(url_for("core.notification_preferences"))
        status, problems = err.status, err.problems
    prefs = notes.preferences(current_user)
    return render_template(
        "core/notification_preferences.html", prefs=prefs, problems=problems
    ), status


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever a page declares: InnoCore's SVG icon (a day's cache)."""
    response = current_app.send_static_file("img/icon.svg")
    response.cache_control.max_age = 86400
    return response


@bp.route("/healthz")
def health():
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok", "database": db.engine.dialect.name}
