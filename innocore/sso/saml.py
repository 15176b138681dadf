"""SAML 2.0 service provider (pysaml2): InnoCore asks an organisation's identity provider to sign
a person in (HTTP-Redirect) and reads its answer (HTTP-POST), believing it only when the
assertion is signed by the key in the provider's metadata, addressed to us (audience), in time
(NotBefore/NotOnOrAfter, one minute's leeway) and in response to a request this browser started
(a replayed or unsolicited response is refused).

Why pysaml2: it is pure Python (the one native piece is the ``xmlsec1`` command of the
operating system, a Debian package), it is kept by the Identity Python project, and it ships an
identity provider too, so the suite tests against a real, independent IdP built from its classes.
"""

from __future__ import annotations

import secrets
import shutil
from functools import cache

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_PERSISTENT

from innocore.errors import DomainError, Problem
from innocore.links import absolute_url
from innocore.marks import N_, T_
from innocore.sso.models import SsoConnection

LEEWAY_SECONDS = 60


@cache
def xmlsec_binary() -> str:
    """The ``xmlsec1`` command pysaml2 signs and verifies with (Debian package ``xmlsec1``)."""
    found = shutil.which("xmlsec1")
    if not found:
        msg = N_("SAML sign-in needs the xmlsec1 program on the server (Debian package xmlsec1).")
        raise DomainError(Problem("sso_unavailable", msg, None), status=502)
    return found


def sp_config(idp_metadata: str | None = None) -> SPConfig:
    """InnoCore as one service provider: entity id and metadata at ``/sso/saml/metadata``,
    assertions posted to ``/sso/saml/acs``; assertions must be signed."""
    settings = {
        "entityid": absolute_url("sso.saml_metadata"),
        "xmlsec_binary": xmlsec_binary(),
        "accepted_time_diff": LEEWAY_SECONDS,
        "allow_unknown_attributes": True,
        "service": {
            "sp": {
                "name": "InnoCore",
                "endpoints": {
                    "assertion_consumer_service": [
                        (absolute_url("sso.saml_acs"), BINDING_HTTP_POST)
                    ]
                },
                "allow_unsolicited": False,
                "want_assertions_signed": True,
                "want_response_signed": False,
                "authn_requests_signed": False,
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
            }
        },
    }
    if idp_metadata:
        settings["metadata"] = {"inline": [idp_metadata]}
    config = SPConfig()
    config.load(settings)
    return config


def sp_metadata() -> str:
    """InnoCore's SP metadata (XML) for the institution's IdP administrators."""
    return create_metadata_string(None, sp_config(), valid=4 * 24 * 365)


def _client(connection: SsoConnection) -> Saml2Client:
    try:
        return Saml2Client(config=sp_config(connection.idp_metadata))
    except Exception:  # noqa: BLE001  (pysaml2 raises many kinds on unreadable metadata)
        msg = N_("Your institution's SAML metadata cannot be read; ask the network administrators.")
        raise DomainError(Problem("sso_unavailable", msg, None), status=502) from None


def new_request_id() -> str:
    """A fresh AuthnRequest id (an XML ID: starts with a letter)."""
    return f"id-{secrets.token_hex(16)}"


def start(connection: SsoConnection, request_id: str, relay_state: str) -> str:
    """Where to send the browser: the IdP's single sign-on address with an AuthnRequest of id
    ``request_id`` and ``relay_state`` (HTTP-Redirect binding)."""
    client = _client(connection)
    _, info = client.prepare_for_authenticate(
        entityid=connection.issuer,
        relay_state=relay_state,
        binding=BINDING_HTTP_REDIRECT,
        message_id=request_id,
    )
    return dict(info["headers"])["Location"]


def _reason(err: Exception) -> str:
    """What a person can read of pysaml2's refusal."""
    text = f"{type(err).__name__} {err}".lower()
    for words, reason in (
        (("signature",), "its signature does not match"),
        (("audience",), "it is addressed to another service"),
        (("condition", "expired", "too old", "not on or after"), "it has expired"),
        (("unsolicited", "inresponseto", "in_response_to"), "it answers no request made here"),
    ):
        if any(w in text for w in words):
            return reason
    return "it cannot be read"


def verified_assertion(
    connection: SsoConnection, saml_response: str, request_id: str
) -> tuple[str, str, dict]:
    """``(response_id, subject, attributes)`` from a posted ``SAMLResponse`` answering ``request_id``, once
    signature, issuer, audience, validity window and InResponseTo hold; else ``DomainError``
    401 (nothing is written). Attributes are lists by name (``mail``, ``displayName``,
    ``eduPersonScopedAffiliation``); single values are unpacked."""
    client = _client(connection)
    try:
        response = client.parse_authn_request_response(
            saml_response, BINDING_HTTP_POST, outstanding={request_id: "/"}
        )
    except Exception as err:  # noqa: BLE001  (pysaml2 signals each failed check by its own type)
        raise DomainError(
            Problem(
                "sso_refused",
                T_("The sign-in could not be verified: %(reason)s.", reason=_reason(err)),
                None,
            ),
            status=401,
        ) from None
    if response is None or response.issuer() != connection.issuer:
        raise DomainError(
            Problem("sso_refused", N_("The sign-in comes from another identity provider."), None),
            status=401,
        )
    attributes = {k: v[0] if len(v) == 1 else v for k, v in response.ava.items()}
    return response.response.id, response.name_id.text, attributes
