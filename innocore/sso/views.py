"""Pages of institutional sign-in: start, return from the provider, and the administrators'
set-up page of an organisation's provider."""

from __future__ import annotations

import secrets
from types import SimpleNamespace

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
from flask_login import current_user, login_required, login_user, logout_user
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
SIGNED_IN = "sso_signed_in"  # {"org", "id_token"} or {"org", "name_id", "format", "session_index"}
SIGNING_OUT = "sso_signing_out"  # {"org", "state"} while the browser is at the institution
ID_TOKEN_HINT_MAX = 2000  # characters of an ID token kept for the sign-out hint
RELAY_SECONDS = 15 * 60  # a SAML sign-in started longer ago is refused


def _callback_url(organisation_id: int) -> str:
    return absolute_url("sso.callback", organisation_id=organisation_id)


@bp.route("/<int:organisation_id>/login")
def login(organisation_id: int):
    """Send the browser to the organisation's provider, with a fresh state and nonce."""
    connection = services.enabled_connection(organisation_id)  # else 404
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
    outcome, err = attempt_action(lambda: _finish(organisation_id, pending))
    if err is not None:
        return _error(err)
    user, id_token = outcome
    login_user(user, remember=False)
    # The hint rides in the session cookie (4 KB at most): a bulky ID token is left out, and
    # the provider is told who asks by client_id alone (RP-Initiated Logout 1.0 §2).
    hint = id_token if len(id_token) <= ID_TOKEN_HINT_MAX else ""
    session[SIGNED_IN] = {"org": organisation_id, "id_token": hint}
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
    outcome, err = attempt_action(_finish_saml)
    if err is not None:
        return _error(err)
    user, record = outcome
    login_user(user, remember=False)
    session[SIGNED_IN] = record
    flash(f"Signed in through {user.organisation.name}.", "success")
    return redirect(url_for("core.dashboard"), 303)


def _finish_saml():
    relay = URLSafeTimedSerializer(current_app.secret_key, salt="innocore-saml")
    try:
        state = relay.loads(request.form.get("RelayState", ""), max_age=RELAY_SECONDS)
    except BadData:
        msg = "This sign-in was not started here, or took too long."
        raise DomainError(Problem("sso_refused", msg, None), status=401) from None
    connection = services.enabled_connection(int(state["org"]))
    if connection.protocol != SsoProtocol.SAML:
        abort(404)
    response_id, subject, attributes, record = saml.verified_assertion(
        connection, request.form.get("SAMLResponse", ""), state["request"]
    )
    services.consume_response(connection, response_id)
    user = services.sign_in(connection, subject, attributes)
    return user, {"org": connection.organisation_id, **record}


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
    connection = services.enabled_connection(organisation_id)
    metadata = oidc.discover(connection.issuer)
    token = oidc.exchange_code(
        connection, metadata, _callback_url(organisation_id), request.args.get("code", "")
    )
    try:
        claims = oidc.current_claims(
            token.get("id_token", ""),
            metadata,
            issuer=connection.issuer,
            client_id=connection.client_id,
            nonce=pending["nonce"],
            now=clock.now(),
        )
    finally:
        db.session.commit()  # the provider's documents as fetched, whatever the outcome
    wanted = [connection.email_claim, connection.name_claim, connection.affiliation_claim]
    claims = oidc.with_userinfo(claims, wanted, metadata, token.get("access_token", ""))
    user = services.sign_in(connection, str(claims["sub"]), claims)
    return user, token.get("id_token", "")


def _error(err: DomainError, template: str = "sso/error.html"):
    return render_template(template, problems=err.problems), err.status


@bp.route("/organisations")
@login_required
def index():
    """Network administrators: every organisation and its institutional sign-in."""
    rows = services.organisations_overview(current_user)
    return render_template("sso/index.html", rows=rows)


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@login_required
def configure(organisation_id: int):
    """Network administrators: the organisation's provider (the secret is never shown back)."""
    if not is_network_admin(current_user):
        raise Forbidden("Only network administrators set up institutional sign-in.")
    organisation = db.get_or_404(Organisation, organisation_id)
    connection = services.get_connection(organisation_id)
    shown = _shown(connection) if connection and request.method == "GET" else None
    form = ConnectionForm(obj=shown)
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


def _shown(connection) -> SimpleNamespace:
    """What the form shows of ``connection``: everything but the client secret."""
    names = (
        "protocol",
        "issuer",
        "client_id",
        "idp_metadata",
        "idp_metadata_url",
        "email_claim",
        "name_claim",
        "affiliation_claim",
        "affiliations",
        "local_passwords",
        "enabled",
    )
    return SimpleNamespace(**{name: getattr(connection, name) for name in names})


def data_of(form: ConnectionForm) -> services.ConnectionData:
    return services.ConnectionData(
        protocol=SsoProtocol(form.protocol.data),
        issuer=form.issuer.data,
        client_id=form.client_id.data or "",
        idp_metadata=form.idp_metadata.data or "",
        idp_metadata_url=form.idp_metadata_url.data or "",
        client_secret=form.client_secret.data or None,
        email_claim=form.email_claim.data,
        name_claim=form.name_claim.data,
        affiliation_claim=form.affiliation_claim.data or "",
        affiliations=form.affiliations.data or "",
        local_passwords=form.local_passwords.data,
        enabled=form.enabled.data,
    )


# Sign-out at the institution. The local session has always ended first (accounts.logout);
# these steps only add the institution's single logout on top.


def sign_out_step(user) -> str | None:
    """``accounts.logout``'s step: where to send the browser so the institution ends its own
    session too (OIDC RP-Initiated Logout / SAML Single Logout), or ``None`` with a note
    telling the person when that is not possible (no such service, or it does not answer)."""
    record = session.pop(SIGNED_IN, None)
    connection = services.get_connection(record["org"]) if record else None
    if connection is None:
        return None
    name = connection.organisation.name
    state = secrets.token_urlsafe(24)
    try:
        if connection.protocol == SsoProtocol.SAML:
            url = saml.logout_url(connection, record, state)
        else:
            url = oidc.logout_url(
                oidc.discover(connection.issuer),
                record.get("id_token", ""),
                connection.client_id,
                absolute_url("sso.signed_out"),
                state,
            )
    except Exception as err:  # noqa: BLE001  (the local sign-out stands whatever fails here)
        if not isinstance(err, DomainError):
            current_app.logger.exception("single logout at %s failed", connection.issuer)
        db.session.rollback()
        flash(
            f"You are signed out of InnoCore, but {name}'s sign-in service did not answer, so "
            "you may still be signed in there. Close the browser to end that session.",
            "warning",
        )
        return None
    if url is None:
        flash(
            f"You are signed out of InnoCore. {name}'s sign-in service offers no sign-out from "
            "here: close the browser to end your session there.",
            "info",
        )
        return None
    db.session.commit()  # the discovery document, when it was fetched now
    session[SIGNING_OUT] = {"org": connection.organisation_id, "state": state}
    return url


def _back_from_sign_out(state: str, ended: bool = True):
    pending = session.pop(SIGNING_OUT, None)
    if pending and secrets.compare_digest(str(pending["state"]), state or ""):
        connection = services.get_connection(pending["org"])
        name = connection.organisation.name if connection else "your institution"
        if ended:
            flash(f"You are signed out, here and at {name}.", "info")
        else:
            flash(
                f"You are signed out of InnoCore, but {name} could not end its own session: "
                "close the browser to end it.",
                "warning",
            )
    else:
        flash("You are signed out.", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/signed-out")
def signed_out():
    """Back from the OpenID provider's end-session page (``post_logout_redirect_uri``)."""
    return _back_from_sign_out(request.args.get("state", ""))


@bp.route("/saml/slo")
def saml_slo():
    """SAML Single Logout, HTTP-Redirect binding: the IdP's answer to our ``LogoutRequest``,
    or the IdP's own ``LogoutRequest`` (the person signed out at the institution or at another
    service), which ends this browser's InnoCore session when it is that person's and answers
    with a signed ``LogoutResponse``. Unverifiable messages: an error page, nothing changes."""
    outcome, err = attempt_action(lambda: _read_slo(request.args.to_dict(), request.query_string))
    if err is not None:
        return _error(err, "sso/signout_error.html")
    if outcome["kind"] == "response":
        return _back_from_sign_out(outcome["relay_state"], outcome["ended"])
    record = session.get(SIGNED_IN) or {}
    if record.get("org") == outcome["org"] and record.get("name_id") == outcome["name_id"]:
        session.pop(SIGNED_IN, None)
        logout_user()
    return redirect(outcome["answer"])


def _read_slo(args: dict, raw_query: bytes) -> dict:
    """What a single-logout message says once verified: ``{"kind": "response", "ended",
    "relay_state"}`` or ``{"kind": "request", "org", "name_id", "answer"}`` (``answer``: our
    signed LogoutResponse's address). Raises ``DomainError`` 400."""
    message = args.get("SAMLResponse") or args.get("SAMLRequest")
    if not message:
        raise DomainError(Problem("sso_refused", "No sign-out message.", None), status=400)
    connection = services.get_saml_connection_by_issuer(saml.message_issuer(message))
    if connection is None:
        msg = "This sign-out comes from an identity provider InnoCore does not know."
        raise DomainError(Problem("sso_refused", msg, None), status=400)
    if "SAMLResponse" in args:
        ended = saml.logout_response_ok(connection, args, raw_query)
        return {"kind": "response", "ended": ended, "relay_state": args.get("RelayState", "")}
    logout, name_id = saml.logout_request(connection, args, raw_query)
    answer = saml.logout_response_url(connection, logout, args.get("RelayState", ""))
    return {
        "kind": "request",
        "org": connection.organisation_id,
        "name_id": name_id,
        "answer": answer,
    }
