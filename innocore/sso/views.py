"""Pages of institutional sign-in: start, return from the provider, and the administrators'
set-up page of an organisation's provider."""

from __future__ import annotations

import secrets

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user
from itsdangerous import BadData, URLSafeTimedSerializer

from innocore import clock
from innocore.accounts.models import Organisation
from innocore.errors import DomainError, Forbidden, Problem
from innocore.extensions import csrf, db
from innocore.forms import attempt, attempt_action, form_status
from innocore.links import absolute_url
from innocore.permissions import is_network_admin
from innocore.sso import bp, oidc, saml, services
from innocore.sso.forms import ConnectionForm
from innocore.sso.models import SsoProtocol

PENDING = "sso_pending"
RELAY_SECONDS = 15 * 60  # a SAML sign-in started longer ago is refused


def _callback_url(organisation_id: int) -> str:
    return absolute_url("sso.callback", organisation_id=organisation_id)


@bp.route("/<int:organisation_id>/login")
def login(organisation_id: int):
    """Send the browser to the organisation's provider, with a fresh state and nonce."""
    connection = services.get_connection(organisation_id)
    if connection is None:
        abort(404)
    if connection.protocol == SsoProtocol.SAML:
        address, err = attempt_action(lambda: _start_saml(connection))
        return _error(err) if err else redirect(address)
    metadata, err = attempt_action(lambda: oidc.discover(connection.issuer))
    if err is not None:
        return _error(err)
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    session[PENDING] = {"org": organisation_id, "state": state, "nonce": nonce}
    url = oidc.authorization_url(connection, metadata, _callback_url(organisation_id), state, nonce)
    return redirect(url)


@bp.route("/<int:organisation_id>/callback")
def callback(organisation_id: int):
    """Back from the provider: verify everything, then sign in. Refused: an error page, and
    nothing is written. The state is used once (a replayed return is refused)."""
    pending = session.pop(PENDING, None)
    user, err = attempt_action(lambda: _finish(organisation_id, pending))
    if err is not None:
        return _error(err)
    login_user(user, remember=False)
    flash(f"Signed in through {user.organisation.name}.", "success")
    return redirect(url_for("core.dashboard"))


def _start_saml(connection) -> str:
    """The IdP's address; which request this is travels signed in RelayState, because the
    IdP's POST back is cross-site and the browser does not send our (SameSite) session cookie."""
    relay = URLSafeTimedSerializer(current_app.secret_key, salt="innocore-saml")
    request_id = saml.new_request_id()
    state = relay.dumps({"org": connection.organisation_id, "request": request_id})
    return saml.start(connection, request_id, state)


@bp.route("/saml/acs", methods=["POST"])
@csrf.exempt  # the IdP posts here (SAML HTTP-POST binding); the signed assertion is the proof
def saml_acs():
    """The IdP's answer: verified, used once, then the person is signed in."""
    user, err = attempt_action(_finish_saml)
    if err is not None:
        return _error(err)
    login_user(user, remember=False)
    flash(f"Signed in through {user.organisation.name}.", "success")
    return redirect(url_for("core.dashboard"), 303)


def _finish_saml():
    relay = URLSafeTimedSerializer(current_app.secret_key, salt="innocore-saml")
    try:
        state = relay.loads(request.form.get("RelayState", ""), max_age=RELAY_SECONDS)
    except BadData:
        msg = "This sign-in was not started here, or took too long."
        raise DomainError(Problem("sso_refused", msg, None), status=401) from None
    connection = services.get_connection(int(state["org"]))
    if connection is None or connection.protocol != SsoProtocol.SAML:
        abort(404)
    response_id, subject, attributes = saml.verified_assertion(
        connection, request.form.get("SAMLResponse", ""), state["request"]
    )
    services.consume_response(connection, response_id)
    return services.sign_in(connection, subject, attributes)


@bp.route("/saml/metadata")
def saml_metadata():
    """InnoCore's SAML service-provider metadata, for the institution's IdP administrators."""
    return Response(saml.sp_metadata(), mimetype="application/samlmetadata+xml")


def _finish(organisation_id: int, pending: dict | None):
    refused = DomainError(
        Problem("sso_refused", "This sign-in was not started here, or was already used.", None),
        status=401,
    )
    if not pending or pending.get("org") != organisation_id:
        raise refused
    if not secrets.compare_digest(str(pending["state"]), request.args.get("state", "")):
        raise refused
    if request.args.get("error"):
        msg = f"Your institution did not sign you in ({request.args['error'][:60]})."
        raise DomainError(Problem("sso_refused", msg, None), status=401)
    connection = services.get_connection(organisation_id)
    if connection is None:
        abort(404)
    metadata = oidc.discover(connection.issuer)
    token = oidc.exchange_code(
        connection, metadata, _callback_url(organisation_id), request.args.get("code", "")
    )
    claims = oidc.verified_claims(
        token.get("id_token", ""),
        oidc.provider_keys(metadata),
        issuer=connection.issuer,
        client_id=connection.client_id,
        nonce=pending["nonce"],
        now=clock.now(),
    )
    return services.sign_in(connection, str(claims["sub"]), claims)


def _error(err: DomainError):
    return render_template("sso/error.html", problems=err.problems), err.status


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@login_required
def configure(organisation_id: int):
    """Network administrators: the organisation's provider (the secret is never shown back)."""
    if not is_network_admin(current_user):
        raise Forbidden("Only network administrators set up institutional sign-in.")
    organisation = db.get_or_404(Organisation, organisation_id)
    connection = services.get_connection(organisation_id)
    form = ConnectionForm(obj=connection if request.method == "GET" else None)
    if form.validate_on_submit():
        ok, _ = attempt(
            form, lambda: services.save_connection(current_user, organisation_id, data_of(form))
        )
        if ok:
            flash("Institutional sign-in saved.", "success")
            return redirect(url_for("sso.configure", organisation_id=organisation_id))
    return render_template(
        "sso/configure.html",
        form=form,
        organisation=organisation,
        connection=connection,
        callback=_callback_url(organisation_id),
    ), form_status(form)


def data_of(form: ConnectionForm) -> services.ConnectionData:
    return services.ConnectionData(
        protocol=SsoProtocol(form.protocol.data),
        issuer=form.issuer.data,
        client_id=form.client_id.data or "",
        idp_metadata=form.idp_metadata.data or "",
        client_secret=form.client_secret.data or None,
        email_claim=form.email_claim.data,
        name_claim=form.name_claim.data,
        affiliation_claim=form.affiliation_claim.data or "",
        affiliations=form.affiliations.data or "",
        local_passwords=form.local_passwords.data,
    )
