"""Membership pages: a person's organisation on the profile, administrators' domains and decisions.

Every write here has an API twin in ``membership_api`` calling the same service.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from innocore.accounts.models import Organisation
from innocore.accounts.views import organisation_form, render_profile
from innocore.dashboard import Panel, register_panel
from innocore.extensions import db
from innocore.forms import attempt, form_status, strip
from innocore.membership import membership
from innocore.permissions import decides_memberships, require

bp = Blueprint("membership", __name__)
DECISION_WORDS = {"approve": "approved", "decline": "declined", "revoke": "revoked"}


class DomainForm(FlaskForm):
    domain = StringField("E-mail domain", [DataRequired(), Length(max=253)], filters=[strip])


@bp.route("/profile/organisation", methods=["POST"])
@login_required
def change_organisation():
    form = organisation_form(request.form)
    if form.validate():
        org = db.session.get(Organisation, int(form.organisation.data))
        ok, _ = attempt(form, lambda: membership.change_organisation(current_user, org))
        if ok:
            flash(membership.membership_status(current_user)["explanation"], "info")
            return redirect(url_for("accounts.profile"))
    return render_profile(organisation_form=form), form_status(form)


@bp.route("/organisations/members")
@require(decides_memberships, "Only organisation administrators see this page.")
def index():
    orgs = membership.administered_organisations(current_user)
    if len(orgs) == 1:
        return redirect(url_for("membership.members", organisation_id=orgs[0].id))
    return render_template("membership/index.html", orgs=orgs)


def _members_page(organisation_id: int, form: DomainForm, status: int = 200):
    org = membership.organisation_for(current_user, organisation_id)
    state = request.args.get("state", "pending")
    state = state if state in ("pending", "verified", "declined") else "pending"
    page = db.paginate(
        membership.members_query(org, state),
        page=request.args.get("page", 1, type=int),
        per_page=50,
        error_out=False,
    )
    return render_template(
        "membership/members.html",
        org=org,
        state=state,
        people=page,
        domains=membership.list_domains(org),
        form=form,
    ), status


@bp.route("/organisations/<int:organisation_id>/members")
@login_required
def members(organisation_id: int):
    return _members_page(organisation_id, DomainForm(formdata=None))


@bp.route("/organisations/<int:organisation_id>/domains", methods=["POST"])
@login_required
def add_domain(organisation_id: int):
    membership.organisation_for(current_user, organisation_id)  # 403/404 before the form
    form = DomainForm()
    if form.validate():
        ok, added = attempt(
            form, lambda: membership.add_domain(current_user, organisation_id, form.domain.data)
        )
        if ok:
            row, verified = added
            flash(f"{row.domain} registered; {verified} waiting member(s) verified.", "success")
            return redirect(url_for("membership.members", organisation_id=organisation_id))
    return _members_page(organisation_id, form, form_status(form))


@bp.route("/organisations/<int:organisation_id>/domains/<int:domain_id>/remove", methods=["POST"])
@login_required
def remove_domain(organisation_id: int, domain_id: int):
    membership.remove_domain(current_user, organisation_id, domain_id)
    db.session.commit()
    flash("Domain removed: new addresses in it no longer verify membership.", "info")
    return redirect(url_for("membership.members", organisation_id=organisation_id))


@bp.route(
    "/organisations/<int:organisation_id>/members/<int:user_id>/<any(approve, decline, revoke):verb>",
    methods=["POST"],
)
@login_required
def decide(organisation_id: int, user_id: int, verb: str):
    user = membership.decide(current_user, organisation_id, user_id, DECISION_WORDS[verb])
    db.session.commit()
    flash(f"{user.name}: membership {DECISION_WORDS[verb]}.", "success")
    state = "verified" if verb == "revoke" else "pending"
    return redirect(url_for("membership.members", organisation_id=organisation_id, state=state))


def _panel(user) -> Panel | None:
    if not decides_memberships(user):
        return None
    waiting = membership.pending_count(user)
    items = (
        [(f"{waiting} person(s) wait for membership approval", url_for("membership.index"))]
        if waiting
        else []
    )
    return Panel("Memberships", items, empty="No membership waits for a decision.", order=40)


def init_app(app) -> None:
    app.register_blueprint(bp)
    register_panel(app, _panel)
    app.jinja_env.globals.update(
        membership_status=membership.membership_status,
        why_external=membership.why_external,
        decides_memberships=decides_memberships,
    )
