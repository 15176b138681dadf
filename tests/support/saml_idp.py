"""A SAML 2.0 identity provider built from pysaml2's own IdP classes, served on loopback by the
suite: it signs every assertion with its own key (generated per run), answers with the
HTTP-POST binding, and can be told to misbehave (an assertion for another audience, or one
that has already expired) so the tests can see InnoCore refuse it."""

from __future__ import annotations

import datetime as dt
import html
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

PEOPLE = {
    "ada": {
        "mail": ["ada@uni.example"],
        "displayName": ["Ada Lovelace"],
        "eduPersonScopedAffiliation": ["staff@uni.example"],
    },
    "bea": {
        "mail": ["bea@poly.example"],
        "displayName": ["Bea Bassi"],
        "eduPersonScopedAffiliation": ["member@poly.example"],
    },
    "guest": {
        "mail": ["guest@uni.example"],
        "displayName": ["G. Uest"],
        "eduPersonScopedAffiliation": ["affiliate@uni.example"],
    },
}


def _key_and_cert(folder: Path) -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test IdP")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = folder / "idp.key", folder / "idp.crt"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_file), str(cert_file)


def _server(base: str, key_file: str, cert_file: str, lifetime_minutes: int):
    from saml2 import BINDING_HTTP_REDIRECT
    from saml2.config import IdPConfig
    from saml2.saml import NAME_FORMAT_URI
    from saml2.server import Server

    from innocore.sso.saml import xmlsec_binary

    config = IdPConfig()
    config.load(
        {
            "entityid": f"{base}/idp",
            "xmlsec_binary": xmlsec_binary(),
            "key_file": key_file,
            "cert_file": cert_file,
            "service": {
                "idp": {
                    "endpoints": {
                        "single_sign_on_service": [(f"{base}/sso", BINDING_HTTP_REDIRECT)],
                        "single_logout_service": [(f"{base}/slo", BINDING_HTTP_REDIRECT)],
                    },
                    "policy": {
                        "default": {
                            "lifetime": {"minutes": lifetime_minutes},
                            "attribute_restrictions": None,
                            "name_form": NAME_FORMAT_URI,
                        }
                    },
                    "name_id_format": ["urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"],
                }
            },
        }
    )
    server = Server(config=config)
    server.metadata = _NoServiceProviders()  # it answers whoever asks (see running_idp)
    return server


class _NoServiceProviders:
    """The metadata of no service provider: encryption certificates come with the request."""

    @staticmethod
    def certs(*_args, **_kwargs):
        return []


class TestIdP:
    """``metadata`` (XML), ``entity_id``, ``url``; ``answer(query, user, mode)`` -> the auto-post
    form the IdP returns to the browser (modes: ``ok``, ``wrong-audience``, ``expired``)."""

    def __init__(self, base: str, folder: Path):
        from saml2.metadata import create_metadata_string

        key_file, cert_file = _key_and_cert(folder)
        self.url, self.entity_id = base, f"{base}/idp"
        self.good = _server(base, key_file, cert_file, 15)
        self.stale = _server(base, key_file, cert_file, -30)
        self.metadata = create_metadata_string(None, self.good.config, valid=24).decode()
        self.logout_requests: list = []

    def answer(
        self, saml_request: str, relay_state: str, user: str, mode: str, encrypt_cert: str = ""
    ) -> str:
        """Modes: ``ok``, ``wrong-audience``, ``expired``; with ``encrypt_cert`` (the service
        provider's encryption certificate, PEM) the signed assertion is encrypted to it, and
        mode ``tampered`` changes the e-mail in the signed assertion before encrypting it."""
        from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
        from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID

        server = self.stale if mode == "expired" else self.good
        request = server.parse_authn_request(saml_request, BINDING_HTTP_REDIRECT).message
        audience = "https://another-sp.example" if mode == "wrong-audience" else request.issuer.text
        args = {
            "in_response_to": request.id,
            "destination": request.assertion_consumer_service_url,
            "sp_entity_id": audience,
            "name_id": NameID(format=NAMEID_FORMAT_PERSISTENT, text=f"{user}-1"),
            "authn": {
                "class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
            },
            "sign_assertion": True,
            "sign_response": False,
        }
        if encrypt_cert and mode == "tampered":
            response = self._forged_encrypted(server, PEOPLE[user], args, encrypt_cert)
        elif encrypt_cert:
            response = server.create_authn_response(
                PEOPLE[user], encrypt_assertion=True, encrypt_cert_assertion=encrypt_cert, **args
            )
        else:
            response = server.create_authn_response(PEOPLE[user], **args)
        args = server.apply_binding(
            BINDING_HTTP_POST,
            str(response),
            request.assertion_consumer_service_url,
            relay_state,
            response=True,
        )
        return args["data"]

    def roll_key(self, folder: Path):
        """Sign with a new key from now on (and publish it in the metadata), as an IdP rolling
        its key over does; returns the function that puts the old key back."""
        from saml2.metadata import create_metadata_string

        saved = (self.good, self.stale, self.metadata)
        key_file, cert_file = _key_and_cert(folder)
        self.good = _server(self.url, key_file, cert_file, 15)
        self.stale = _server(self.url, key_file, cert_file, -30)
        self.metadata = create_metadata_string(None, self.good.config, valid=24).decode()

        def restore():
            self.good, self.stale, self.metadata = saved

        return restore

    @staticmethod
    def _forged_encrypted(server, identity: dict, args: dict, encrypt_cert: str) -> str:
        """What anyone holding the service provider's public certificate can make: a signed
        assertion with its e-mail changed after signing, then encrypted to that certificate."""
        encrypt = server._encrypt_assertion

        def altered_then_encrypted(cert, sp_entity_id, signed, node_xpath=None):
            forged = str(signed).replace("ada@uni.example", "eve@uni.example")
            return encrypt(cert, sp_entity_id, forged, node_xpath)

        server._encrypt_assertion = altered_then_encrypted
        try:
            return server.create_authn_response(
                identity, encrypt_assertion=True, encrypt_cert_assertion=encrypt_cert, **args
            )
        finally:
            del server._encrypt_assertion

    def logged_out(self, query: dict) -> str:
        """Our answer to a service provider's ``LogoutRequest`` (HTTP-Redirect): the address
        of a signed ``LogoutResponse`` (Success) back at its ``/sso/saml/slo``. The request is
        recorded in ``logout_requests`` (the tests read its NameID and SessionIndex)."""
        from saml2 import BINDING_HTTP_REDIRECT, samlp
        from saml2.xmldsig import SIG_RSA_SHA256

        server = self.good
        request = server.parse_logout_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT).message
        self.logout_requests.append(request)
        destination = _sp_slo(request.issuer.text)
        response = server._status_response(
            samlp.LogoutResponse,
            server._issuer(),
            None,
            False,
            in_response_to=request.id,
            destination=destination,
        )
        info = server.apply_binding(
            BINDING_HTTP_REDIRECT,
            str(response),
            destination,
            query.get("RelayState", ""),
            response=True,
            sign=True,
            sigalg=SIG_RSA_SHA256,
        )
        return dict(info["headers"])["Location"]

    def logout_request_url(self, sp_entity_id: str, subject: str, sign: bool = True) -> str:
        """An IdP-initiated signed ``LogoutRequest`` for ``subject`` to the service provider
        whose entity id is ``sp_entity_id``, as the address the IdP sends the browser to."""
        from saml2 import BINDING_HTTP_REDIRECT
        from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
        from saml2.xmldsig import SIG_RSA_SHA256

        destination = _sp_slo(sp_entity_id)
        _, request = self.good.create_logout_request(
            destination,
            sp_entity_id,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=subject),
            sign=False,
        )
        info = self.good.apply_binding(
            BINDING_HTTP_REDIRECT, str(request), destination, "", sign=sign, sigalg=SIG_RSA_SHA256
        )
        return dict(info["headers"])["Location"]

    def wsgi(self, environ, start_response):
        request = Request(environ)
        if request.path == "/metadata":
            return Response(self.metadata, mimetype="application/samlmetadata+xml")(
                environ, start_response
            )
        if request.path == "/slo":
            location = self.logged_out(request.args.to_dict())
            return Response("", 302, {"Location": location})(environ, start_response)
        if request.path != "/sso":
            return Response("not found", 404)(environ, start_response)
        if request.method == "GET":  # the sign-in page a person sees at their institution
            return Response(self._login_page(request.args), mimetype="text/html")(
                environ, start_response
            )
        form = request.form
        body = self.answer(
            form["SAMLRequest"],
            form.get("RelayState", ""),
            form.get("user", "ada"),
            form.get("mode", "ok"),
            form.get("encrypt_cert", ""),
        )
        return Response(body, mimetype="text/html")(environ, start_response)

    @staticmethod
    def _login_page(args) -> str:
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(args.get(k, ""))}">'
            for k in ("SAMLRequest", "RelayState")
        )
        people = "".join(f'<option value="{p}">{p}</option>' for p in PEOPLE)
        return (
            "<!doctype html><title>Test IdP</title><h1>Test university sign-in</h1>"
            f'<form method="post" action="/sso">{hidden}<label>Person '
            f'<select name="user">{people}</select></label>'
            '<button type="submit">Sign in at the IdP</button></form>'
        )


@contextmanager
def running_idp(folder: Path) -> Iterator[TestIdP]:
    """A ``TestIdP`` listening on a free loopback port until the context ends. It answers any
    service provider (the test app and the browser journeys' live servers alike): the service
    provider's checks are what the tests are about."""
    server = make_server("127.0.0.1", 0, lambda e, s: idp.wsgi(e, s), threaded=True)
    idp = TestIdP(f"http://127.0.0.1:{server.server_port}", folder)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield idp
    finally:
        server.shutdown()
        thread.join()


def posted_form(page: str) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of the IdP's auto-post form."""
    action = html.unescape(re.search(r'action="([^"]+)"', page).group(1))
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page))
    return action, {k: html.unescape(v) for k, v in fields.items()}


def _sp_slo(sp_entity_id: str) -> str:
    """InnoCore's single logout address beside its entity id (``…/sso/saml/metadata``): this
    test IdP keeps no service-provider metadata, it answers whoever asks."""
    return sp_entity_id.removesuffix("/sso/saml/metadata") + "/sso/saml/slo"


def onward(signed_out) -> str:
    """Where InnoCore's signed-out page (the answer to ``POST /logout``) forwards the browser
    next: the institution's sign-out address."""
    assert signed_out.status_code == 200, signed_out.status_code
    found = re.search(r'href="([^"]+)" id="sign-out-onward"', signed_out.get_data(as_text=True))
    return html.unescape(found.group(1))
