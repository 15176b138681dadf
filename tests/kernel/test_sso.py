"""Institutional sign-in with OpenID Connect against a real provider on loopback (one for the
whole run): first sign-in creates or links the account and verifies membership; replayed,
tampered, expired and wrong-audience tokens are refused with a clear page and nothing written."""

from __future__ import annotations

import json
import time
import warnings
from urllib.parse import urljoin, urlsplit

import pytest
import requests
import sqlalchemy as sa
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from innocore.audit import AuditEvent
from innocore.errors import DomainError
from innocore.sso import oidc
from innocore.sso.models import SsoConnection, SsoIdentity, SsoProtocol
from tests.support.saml_idp import onward, posted_form

ADA = {"email": "ada@uni.example", "name": "Ada Lovelace"}  # as tests.support.saml_idp.PEOPLE


@pytest.fixture
def university(oidc_provider, make_org, db_session):
    from innocore import clock

    org = make_org(name="Università di Valmonte")
    now = clock.now()
    db_session.add(
        SsoConnection(
            organisation_id=org.id,
            protocol=SsoProtocol.OIDC,
            issuer=oidc_provider,
            client_id="innocore",
            client_secret="s3cret",
            email_claim="email",
            name_claim="name",
            affiliation_claim="eduperson_scoped_affiliation",
            affiliations="staff,member",
            local_passwords=False,
            created_at=now,
            updated_at=now,
        )
    )
    db_session.commit()
    return org


def through_provider(client, org_id: int, sub: str) -> str:
    """Start at InnoCore, let the provider sign ``sub`` in; the callback path InnoCore gets."""
    start = client.get(f"/sso/{org_id}/login")
    assert start.status_code == 302
    answer = requests.post(
        start.headers["Location"], data={"sub": sub}, allow_redirects=False, timeout=10
    )
    return through(answer.headers["Location"])


def through(url: str) -> str:
    """The path and query of an address back at InnoCore (the test client's own)."""
    back = urlsplit(url)
    return f"{back.path}?{back.query}"


def test_first_sign_in_creates_a_verified_member_on_the_dashboard(client, university, db_session):
    landed = client.get(through_provider(client, university.id, "ada-1"), follow_redirects=True)
    assert landed.status_code == 200, landed.get_data(as_text=True)[-1500:]
    assert landed.request.path == "/dashboard"
    identity = db_session.scalar(sa.select(SsoIdentity).where(SsoIdentity.subject == "ada-1"))
    user = identity.user
    assert (user.email, user.name, user.organisation_id) == (
        ADA["email"],
        ADA["name"],
        university.id,
    )
    assert user.email_verified_at is not None and identity.affiliation == "staff@uni.example"
    event = db_session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "user.membership_verified")
    )
    assert event.organisation_id == university.id and event.actor_id == user.id


def test_an_account_with_that_email_is_linked_and_its_password_is_switched_off(
    client, university, make_user, db_session
):
    from tests.conftest import PASSWORD

    existing = make_user(email="ADA@uni.example", organisation=university)
    refused = client.post("/login", data={"email": existing.email, "password": PASSWORD})
    assert refused.status_code == 403
    assert "signs its members in with its own account" in refused.get_data(as_text=True)
    assert "Sign in with Università di Valmonte" in refused.get_data(as_text=True)
    client.get(through_provider(client, university.id, "ada-1"))
    identity = db_session.scalar(sa.select(SsoIdentity).where(SsoIdentity.subject == "ada-1"))
    assert identity.user_id == existing.id
    assert db_session.scalar(sa.select(sa.func.count()).select_from(SsoIdentity)) == 1


def test_a_replayed_return_and_a_non_member_are_refused_and_nothing_is_written(
    client, app, university, db_session
):
    back = through_provider(client, university.id, "ada-1")
    assert client.get(back).status_code == 302
    client.post("/logout")
    replay = client.get(back)
    assert replay.status_code == 401
    assert "not started here, or was already used" in replay.get_data(as_text=True)
    with app.test_client() as other:  # the same code in a browser that did start a sign-in
        other.get(f"/sso/{university.id}/login")
        assert other.get(back).status_code == 401
    guest = client.get(through_provider(client, university.id, "guest-1"))
    assert guest.status_code == 401
    assert "does not show a membership that counts" in guest.get_data(as_text=True)
    assert [i.subject for i in db_session.scalars(sa.select(SsoIdentity))] == ["ada-1"]


KEY = RSAKey.generate_key(2048, {"kid": "k1"})
KEYS = KeySet.import_key_set({"keys": [KEY.as_dict(private=False)]})
NOW = int(time.time())


def token(**claims) -> str:
    body = {
        "iss": "https://idp.example",
        "aud": "innocore",
        "sub": "ada-1",
        "nonce": "n1",
        "iat": NOW,
        "exp": NOW + 300,
    } | claims
    return jwt.encode({"alg": "RS256", "kid": "k1"}, body, KEY)


def check(id_token: str) -> dict:
    from datetime import UTC, datetime

    return oidc.verified_claims(
        id_token,
        KEYS,
        issuer="https://idp.example",
        client_id="innocore",
        nonce="n1",
        now=datetime.fromtimestamp(NOW, UTC),
    )


def _tampered() -> str:
    head, body, sig = token().split(".")
    import base64

    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{forged}.{sig}"


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(lambda: token(aud="another-app"), id="wrong audience"),
        pytest.param(lambda: token(iss="https://evil.example"), id="wrong issuer"),
        pytest.param(lambda: token(exp=NOW - 120), id="expired"),
        pytest.param(lambda: token(nonce="replayed"), id="other nonce (replay)"),
        pytest.param(_tampered, id="tampered"),
        pytest.param(lambda: token().rsplit(".", 1)[0] + ".", id="unsigned"),
    ],
)
def test_id_tokens_that_do_not_hold_are_refused(bad):
    with pytest.raises(DomainError) as err:
        check(bad())
    assert err.value.status == 401
    assert err.value.problems[0].message.startswith("The sign-in could not be verified")


def test_a_good_id_token_passes():
    assert check(token())["sub"] == "ada-1"


# "!" and ":" are outside the Fernet token's alphabet: the secret cannot turn up in the
# ciphertext (or a page) by chance, as a two-character one did.
SECRET = "s3cret!not:shown"


def test_network_administrators_set_up_sign_in_and_never_see_the_secret(
    client, make_user, make_org, api_headers, login_as, db_session
):
    org, admin, member = make_org(), make_user(is_network_admin=True), make_user()
    url = f"/api/v1/organisations/{org.id}/sso"
    body = {"issuer": "https://login.uni.example", "client_id": "innocore", "client_secret": SECRET}
    assert client.put(url, json=body, headers=api_headers(member)).status_code == 403
    # Switched on, a provider that does not answer would only give a failing sign-in button.
    silent = client.put(url, json=body, headers=api_headers(admin))
    assert silent.status_code == 422
    assert silent.get_json()["errors"][0]["code"] == "unreachable_provider"
    body["enabled"] = False
    done = client.put(url, json=body, headers=api_headers(admin))
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["client_secret_set"] is True and SECRET not in done.get_data(
        as_text=True
    )
    bad = client.put(url, json=body | {"issuer": "ftp://x"}, headers=api_headers(admin))
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "issuer"
    login_as(member)
    assert client.get(f"/sso/organisations/{org.id}").status_code == 403
    login_as(admin)
    page = client.get(f"/sso/organisations/{org.id}").get_data(as_text=True)
    assert "login.uni.example" in page and SECRET not in page
    form = {
        "protocol": "oidc",
        "issuer": "https://login.uni.example",
        "client_id": "app2",
        "client_secret": "",
        "email_claim": "email",
        "name_claim": "name",
        "local_passwords": "y",
    }
    assert client.post(f"/sso/organisations/{org.id}", data=form).status_code == 302
    row = db_session.scalar(sa.select(SsoConnection).where(SsoConnection.organisation_id == org.id))
    assert (row.client_id, row.client_secret) == ("app2", SECRET)  # an empty secret keeps it
    assert row.sealed_secret.startswith("fernet:") and SECRET not in row.sealed_secret  # at rest


def test_an_account_of_another_organisation_is_not_taken_over(
    client, university, make_user, db_session
):
    other = make_user(email="ada@uni.example")  # registered with another organisation
    refused = client.get(through_provider(client, university.id, "ada-1"))
    assert refused.status_code == 401
    assert "belongs to another organisation" in refused.get_data(as_text=True)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(SsoIdentity)) == 0
    assert client.get("/dashboard").status_code == 302 and other.organisation_id != university.id


def test_signing_out_ends_the_session_at_the_provider_too(client, university):
    client.get(through_provider(client, university.id, "ada-1"))
    out = client.post("/logout")
    assert "You are signed out of InnoCore" in out.get_data(as_text=True)
    url = onward(out)
    assert "/oauth2/end_session?" in url and "id_token_hint=ey" in url
    assert client.get("/dashboard").status_code == 302  # signed out here already
    page = requests.get(url, timeout=10).text  # the provider's own page
    action, fields = posted_form(page)
    back = requests.post(urljoin(url, action), data=fields, allow_redirects=False, timeout=10)
    landed = client.get(through(back.headers["Location"]), follow_redirects=True)
    assert landed.request.path == "/login"
    assert "signed out, here and at Università di Valmonte" in landed.get_data(as_text=True)


def test_an_unreachable_provider_still_signs_the_person_out_here(client, university, db_session):
    client.get(through_provider(client, university.id, "ada-1"))
    row = db_session.scalar(sa.select(SsoConnection))
    row.issuer = "http://127.0.0.1:9"  # nothing listens there
    db_session.commit()
    landed = client.post("/logout", follow_redirects=True)
    assert landed.request.path == "/login"
    assert "did not answer, so you may still be signed in there" in landed.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_claims_missing_from_the_id_token_are_read_from_userinfo(
    client, university, db_session, monkeypatch
):
    verified = oidc.verified_claims

    def only_sub(*args, **kwargs):  # a provider that puts little more than sub in ID tokens
        claims = verified(*args, **kwargs)
        return {
            k: v
            for k, v in claims.items()
            if k not in ("email", "name", "eduperson_scoped_affiliation")
        }

    monkeypatch.setattr(oidc, "verified_claims", only_sub)
    landed = client.get(through_provider(client, university.id, "ada-1"), follow_redirects=True)
    assert landed.request.path == "/dashboard", landed.get_data(as_text=True)[-800:]
    identity = db_session.scalar(sa.select(SsoIdentity))
    assert (identity.user.email, identity.user.name) == (ADA["email"], ADA["name"])
    assert identity.affiliation == "staff@uni.example"


@pytest.fixture
def fetched(monkeypatch):
    """The addresses InnoCore fetches providers' documents from, in order."""
    from innocore.sso import cache

    urls, get = [], cache.requests.get

    def counting(url, *args, **kwargs):
        urls.append(urlsplit(url).path)
        return get(url, *args, **kwargs)

    monkeypatch.setattr(cache.requests, "get", counting)
    return urls


def test_provider_documents_are_kept_and_keys_fetched_again_when_rotated(
    client, university, oidc_server, fetched, monkeypatch
):
    import flask
    from authlib import jose
    from oidc_provider_mock import _app

    def sign_in_and_out():
        landed = client.get(through_provider(client, university.id, "ada-1"))
        assert landed.status_code == 302 and landed.headers["Location"].endswith("/dashboard")
        client.post("/logout")

    def rotate():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the provider's own (deprecated) Authlib JOSE
            storage.jwk = jose.RSAKey.generate_key(is_private=True)

    sign_in_and_out()
    assert fetched == ["/.well-known/openid-configuration", "/jwks"]
    fetched.clear()
    sign_in_and_out()
    assert fetched == []  # discovery document and keys kept, for every worker (database)
    with oidc_server.app.test_request_context():
        oidc_server.app.preprocess_request()
        storage = flask.g.oidc_provider_mock_storage
    old = storage.jwk
    try:
        rotate()
        sign_in_and_out()  # this provider names no kid: the signature fails, keys fetched again
        assert fetched == ["/jwks"]
        config = _app.OpenIDCode.get_jwt_config  # as most providers: ID tokens name their kid
        monkeypatch.setattr(
            _app.OpenIDCode,
            "get_jwt_config",
            lambda *a, **k: config(*a, **k) | {"kid": storage.jwk.as_dict()["kid"]},
        )
        fetched.clear()
        sign_in_and_out()
        assert fetched == []
        rotate()
        sign_in_and_out()  # an unknown kid: keys fetched again
        assert fetched == ["/jwks"]
    finally:
        storage.jwk = old


def test_a_switched_off_provider_shows_no_button_and_passwords_work_again(
    client, university, make_user, login_as, db_session
):
    from tests.conftest import PASSWORD

    member = make_user(email="bea@uni.example", organisation=university)
    row = db_session.scalar(sa.select(SsoConnection))
    row.enabled = False  # its local_passwords stays False
    db_session.commit()
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with Università di Valmonte" not in page
    assert client.get(f"/sso/{university.id}/login").status_code == 404
    signed_in = client.post("/login", data={"email": member.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    client.post("/logout")
    login_as(make_user(is_network_admin=True))
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/sso/organisations">Institutional sign-in</a>' in dashboard
    overview = client.get("/sso/organisations").get_data(as_text=True)
    assert "Università di Valmonte" in overview and "Switched off" in overview


def test_provider_addresses_must_be_https_unless_the_host_is_allowed_plain_http(
    app, client, make_org, make_user, api_headers, oidc_provider, monkeypatch
):
    org, admin = make_org(), make_user(is_network_admin=True)
    url = f"/api/v1/organisations/{org.id}/sso"
    body = {"issuer": oidc_provider, "client_id": "innocore", "client_secret": SECRET}
    # The suite allows its loopback provider (SSO_PLAIN_HTTP_HOSTS); switched on, it answers.
    assert client.put(url, json=body, headers=api_headers(admin)).status_code == 200
    # Production's default allows no plain-http host, loopback included.
    monkeypatch.setitem(app.config, "SSO_PLAIN_HTTP_HOSTS", "")
    for issuer in (oidc_provider, "http://127.0.0.1:5432", "http://login.uni.example"):
        refused = client.put(url, json=body | {"issuer": issuer}, headers=api_headers(admin))
        assert refused.status_code == 422, issuer
        assert refused.get_json()["errors"][0]["code"] == "invalid_issuer"
