"""OpenID Connect relying party (Authlib): the authorisation code flow with state and nonce,
and the checks that make a returned ID token worth believing (OpenID Connect Core 1.0 §3.1.3.7:
signature by the provider's published keys, issuer, audience, expiry, nonce)."""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlencode

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2 import OAuth2Error
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from innocore.errors import DomainError, Problem
from innocore.sso import cache
from innocore.sso.models import SsoConnection

TIMEOUT_SECONDS = 10
SCOPE = "openid email profile"
ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]  # never "none" or HMAC


def _refused(message: str) -> DomainError:
    return DomainError(Problem("sso_refused", message, None), status=401)


def discover(issuer: str) -> dict:
    """The provider's metadata (``/.well-known/openid-configuration``, OpenID Connect
    Discovery 1.0 §4; kept by ``innocore.sso.cache``); its ``issuer`` must be the configured
    one. Raises ``DomainError`` 502 when the provider cannot be reached."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        metadata = json.loads(cache.document(url))
    except ValueError:
        metadata = None
    if not isinstance(metadata, dict):
        msg = "Your institution's sign-in service does not answer. Try again later."
        raise DomainError(Problem("sso_unavailable", msg, None), status=502) from None
    if metadata.get("issuer", "").rstrip("/") != issuer.rstrip("/"):
        raise _refused("The sign-in service names another issuer than the one configured.")
    return metadata


def authorization_url(
    connection: SsoConnection, metadata: dict, redirect_uri: str, state: str, nonce: str
) -> str:
    """Where to send the person's browser: the provider's authorisation endpoint."""
    client = OAuth2Session(connection.client_id, scope=SCOPE, redirect_uri=redirect_uri)
    url, _ = client.create_authorization_url(
        metadata["authorization_endpoint"], state=state, nonce=nonce
    )
    return url


def exchange_code(connection: SsoConnection, metadata: dict, redirect_uri: str, code: str) -> dict:
    """The provider's token response for ``code`` (client_secret_basic)."""
    client = OAuth2Session(
        connection.client_id, connection.client_secret, scope=SCOPE, redirect_uri=redirect_uri
    )
    try:
        return client.fetch_token(
            metadata["token_endpoint"],
            code=code,
            grant_type="authorization_code",
            timeout=TIMEOUT_SECONDS,
        )
    except (OAuth2Error, requests.RequestException, ValueError):
        raise _refused("Your institution refused the sign-in code (expired or used).") from None


def provider_keys(metadata: dict, *, refresh: bool = False):
    """The provider's published signing keys (JWKS, RFC 7517 §5), as kept by
    ``innocore.sso.cache`` (``refresh``: fetched again now). Raises ``DomainError`` 502."""
    try:
        return KeySet.import_key_set(
            json.loads(cache.document(metadata["jwks_uri"], refresh=refresh))
        )
    except (ValueError, KeyError, TypeError, JoseError):
        msg = "Your institution's signing keys cannot be read."
        raise DomainError(Problem("sso_unavailable", msg, None), status=502) from None


def current_claims(id_token: str, metadata: dict, **checks) -> dict:
    """``verified_claims`` of ``id_token`` with the provider's kept keys, fetched again once
    when the provider has rotated them (OpenID Connect Core 1.0 §10.1.1): the token's ``kid``
    is not among them, or it names none and its signature fails with them. ID tokens come from
    the token endpoint, never from the browser, so nobody else can make us fetch at will.
    ``checks``: ``issuer``, ``client_id``, ``nonce``, ``now``. Raises ``DomainError``."""
    keys = provider_keys(metadata)
    try:
        kid = jws.extract_compact(id_token.encode()).headers().get("kid")
    except (JoseError, ValueError):
        kid = None  # verified_claims refuses it with its reason
    if kid and all(key.kid != kid for key in keys.keys):
        return verified_claims(id_token, provider_keys(metadata, refresh=True), **checks)
    try:
        return verified_claims(id_token, keys, **checks)
    except DomainError as err:
        if kid or "bad_signature" not in err.problems[0].message:
            raise
    return verified_claims(id_token, provider_keys(metadata, refresh=True), **checks)


def verified_claims(
    id_token: str, keys, *, issuer: str, client_id: str, nonce: str, now: datetime
) -> dict:
    """The ID token's claims once its signature (``keys``), issuer, audience (``client_id``),
    expiry (at ``now``, one minute's leeway) and ``nonce`` hold; else ``DomainError`` 401."""
    registry = jwt.JWTClaimsRegistry(
        now=int(now.timestamp()),
        leeway=60,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client_id},
        sub={"essential": True},
        exp={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        claims = jwt.decode(id_token, keys, algorithms=ALGORITHMS).claims
        registry.validate(claims)
    except (JoseError, ValueError) as err:
        reason = getattr(err, "error", None) or "invalid_token"
        raise _refused(f"The sign-in could not be verified ({reason}).") from None
    audience = claims.get("aud")
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != client_id:
        raise _refused("The sign-in could not be verified (invalid_claim: azp).")
    return dict(claims)


def logout_url(
    metadata: dict, id_token: str, client_id: str, post_logout_redirect_uri: str, state: str
) -> str | None:
    """Where to send the browser to end the person's session at the provider (OpenID Connect
    RP-Initiated Logout 1.0 §2): its ``end_session_endpoint`` with ``id_token_hint``,
    ``client_id``, ``post_logout_redirect_uri`` and ``state``. ``None`` when the provider
    publishes no such endpoint."""
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return None
    params = {
        "id_token_hint": id_token,
        "client_id": client_id,
        "post_logout_redirect_uri": post_logout_redirect_uri,
        "state": state,
    }
    separator = "&" if "?" in endpoint else "?"
    return endpoint + separator + urlencode({k: v for k, v in params.items() if v})


def with_userinfo(claims: dict, wanted: list[str], metadata: dict, access_token: str) -> dict:
    """``claims`` (the verified ID token's) completed from the provider's ``userinfo_endpoint``
    when any of ``wanted`` (the mapped e-mail, name, affiliation claims) is missing: many
    providers put only ``sub`` in the ID token (OpenID Connect Core 1.0 §5.3, §5.4). The
    ID token's own claims win; the UserInfo answer is believed only for the same ``sub``
    (§5.3.2) and only as plain JSON (a signed or encrypted UserInfo answer is not read).
    Raises ``DomainError`` 502 (no answer) or 401 (another subject)."""
    missing = [name for name in wanted if name and name not in claims]
    endpoint = metadata.get("userinfo_endpoint")
    if not missing or not endpoint or not access_token:
        return claims
    try:
        response = requests.get(
            endpoint,
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            timeout=TIMEOUT_SECONDS,
        )
        response.raise_for_status()
        info = response.json()
    except (requests.RequestException, ValueError):
        msg = "Your institution's sign-in service did not give your details. Try again later."
        raise DomainError(Problem("sso_unavailable", msg, None), status=502) from None
    if not isinstance(info, dict) or str(info.get("sub")) != str(claims.get("sub")):
        raise _refused("Your institution's details are about someone else (sub differs).")
    return info | claims
