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

import base64
import datetime as dt
import functools
import secrets
import shutil
import zlib
from pathlib import Path
from urllib.parse import unquote_plus

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from flask import current_app
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, samlp
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from innocore.errors import DomainError, Problem
from innocore.files import create_once
from innocore.links import absolute_url
from innocore.sso import cache
from innocore.sso.models import SsoConnection

LEEWAY_SECONDS = 60
SIGNATURE_MISMATCH = "its signature does not match"
# IdP metadata by address: fetched again on a signature failure at most this often.
REFETCH_SECONDS = 60
# SAML2Int and the federations ask for at least 2048 bits. pysaml2 loads (and OpenSSL checks)
# the private key on every message it builds or reads: 3072 bits would take ~4x as long.
KEY_BITS = 2048
CERT_YEARS = 10  # SAML metadata certificates carry keys; their dates are not checked (SAML2Int)


@functools.cache
def xmlsec_binary() -> str:
    """The ``xmlsec1`` command pysaml2 signs and verifies with (Debian package ``xmlsec1``)."""
    found = shutil.which("xmlsec1")
    if not found:
        msg = "SAML sign-in needs the xmlsec1 program on the server (Debian package xmlsec1)."
        raise DomainError(Problem("sso_unavailable", msg, None), status=502)
    return found


def _key_pair(use: str) -> tuple[str, str]:
    """``(key_file, cert_file)`` of InnoCore's SAML ``use`` ("signing" or "encryption") key:
    RSA, created once in the instance folder (``saml/sp-<use>.key|.crt``, mode 0600) by
    whichever worker starts first, then read by all; a self-signed certificate carries it in our
    metadata. Hosts that share an instance folder (or copy it) share the keys."""
    folder = Path(current_app.instance_path) / "saml"
    key_path, cert_path = folder / f"sp-{use}.key", folder / f"sp-{use}.crt"
    fresh = b""
    if not key_path.exists():
        fresh = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    pem = create_once(key_path, fresh)  # every worker reads the first one written
    if not cert_path.exists():
        key = serialization.load_pem_private_key(pem, password=None)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"InnoCore SAML {use}")])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365 * CERT_YEARS))
            .sign(key, hashes.SHA256())
        )
        create_once(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return str(key_path), str(cert_path)


def sp_config(idp_metadata: str | None = None) -> SPConfig:
    """InnoCore as one service provider: entity id and metadata at ``/sso/saml/metadata``,
    assertions posted to ``/sso/saml/acs``, single logout at ``/sso/saml/slo`` (HTTP-Redirect);
    assertions must be signed (and may be encrypted to our encryption key); our requests
    (AuthnRequest, LogoutRequest, LogoutResponse) are signed, RSA-SHA256, with the signing
    key. The metadata publishes both certificates."""
    key_file, cert_file = _key_pair("signing")
    enc_key_file, enc_cert_file = _key_pair("encryption")
    settings = {
        "entityid": absolute_url("sso.saml_metadata"),
        "xmlsec_binary": xmlsec_binary(),
        "accepted_time_diff": LEEWAY_SECONDS,
        "allow_unknown_attributes": True,
        "key_file": key_file,
        "cert_file": cert_file,
        "encryption_keypairs": [{"key_file": enc_key_file, "cert_file": enc_cert_file}],
        "service": {
            "sp": {
                "name": "InnoCore",
                "signing_algorithm": SIG_RSA_SHA256,
                "digest_algorithm": DIGEST_SHA256,
                "endpoints": {
                    "assertion_consumer_service": [
                        (absolute_url("sso.saml_acs"), BINDING_HTTP_POST)
                    ],
                    "single_logout_service": [
                        (absolute_url("sso.saml_slo"), BINDING_HTTP_REDIRECT)
                    ],
                },
                "logout_requests_signed": True,
                "logout_responses_signed": True,
                "allow_unsolicited": False,
                "want_assertions_signed": True,
                "want_response_signed": False,
                "authn_requests_signed": True,
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


def idp_metadata_of(connection: SsoConnection) -> str:
    """The IdP's metadata XML: fetched from ``idp_metadata_url`` when one is set (kept and
    fetched again when it expires, ``innocore.sso.cache``), else the pasted XML. Raises
    ``DomainError`` 502 when the URL does not answer."""
    if connection.idp_metadata_url:
        return cache.document(connection.idp_metadata_url)
    return connection.idp_metadata


def _client(connection: SsoConnection) -> Saml2Client:
    metadata = idp_metadata_of(connection)
    try:
        return Saml2Client(config=sp_config(metadata))
    except Exception:  # noqa: BLE001  (pysaml2 raises many kinds on unreadable metadata)
        msg = "Your institution's SAML metadata cannot be read; ask the network administrators."
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
        (("signature",), SIGNATURE_MISMATCH),
        (("audience",), "it is addressed to another service"),
        (("condition", "expired", "too old", "not on or after"), "it has expired"),
        (("unsolicited", "inresponseto", "in_response_to"), "it answers no request made here"),
    ):
        if any(w in text for w in words):
            return reason
    return "it cannot be read"


def _parse(connection: SsoConnection, saml_response: str, request_id: str):
    """``(response, None)``, or ``(None, reason)`` when pysaml2 refuses it."""
    client = _client(connection)
    try:
        response = client.parse_authn_request_response(
            saml_response, BINDING_HTTP_POST, outstanding={request_id: "/"}
        )
    except Exception as err:  # noqa: BLE001  (pysaml2 signals each failed check by its own type)
        return None, _reason(err)
    return response, None


def verified_assertion(
    connection: SsoConnection, saml_response: str, request_id: str
) -> tuple[str, str, dict, dict]:
    """``(response_id, subject, attributes, session_record)`` from a posted ``SAMLResponse``
    answering ``request_id``, once signature, issuer, audience, validity window and
    InResponseTo hold; else ``DomainError`` 401 (nothing is written). Attributes are lists by
    name (``mail``, ``displayName``, ``eduPersonScopedAffiliation``); single values are
    unpacked. ``session_record`` is what single logout names later: ``{"name_id", "format",
    "session_index"}``. With a metadata address, a signature that fails with the kept metadata
    makes it be fetched again (key rollover; at most once a minute) and the check run once
    more."""
    response, reason = _parse(connection, saml_response, request_id)
    if (
        reason == SIGNATURE_MISMATCH
        and connection.idp_metadata_url
        and cache.refresh_if_older(connection.idp_metadata_url, REFETCH_SECONDS)
    ):  # the IdP may have rolled its key over: once more with its metadata as it is now
        response, reason = _parse(connection, saml_response, request_id)
    if reason:
        raise DomainError(
            Problem("sso_refused", f"The sign-in could not be verified: {reason}.", None),
            status=401,
        )
    if response is None or response.issuer() != connection.issuer:
        raise DomainError(
            Problem("sso_refused", "The sign-in comes from another identity provider.", None),
            status=401,
        )
    attributes = {k: v[0] if len(v) == 1 else v for k, v in response.ava.items()}
    name_id = response.name_id
    session_record = {
        "name_id": name_id.text,
        "format": name_id.format or "",
        "session_index": response.session_info().get("session_index") or "",
    }
    return response.response.id, name_id.text, attributes, session_record


# Single Logout (SAML 2.0 Profiles §4.4, front-channel over HTTP-Redirect; messages signed).


def _slo_endpoint(client: Saml2Client, connection: SsoConnection) -> str | None:
    try:
        services = client.metadata.single_logout_service(
            connection.issuer, BINDING_HTTP_REDIRECT, "idpsso"
        )
    except Exception:  # noqa: BLE001  (unknown entity: no logout there)
        return None
    return services[0]["location"] if services else None


def logout_url(connection: SsoConnection, session_record: dict, relay_state: str) -> str | None:
    """Where to send the browser to end the person's session at the IdP: its single logout
    address with a signed ``LogoutRequest`` for the NameID/SessionIndex of ``session_record``
    (as ``verified_assertion`` gave them). ``None`` when the IdP's metadata names no
    HTTP-Redirect single logout service. Raises ``DomainError`` 502 (metadata unreadable)."""
    client = _client(connection)
    destination = _slo_endpoint(client, connection)
    if not destination:
        return None
    name_id = NameID(text=session_record["name_id"], format=session_record.get("format") or None)
    _, request = client.create_logout_request(
        destination,
        connection.issuer,
        name_id=name_id,
        session_indexes=[session_record["session_index"]]
        if session_record.get("session_index")
        else None,
        sign=False,  # HTTP-Redirect signs the query string, not the XML
    )
    info = client.apply_binding(
        BINDING_HTTP_REDIRECT,
        str(request),
        destination,
        relay_state,
        sign=True,
        sigalg=SIG_RSA_SHA256,
    )
    return dict(info["headers"])["Location"]


def _inflate(message: str) -> bytes:
    try:
        return zlib.decompress(base64.b64decode(message), -15)
    except (ValueError, zlib.error):
        raise _unreadable() from None


def _unreadable() -> DomainError:
    msg = "The sign-out message of your institution could not be verified."
    return DomainError(Problem("sso_refused", msg, None), status=400)


def message_issuer(message: str) -> str:
    """The ``Issuer`` an HTTP-Redirect ``SAMLRequest``/``SAMLResponse`` claims (not yet
    verified: it says whose keys to verify it with)."""
    try:
        root = fromstring(_inflate(message))
    except (ParseError, DefusedXmlException):
        raise _unreadable() from None
    issuer = root.find("{urn:oasis:names:tc:SAML:2.0:assertion}Issuer")
    return (issuer.text or "").strip() if issuer is not None else ""


# Query-signature algorithms we accept (SAML2Int: no SHA-1), with their digests.
REDIRECT_SIGNATURES = {
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": hashes.SHA256,
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": hashes.SHA384,
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": hashes.SHA512,
}


def _check_redirect_signature(connection: SsoConnection, client, raw_query: bytes) -> None:
    """The HTTP-Redirect binding's query signature (SAML 2.0 Bindings §3.4.4.1) must verify
    with one of the IdP's signing certificates from its metadata; else ``DomainError`` 400.
    It is checked over the query exactly as received (the IdP's own URL encoding: re-encoding
    the decoded values, as pysaml2 does, fails for IdPs that encode differently)."""
    parts = dict(
        part.split("=", 1)
        for part in raw_query.decode("ascii", "replace").split("&")
        if "=" in part
    )
    message = "SAMLRequest" if "SAMLRequest" in parts else "SAMLResponse"
    algorithm = REDIRECT_SIGNATURES.get(unquote_plus(parts.get("SigAlg", "")))
    if message not in parts or "Signature" not in parts or algorithm is None:
        raise _unreadable()
    signed = "&".join(
        f"{name}={parts[name]}" for name in (message, "RelayState", "SigAlg") if name in parts
    ).encode()
    try:
        signature = base64.b64decode(unquote_plus(parts["Signature"]))
    except ValueError:
        raise _unreadable() from None
    for _, cert in client.metadata.certs(connection.issuer, "idpsso", "signing"):
        try:
            key = x509.load_der_x509_certificate(base64.b64decode(cert)).public_key()
            key.verify(signature, signed, padding.PKCS1v15(), algorithm())
            return
        except (InvalidSignature, ValueError, TypeError, AttributeError):
            continue  # not this key: try the next
    raise _unreadable()


def logout_response_ok(connection: SsoConnection, args: dict, raw_query: bytes) -> bool:
    """Whether the IdP's ``LogoutResponse`` (HTTP-Redirect query ``args``, as received in
    ``raw_query``) reports success. Its signature and issuer must hold; else ``DomainError``
    400."""
    client = _client(connection)
    _check_redirect_signature(connection, client, raw_query)
    try:
        response = client.parse_logout_request_response(args["SAMLResponse"], BINDING_HTTP_REDIRECT)
    except Exception:  # noqa: BLE001
        raise _unreadable() from None
    if response is None or response.issuer() != connection.issuer:
        raise _unreadable()
    return response.status_ok()


def logout_request(connection: SsoConnection, args: dict, raw_query: bytes):
    """The IdP's own ``LogoutRequest`` (HTTP-Redirect query ``args``, as received in
    ``raw_query``), once its signature, issuer and destination hold: ``(request,
    name_id_text)``; else ``DomainError`` 400."""
    client = _client(connection)
    _check_redirect_signature(connection, client, raw_query)
    try:
        request = client.parse_logout_request(args["SAMLRequest"], BINDING_HTTP_REDIRECT)
    except Exception:  # noqa: BLE001
        raise _unreadable() from None
    if request is None or request.sender() != connection.issuer:
        raise _unreadable()
    name_id = request.message.name_id
    return request.message, (name_id.text if name_id is not None else "")


def logout_response_url(connection: SsoConnection, request, relay_state: str) -> str:
    """The signed ``LogoutResponse`` (Success) to ``request``, as the address to send the
    browser to (the IdP's single logout service, HTTP-Redirect)."""
    client = _client(connection)
    destination = _slo_endpoint(client, connection)
    if not destination:
        raise _unreadable()
    response = client._status_response(  # noqa: SLF001  (pysaml2 builds it from the request)
        samlp.LogoutResponse,
        client._issuer(),  # noqa: SLF001
        None,
        False,
        in_response_to=request.id,
        destination=destination,
    )
    info = client.apply_binding(
        BINDING_HTTP_REDIRECT,
        str(response),
        destination,
        relay_state,
        response=True,
        sign=True,
        sigalg=SIG_RSA_SHA256,
    )
    return dict(info["headers"])["Location"]
