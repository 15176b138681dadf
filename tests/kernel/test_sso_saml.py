"""Institutional sign-in with SAML 2.0 against an identity provider built from pysaml2's IdP
classes, on loopback for the whole run, signing its assertions: a good assertion signs the
person in on the dashboard and verifies their membership; a tampered, replayed, expired or
wrongly addressed one is refused with a clear page and nothing is written."""

from __future__ import annotations

import base64
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests
import sqlalchemy as sa

from innocore.sso.models import SsoAssertionUse, SsoConnection, SsoIdentity, SsoProtocol
from tests.support.saml_idp import onward, posted_form


@pytest.fixture
def idp(saml_idp):
    return saml_idp


@pytest.fixture
def campus(idp, make_org, db_session):
    from innocore import clock

    org = make_org(name="Politecnico di Valmonte")
    now = clock.now()
    db_session.add(
        SsoConnection(
            organisation_id=org.id,
            protocol=SsoProtocol.SAML,
            issuer=idp.entity_id,
            idp_metadata=idp.metadata,
            email_claim="mail",
            name_claim="displayName",
            affiliation_claim="eduPersonScopedAffiliation",
            affiliations="staff,member",
            created_at=now,
            updated_at=now,
        )
    )
    db_session.commit()
    return org


def assertion(
    client, idp, org_id: int, user: str = "ada", mode: str = "ok", encrypt_cert: str = ""
) -> dict:
    """Start at InnoCore, sign ``user`` in at the IdP; the fields the browser would post back."""
    start = client.get(f"/sso/{org_id}/login")
    assert start.status_code == 302 and start.headers["Location"].startswith(idp.url)
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    page = requests.post(
        f"{idp.url}/sso",
        data={
            "SAMLRequest": query["SAMLRequest"][0],
            "RelayState": query["RelayState"][0],
            "user": user,
            "mode": mode,
            "encrypt_cert": encrypt_cert,
        },
        timeout=30,
    )
    action, fields = posted_form(page.text)
    assert urlsplit(action).path == "/sso/saml/acs"
    return fields


def identities(db_session) -> list[str]:
    return [i.subject for i in db_session.scalars(sa.select(SsoIdentity))]


def test_a_signed_assertion_signs_the_member_in_on_the_dashboard(client, idp, campus, db_session):
    landed = client.post(
        "/sso/saml/acs", data=assertion(client, idp, campus.id), follow_redirects=True
    )
    assert landed.status_code == 200, landed.get_data(as_text=True)[-800:]
    assert landed.request.path == "/dashboard"
    identity = db_session.scalar(sa.select(SsoIdentity).where(SsoIdentity.subject == "ada-1"))
    assert (identity.user.email, identity.user.name) == ("ada@uni.example", "Ada Lovelace")
    assert identity.user.organisation_id == campus.id
    assert identity.affiliation == "staff@uni.example"


def test_a_replayed_assertion_is_refused(client, idp, campus, db_session):
    fields = assertion(client, idp, campus.id)
    assert client.post("/sso/saml/acs", data=fields).status_code == 303
    client.post("/logout")
    again = client.post("/sso/saml/acs", data=fields)
    assert again.status_code == 401 and "already used" in again.get_data(as_text=True)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(SsoAssertionUse)) == 1


@pytest.mark.parametrize(
    "mode, reason",
    [
        ("tampered", "its signature does not match"),
        ("wrong-audience", "it is addressed to another service"),
        ("expired", "it has expired"),
        ("non-member", "does not show a membership that counts here"),
    ],
)
def test_assertions_that_do_not_hold_are_refused_and_nothing_is_written(
    client, idp, campus, db_session, mode, reason
):
    user = "guest" if mode == "non-member" else "ada"
    fields = assertion(
        client, idp, campus.id, user, "ok" if mode in ("tampered", "non-member") else mode
    )
    if mode == "tampered":
        xml = base64.b64decode(fields["SAMLResponse"]).decode()
        assert "ada@uni.example" in xml
        fields["SAMLResponse"] = base64.b64encode(
            xml.replace("ada@uni.example", "eve@uni.example").encode()
        ).decode()
    refused = client.post("/sso/saml/acs", data=fields)
    assert refused.status_code == 401
    text = refused.get_data(as_text=True)
    assert "Sign-in refused" in text and "Nothing was changed" in text and reason in text
    assert identities(db_session) == []
    assert db_session.scalar(sa.select(sa.func.count()).select_from(SsoAssertionUse)) == 0
    assert client.get("/dashboard").status_code == 302  # not signed in


def test_a_relay_state_not_signed_by_us_is_refused(client, idp, campus, db_session):
    fields = assertion(client, idp, campus.id) | {"RelayState": "forged"}
    refused = client.post("/sso/saml/acs", data=fields)
    assert refused.status_code == 401 and identities(db_session) == []


def test_our_metadata_names_the_assertion_consumer_service(client):
    xml = client.get("/sso/saml/metadata").get_data(as_text=True)
    assert "/sso/saml/acs" in xml and "HTTP-POST" in xml


def signed_in(client, idp, org_id: int) -> None:
    assert client.post("/sso/saml/acs", data=assertion(client, idp, org_id)).status_code == 303
    assert client.get("/dashboard").status_code == 200


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_signing_out_ends_the_session_at_the_idp_too(client, idp, campus):
    signed_in(client, idp, campus.id)
    url = onward(client.post("/logout"))
    assert url.startswith(f"{idp.url}/slo?") and "Signature=" in url  # a signed LogoutRequest
    assert client.get("/dashboard").status_code == 302  # signed out here already
    back = requests.get(url, allow_redirects=False, timeout=10)
    asked = idp.logout_requests[-1]
    assert asked.name_id.text == "ada-1" and asked.session_index[0].text
    landed = client.get(local(back.headers["Location"]), follow_redirects=True)
    assert landed.request.path == "/login"
    assert "signed out, here and at Politecnico di Valmonte" in landed.get_data(as_text=True)


def test_the_idp_signing_the_person_out_ends_their_session_here(client, idp, campus):
    signed_in(client, idp, campus.id)
    entity_id = client.get("/sso/saml/metadata").get_data(as_text=True)
    entity_id = entity_id.split('entityID="', 1)[1].split('"', 1)[0]
    forged = client.get(local(idp.logout_request_url(entity_id, "ada-1", sign=False)))
    assert forged.status_code == 400 and "could not be verified" in forged.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 200  # an unsigned request ends nothing
    answer = client.get(local(idp.logout_request_url(entity_id, "ada-1")))
    assert answer.status_code == 302 and answer.headers["Location"].startswith(f"{idp.url}/slo?")
    assert "SAMLResponse=" in answer.headers["Location"]
    assert client.get("/dashboard").status_code == 302


def our_certificate(client, use: str) -> str:
    """InnoCore's ``use`` ("signing", "encryption") certificate (PEM) from its metadata."""
    xml = client.get("/sso/saml/metadata").get_data(as_text=True)
    body = re.search(rf'use="{use}".*?X509Certificate>([^<]+)<', xml, re.S).group(1)
    return "-----BEGIN CERTIFICATE-----\n" + body.strip() + "\n-----END CERTIFICATE-----\n"


def test_our_authn_requests_are_signed_with_the_key_our_metadata_publishes(client, idp, campus):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    xml = client.get("/sso/saml/metadata").get_data(as_text=True)
    assert 'AuthnRequestsSigned="true"' in xml and "/sso/saml/slo" in xml
    cert = x509.load_pem_x509_certificate(our_certificate(client, "signing").encode())
    assert our_certificate(client, "encryption") != our_certificate(client, "signing")
    query = urlsplit(client.get(f"/sso/{campus.id}/login").headers["Location"]).query
    signed, signature = query.split("&Signature=")  # SAML Bindings §3.4.4.1: the raw query
    assert "SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256" in signed
    cert.public_key().verify(
        base64.b64decode(unquote(signature)), signed.encode(), padding.PKCS1v15(), hashes.SHA256()
    )  # raises InvalidSignature otherwise


@pytest.fixture
def by_url(client, idp, make_org, make_user, api_headers):
    """An organisation whose IdP metadata InnoCore fetches from the IdP's address."""
    org, admin = make_org(name="Accademia di Valmonte"), make_user(is_network_admin=True)
    url = f"/api/v1/organisations/{org.id}/sso"
    body = {
        "protocol": "saml",
        "issuer": idp.entity_id,
        "idp_metadata_url": "http://127.0.0.1:9/metadata",  # nothing listens there
        "email_claim": "mail",
        "name_claim": "displayName",
    }
    refused = client.put(url, json=body, headers=api_headers(admin))
    assert refused.status_code == 422, refused.get_json()
    assert refused.get_json()["errors"][0]["field"] == "idp_metadata_url"
    body["idp_metadata_url"] = f"{idp.url}/metadata"
    saved = client.put(url, json=body, headers=api_headers(admin))
    assert saved.status_code == 200, saved.get_json()
    return org


def test_an_encrypted_signed_assertion_signs_the_member_in(client, idp, by_url, db_session):
    fields = assertion(client, idp, by_url.id, encrypt_cert=our_certificate(client, "encryption"))
    xml = base64.b64decode(fields["SAMLResponse"]).decode()
    assert "EncryptedAssertion" in xml and "ada@uni.example" not in xml
    landed = client.post("/sso/saml/acs", data=fields, follow_redirects=True)
    assert landed.request.path == "/dashboard", landed.get_data(as_text=True)[-800:]
    assert identities(db_session) == ["ada-1"]


def test_an_encrypted_assertion_altered_after_signing_is_refused(client, idp, by_url, db_session):
    cert = our_certificate(client, "encryption")
    fields = assertion(client, idp, by_url.id, mode="tampered", encrypt_cert=cert)
    refused = client.post("/sso/saml/acs", data=fields)
    assert refused.status_code == 401
    assert "its signature does not match" in refused.get_data(as_text=True)
    assert identities(db_session) == []


def test_a_rolled_over_idp_key_is_fetched_again_from_its_metadata_address(
    client, idp, by_url, db_session, tmp_path
):
    from datetime import timedelta

    from innocore import clock
    from innocore.sso.models import SsoProviderDocument

    two_minutes_ago = clock.now() - timedelta(minutes=2)  # it was fetched when set up
    db_session.execute(sa.update(SsoProviderDocument).values(fetched_at=two_minutes_ago))
    db_session.commit()
    restore = idp.roll_key(tmp_path)
    try:
        landed = client.post(
            "/sso/saml/acs", data=assertion(client, idp, by_url.id), follow_redirects=True
        )
    finally:
        restore()
    assert landed.request.path == "/dashboard", landed.get_data(as_text=True)[-800:]
    assert db_session.scalar(sa.select(SsoProviderDocument.fetched_at)) > two_minutes_ago
