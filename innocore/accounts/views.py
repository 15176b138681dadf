"""Account pages: register, verify, log in/out, password reset and change, profile."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from innocore.accounts import forms, services
from innocore.accounts.models import Organisation
from innocore.accounts.tokens import list_tokens
from innocore.confirm import Confirmation, irreversible
from innocore.errors import NotFound
from innocore.extensions import db, limiter
from innocore.forms import attempt, attempt_action, choices, form_status, refusal_status
from innocore.marks import N_
from innocore.transactions import reads_first, writes
from innocore.vocab import Locale, OrganisationKind, Position

bp = Blueprint("accounts", __name__)


def _account_key() -> str:
    return "login-account:" + services.normalise_email(request.form.get("email", ""))[:254]


def _failed(response) -> bool:
    return response.status_code in (401, 403)


def _per_account() -> str:
    cfg = current_app.config
    return f"{cfg['LOGIN_MAX_ATTEMPTS']} per {cfg['LOGIN_WINDOW_MINUTES']} minutes"


def _per_address() -> str:
    cfg = current_app.config
    return f"{cfg['LOGIN_MAX_ATTEMPTS_PER_ADDRESS']} per {cfg['LOGIN_WINDOW_MINUTES']} minutes"


THROTTLED = N_("Too many failed sign-in attempts. Wait a few minutes, or reset your password.")


def _safe_next(target: str | None) -> str:
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("core.dashboard")


def _organisation_choices() -> list[tuple[str, str]]:
    """Institutions only: a company is joined through its administrator's invitation."""
    orgs = db.session.execute(
        sa.select(Organisation.id, Organisation.name, Organisation.country)
        .where(Organisation.kind != OrganisationKind.COMPANY)
        .order_by(Organisation.name)
    ).all()
    return (
        [("", "Choose…")]
        + [(str(o.id), f"{o.name} ({o.country})") for o in orgs]
        + [(forms.NEW_ORG, N_("My organisation is not listed: add it"))]
    )


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = forms.RegisterForm()
    form.organisation.choices = choices(_organisation_choices())
    if not form.validate_on_submit():
        return render_template("accounts/register.html", form=form), form_status(form)
    if form.organisation.data == forms.NEW_ORG:
        org = services.NewOrganisation(
            form.new_org_name.data,
            OrganisationKind(form.new_org_kind.data),
            form.new_org_country.data.upper(),
        )
    else:
        org = db.session.get(Organisation, int(form.organisation.data))
    ok, _result = attempt(
        form,
        lambda: services.register(
            name=form.name.data,
            email=form.email.data,
            password=form.password.data,
            organisation=org,
            timezone=form.timezone.data,
        ),
    )
    if not ok:
        return render_template("accounts/register.html", form=form), form_status(form)
    flash(
        _("Account created. We sent you an e-mail: open its link to confirm your address."),
        "success",
    )
    return redirect(url_for("accounts.login"))


@bp.route("/verify/<email_token:token>")
@writes  # a link in an e-mail: a GET that confirms the address
def verify_email(token: str):
    _result, err = attempt_action(lambda: services.verify_email(token))
    if err is not None:
        return render_template(
            "accounts/token_problem.html",
            problems=err.problems,
            form=forms.ResendVerificationForm(),
        ), 400
    flash(_("Your e-mail address is confirmed. You can sign in now."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/verify/resend", methods=["POST"])
@limiter.limit("5 per hour", key_func=_account_key)
def resend_verification():
    form = forms.ResendVerificationForm()
    if form.validate_on_submit():
        user = services.get_user_by_email(form.email.data)
        if user is not None and user.email_verified_at is None:
            services.send_verification(user)
            db.session.commit()
    flash(_("If that address has an unconfirmed account, a new link is on its way."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/login", methods=["GET", "POST"])
@reads_first  # the password check is slow: the write lock is taken after it (authenticate)
@limiter.limit(
    _per_account,
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
    error_message=THROTTLED,
)
@limiter.limit(_per_address, methods=["POST"], deduct_when=_failed, error_message=THROTTLED)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    form = forms.LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("accounts/login.html", form=form), form_status(form)
    ok, user = attempt(form, lambda: services.authenticate(form.email.data, form.password.data))
    if not ok:
        unverified = form.refusal.problems[0].code == "email_unverified"
        return render_template(
            "accounts/login.html", form=form, unverified=unverified
        ), refusal_status(form)
    login_user(user, remember=False)
    return redirect(_safe_next(form.next.data))


SIGN_OUT_STEPS = "innocore.sign_out_steps"


def register_sign_out_step(app, fn) -> None:
    """A feature package takes part in signing out: after the local session has ended,
    ``fn(user)`` ends what it keeps (e.g. the institution's single sign-on session) and returns
    the address to send the browser to next (a page that forwards at once), or ``None``. It
    must not raise: the local sign-out has already happened and stays."""
    app.extensions.setdefault(SIGN_OUT_STEPS, []).append(fn)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    user = current_user._get_current_object()
    logout_user()  # first: the local session ends whatever the steps below meet
    onward = [fn(user) for fn in current_app.extensions.get(SIGN_OUT_STEPS, [])]
    if url := next((u for u in onward if u), None):
        # A page, not a redirect: browsers hold the redirect of a form's POST to the page's
        # CSP form-action ('self'), and the next stop is the institution's own site.
        return render_template("accounts/signed_out_onward.html", url=url)
    flash(_("You are signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password():
    form = forms.ForgotPasswordForm()
    if not form.validate_on_submit():
        return render_template("accounts/forgot.html", form=form), form_status(form)
    services.request_password_reset(form.email.data)
    db.session.commit()
    flash(_("If an account uses that address, we sent it a link to choose a new password."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    form = forms.ResetPasswordForm()
    if not form.validate_on_submit():
        return render_template("accounts/reset.html", form=form), form_status(form)
    ok, _result = attempt(form, lambda: services.reset_password(token, form.password.data))
    if not ok:
        if any(p.field for p in form.refusal.problems):
            return render_template("accounts/reset.html", form=form), form_status(form)
        return render_template(
            "accounts/token_problem.html",
            problems=form.refusal.problems,
            reset=True,
            form=forms.ForgotPasswordForm(),
        ), 400
    flash(_("Your password is changed. Sign in with the new one."), "success")
    return redirect(url_for("accounts.login"))


def claimable_organisations() -> list[tuple[str, str]]:
    """Institutions a person may claim from the profile (companies admit by invitation)."""
    rows = db.session.execute(
        sa.select(Organisation.id, Organisation.name, Organisation.country)
        .where(Organisation.kind != OrganisationKind.COMPANY)
        .order_by(Organisation.name)
    ).all()
    return [("", "Choose…")] + [(str(o.id), f"{o.name} ({o.country})") for o in rows]


def organisation_form(formdata=None) -> forms.OrganisationForm:
    """The profile's organisation claim form, its choices the claimable institutions."""
    form = forms.OrganisationForm(formdata=formdata)
    form.organisation.choices = choices(claimable_organisations())
    return form


def render_profile(**overrides):
    """The profile page with fresh forms, except those given (a refused form keeps its errors)."""
    context = {
        "form": forms.ProfileForm(obj=current_user),
        "password_form": forms.ChangePasswordForm(),
        "token_form": forms.TokenForm(),
        "pin_form": forms.KioskPinForm(),
        "tokens": list_tokens(current_user),
        "new_token": None,
    } | overrides
    if "organisation_form" not in context:
        context["organisation_form"] = organisation_form()
    return render_template("accounts/profile.html", **context)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = forms.ProfileForm(obj=current_user)
    if request.method == "GET":
        form.locale.data = current_user.locale.value
        form.position.data = current_user.position.value if current_user.position else ""
    if form.validate_on_submit():
        services.update_profile(
            current_user,
            name=form.name.data,
            timezone=form.timezone.data,
            locale=Locale(form.locale.data),
            position=Position(form.position.data) if form.position.data else None,
        )
        db.session.commit()
        flash(_("Profile saved."), "success")
        return redirect(url_for("accounts.profile"))
    return render_profile(form=form), form_status(form)


@bp.route("/profile/password", methods=["POST"])
@login_required
def change_password():
    form = forms.ChangePasswordForm()
    if form.validate_on_submit():
        ok, _result = attempt(
            form,
            lambda: services.change_password(
                current_user, form.current_password.data, form.new_password.data
            ),
        )
        if ok:
            login_user(current_user._get_current_object())  # keep this session only
            flash(_("Password changed. Your other sessions are signed out."), "success")
            return redirect(url_for("accounts.profile"))
    return render_profile(password_form=form), form_status(form)


@bp.route("/profile/kiosk-pin", methods=["POST"])
@login_required
def kiosk_pin():
    """Set or remove the PIN that proves who taps a booking on a facility's kiosk tablet."""
    form = forms.KioskPinForm()
    if form.validate_on_submit():
        ok, _result = attempt(form, lambda: services.set_kiosk_pin(current_user, form.pin.data))
        if ok:
            has_pin = current_user.kiosk_pin_hash is not None
            flash(_("Kiosk PIN saved.") if has_pin else _("Kiosk PIN removed."), "success")
            return redirect(url_for("accounts.profile")), 303
    return render_profile(pin_form=form), form_status(form)


@bp.route("/profile/tokens", methods=["POST"])
@login_required
def create_token():
    from innocore.accounts.tokens import create_token as create

    form = forms.TokenForm()
    raw = None
    if form.validate_on_submit():
        ok, created = attempt(form, lambda: create(current_user, form.name.data))
        raw = created[1] if ok else None
    status = 201 if raw else 422
    return render_profile(token_form=forms.TokenForm() if raw else form, new_token=raw), status


def _confirm_revoke_token(token_id: int) -> Confirmation | None:
    import sqlalchemy as sa

    from innocore.accounts.tokens import ApiToken

    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == current_user.id)
    )
    if token is None:
        raise NotFound(N_("No such token."))
    if token.revoked_at is not None:
        return None
    return Confirmation(
        _("Revoke the API token “%(token_name)s”?", token_name=token.name),
        [
            _(
                "The token “%(token_name)s” (%(display_prefix)s…) stops "
                "working at once: every script or program using it gets “401 "
                "Unauthorized” from now on.",
                token_name=token.name,
                display_prefix=token.display_prefix,
            ),
            _(
                "It cannot be switched back on; you would create a new token and change the programs."
            ),
        ],
        _("Revoke the token"),
        url_for("accounts.profile"),
    )


@bp.route("/profile/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
@irreversible(_confirm_revoke_token)
def revoke_token(token_id: int):
    from innocore.accounts.tokens import revoke_token as revoke

    token = revoke(current_user, token_id)
    db.session.commit()
    flash(
        _(
            "Token “%(token_name)s” revoked: programs using it are refused from now on.",
            token_name=token.name,
        ),
        "success",
    )
    return redirect(url_for("accounts.profile"))
