"""Pages of company administrators: people, invitations, and the link to join a company.

Feature packages add pages about the company's activity with ``register_company_page``; the kernel
never imports them.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from innocore import clock
from innocore.confirm import Confirmation, irreversible
from innocore.errors import NotFound
from innocore.extensions import db
from innocore.forms import EmailAddressField, attempt, form_status
from innocore.marks import N_
from innocore.membership import companies
from innocore.permissions import require
from innocore.template_helpers import company_pages

bp = Blueprint("companies", __name__, url_prefix="/company")


def is_company_admin(user) -> bool:
    return user.is_authenticated and user.is_company_admin


class InviteForm(FlaskForm):
    email = EmailAddressField(
        _l("E-mail of the employee"), validators=[DataRequired(), Length(max=254)]
    )


class JoinForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[Optional(), Length(max=200)])
    password = PasswordField(_l("Choose a password"), validators=[Optional(), Length(max=200)])


def _page(form: InviteForm, status: int = 200):
    page = companies.list_employees(current_user, page=request.args.get("page", 1, type=int))
    return render_template(
        "companies/index.html",
        org=current_user.organisation,
        people=page,
        invitations=companies.list_invitations(current_user),
        form=form,
        now=clock.now(),
        pages=company_pages(current_app),
    ), status


@bp.route("/")
@require(is_company_admin, N_("Only company administrators see this page."))
def index():
    return _page(InviteForm(formdata=None))


@bp.route("/invite", methods=["POST"])
@require(is_company_admin, N_("Only company administrators invite employees."))
def invite():
    form = InviteForm()
    if form.validate():
        ok, sent = attempt(form, lambda: companies.invite_employee(current_user, form.email.data))
        if ok:
            flash(_("Invitation sent to %(email)s.", email=sent[0].email), "success")
            return redirect(url_for("companies.index"))
    return _page(form, form_status(form))


def _confirm_revoke(invitation_id: int) -> Confirmation | None:
    invitation = db.session.get(companies.CompanyInvitation, invitation_id)
    org = current_user.organisation
    if invitation is None or org is None or invitation.organisation_id != org.id:
        raise NotFound(N_("No such invitation."))
    if invitation.state(clock.now()) != "pending":
        return None  # the action says why it is refused
    return Confirmation(
        _("Revoke the invitation to %(email)s?", email=invitation.email),
        [
            _(
                "The link sent to %(email)s stops working: they cannot join %(org_name)s with it.",
                email=invitation.email,
                org_name=org.name,
            ),
            _("To invite them after all you would send a new invitation."),
        ],
        _("Revoke the invitation"),
        url_for("companies.index"),
    )


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
@require(is_company_admin, N_("Only company administrators revoke invitations."))
@irreversible(_confirm_revoke)
def revoke(invitation_id: int):
    invitation = companies.revoke_invitation(current_user, invitation_id)
    db.session.commit()
    flash(
        _("Invitation to %(email)s revoked: its link no longer works.", email=invitation.email),
        "info",
    )
    return redirect(url_for("companies.index"))


@bp.route("/people/<int:user_id>/role", methods=["POST"])
@require(is_company_admin, N_("Only company administrators change roles."))
def role(user_id: int):
    user = companies.set_admin(current_user, user_id, request.form.get("admin") == "1")
    db.session.commit()
    flash(
        _(
            "%(user_name)s is now a company %(org_role)s.",
            user_name=user.name,
            org_role=user.org_role.value,
        ),
        "success",
    )
    return redirect(url_for("companies.index"))


@bp.route("/join/<token>", methods=["GET", "POST"])
def join(token: str):
    invitation = companies.find_invitation(token)
    existing = companies.get_user_by_email(invitation.email)
    form = JoinForm()
    if request.method == "POST":
        current = current_user if current_user.is_authenticated else None
        ok, user = attempt(
            form,
            lambda: companies.accept_invitation(
                token, current=current, name=form.name.data or "", password=form.password.data or ""
            ),
            on_form=(422,),  # an expired or used invitation: the app-wide error page
        )
        if ok:
            login_user(user)
            flash(
                _(
                    "Welcome to %(organisation_name)s.",
                    organisation_name=invitation.organisation.name,
                ),
                "success",
            )
            return redirect(url_for("core.dashboard"))
    return render_template(
        "companies/join.html", invitation=invitation, existing=existing, form=form
    ), form_status(form)
