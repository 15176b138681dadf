"""Accounts over HTTP: register, verify by e-mail, sign in, reset and change passwords, throttling."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from innocore.accounts.models import AccountToken, Organisation, User
from innocore.audit import AuditEvent
from innocore.extensions import db
from tests.conftest import PASSWORD
from tests.support import appconfig
from tests.support.mail import SMTPServer

LINK = re.compile(r"(https?://\S+)")


def register_form(org_id, **overrides):
    form = {
        "name": "Paula Student",
        "email": "paula@uni.example",
        "organisation": str(org_id),
        "timezone": "Europe/Rome",
        "password": PASSWORD,
        "confirm": PASSWORD,
    }
    form.update(overrides)
    return form


def link_in(message) -> str:
    return appconfig.path_of(LINK.search(SMTPServer.text(message)).group(1))


def test_register_sends_verification_mail_and_link_verifies(client, make_org, deliver):
    org = make_org(name="University of Valmonte")
    response = client.post("/register", data=register_form(org.id))
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "paula@uni.example"))
    assert user.email_verified_at is None
    [mail] = deliver()
    assert mail["To"] == "paula@uni.example"
    assert "Confirm your e-mail" in mail["Subject"]
    # cannot sign in before verifying
    login = client.post("/login", data={"email": "paula@uni.example", "password": PASSWORD})
    assert login.status_code == 403
    assert b"confirm your e-mail address first" in login.data
    assert client.get(link_in(mail)).status_code == 302
    assert user.email_verified_at is not None
    # the link is single-use
    again = client.get(link_in(mail))
    assert again.status_code == 400
    assert b"already used" in again.data


def test_register_new_company_makes_first_person_company_admin(client):
    form = register_form(
        "new",
        new_org_name="Helixa Biotech",
        new_org_kind="company",
        new_org_country="it",
        email="hana@helixa.example",
    )
    assert client.post("/register", data=form).status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "hana@helixa.example"))
    assert user.organisation.name == "Helixa Biotech"
    assert user.organisation.country == "IT"
    assert user.is_company_admin


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password": "short", "confirm": "short"}, b"at least 10 characters"),
        ({"password": "password123", "confirm": "password123"}, b"too easy to guess"),
        (
            {
                "password": "paulapaula99",
                "confirm": "paulapaula99",
                "email": "paulapaula@uni.example",
            },
            b"Do not build the password from your name",
        ),
        ({"confirm": "something else entirely"}, b"The passwords differ"),
        ({"timezone": "Mars/Olympus"}, b"Choose a time zone from the list"),
        ({"email": "not-an-email"}, b"Enter a valid e-mail address"),
        ({"name": "x" * 5000}, b"Field cannot be longer than 200 characters"),
    ],
)
def test_register_refuses_bad_input_with_form_errors(client, make_org, overrides, message):
    org = make_org()
    response = client.post("/register", data=register_form(org.id, **overrides))
    assert response.status_code == 422
    assert message in response.data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_register_duplicate_email_is_refused_case_insensitively(client, make_user, make_org):
    make_user(email="paula@uni.example")
    response = client.post(
        "/register", data=register_form(make_org().id, email="Paula@Uni.Example")
    )
    assert response.status_code == 422
    assert b"already exists" in response.data


def test_new_organisation_needs_name_and_country(client):
    response = client.post("/register", data=register_form("new"))
    assert response.status_code == 422
    assert b"Name the new organisation" in response.data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0


def test_login_and_logout(client, make_user):
    make_user(email="a@uni.example")
    response = client.post("/login", data={"email": "A@uni.example", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_login_wrong_password_does_not_say_which_part_is_wrong(client, make_user):
    make_user(email="a@uni.example")
    wrong_pw = client.post("/login", data={"email": "a@uni.example", "password": "nope nope nope"})
    no_user = client.post("/login", data={"email": "b@uni.example", "password": "nope nope nope"})
    assert wrong_pw.status_code == no_user.status_code == 401
    assert b"Wrong e-mail or password" in wrong_pw.data
    assert b"Wrong e-mail or password" in no_user.data


def test_login_redirects_only_to_local_next(client, make_user):
    make_user(email="a@uni.example")
    r = client.post(
        "/login", data={"email": "a@uni.example", "password": PASSWORD, "next": "//evil.example/x"}
    )
    assert r.headers["Location"] == "/dashboard"


def test_account_is_throttled_after_repeated_failures(client, make_user, app):
    make_user(email="a@uni.example")
    limit = app.config["LOGIN_MAX_ATTEMPTS"]
    for _ in range(limit):
        assert (
            client.post(
                "/login", data={"email": "a@uni.example", "password": "bad password!"}
            ).status_code
            == 401
        )
    blocked = client.post("/login", data={"email": "a@uni.example", "password": PASSWORD})
    assert blocked.status_code == 429
    assert b"Too many failed sign-in attempts" in blocked.data
    # another account from the same address is not locked by this one's failures
    make_user(email="b@uni.example")
    assert (
        client.post("/login", data={"email": "b@uni.example", "password": PASSWORD}).status_code
        == 302
    )


def test_successful_logins_do_not_count_towards_throttle(client, make_user, app):
    make_user(email="a@uni.example")
    for _ in range(app.config["LOGIN_MAX_ATTEMPTS"] + 2):
        assert (
            client.post("/login", data={"email": "a@uni.example", "password": PASSWORD}).status_code
            == 302
        )
        client.post("/logout")


def test_password_reset_flow_is_single_use(client, make_user, deliver):
    make_user(email="a@uni.example")
    assert client.post("/password/forgot", data={"email": "a@uni.example"}).status_code == 302
    [mail] = deliver()
    link = link_in(mail)
    new = "a brand new passphrase"
    assert client.post(link, data={"password": new, "confirm": new}).status_code == 302
    assert (
        client.post("/login", data={"email": "a@uni.example", "password": new}).status_code == 302
    )
    client.post("/logout")
    reused = client.post(
        link, data={"password": "yet another passphrase", "confirm": "yet another passphrase"}
    )
    assert reused.status_code == 400
    assert b"already used" in reused.data


def test_password_reset_link_expires(client, make_user, deliver, clock, app):
    make_user(email="a@uni.example")
    client.post("/password/forgot", data={"email": "a@uni.example"})
    [mail] = deliver()
    clock.advance(hours=app.config["TOKEN_HOURS_RESET"], minutes=1)
    r = client.post(
        link_in(mail),
        data={"password": "a brand new passphrase", "confirm": "a brand new passphrase"},
    )
    assert r.status_code == 400
    assert b"expired" in r.data


def test_weak_password_on_reset_keeps_the_link_usable(client, make_user, deliver):
    make_user(email="a@uni.example")
    client.post("/password/forgot", data={"email": "a@uni.example"})
    [mail] = deliver()
    weak = client.post(link_in(mail), data={"password": "short", "confirm": "short"})
    assert weak.status_code == 422
    good = client.post(
        link_in(mail),
        data={"password": "a brand new passphrase", "confirm": "a brand new passphrase"},
    )
    assert good.status_code == 302


def test_forgot_password_for_unknown_email_says_the_same_and_sends_nothing(client, deliver):
    r = client.post("/password/forgot", data={"email": "ghost@uni.example"}, follow_redirects=True)
    assert b"If an account uses that address" in r.data
    assert deliver() == []


def test_change_password_signs_out_other_sessions(app, make_user, login_as, client):
    user = make_user(email="a@uni.example")
    other = app.test_client()  # a second browser
    with other.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
    me = login_as(user)
    new = "a brand new passphrase"
    r = me.post(
        "/profile/password",
        data={"current_password": PASSWORD, "new_password": new, "confirm": new},
    )
    assert r.status_code == 302
    assert me.get("/dashboard").status_code == 200
    assert other.get("/dashboard").status_code == 302


def test_change_password_needs_current_password(make_user, login_as):
    me = login_as(make_user())
    r = me.post(
        "/profile/password",
        data={
            "current_password": "not it at all",
            "new_password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )
    assert r.status_code == 422
    assert b"current password is not correct" in r.data


def test_profile_update_is_audited_and_rejects_unknown_zone(make_user, login_as):
    user = make_user()
    me = login_as(user)
    bad = me.post(
        "/profile", data={"name": "New Name", "timezone": "Europe/Atlantis", "locale": "en"}
    )
    assert bad.status_code == 422
    assert user.timezone == "UTC"
    ok = me.post("/profile", data={"name": "New Name", "timezone": "Europe/Lisbon", "locale": "pt"})
    assert ok.status_code == 302
    assert (user.name, user.timezone, user.locale.value) == ("New Name", "Europe/Lisbon", "pt")
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "user.profile_updated")
    )
    assert event.changes["timezone"] == ["UTC", "Europe/Lisbon"]


def test_position_is_stated_on_the_api_and_the_profile_page(
    make_user, login_as, client, api_headers
):
    from innocore.vocab import Position

    user = make_user()
    assert user.position is None  # accounts start (and existing ones stay) "not stated"
    headers = api_headers(user)
    r = client.patch("/api/v1/me", json={"position": "postdoc"}, headers=headers)
    assert r.status_code == 200 and r.json["position"] == "postdoc"
    assert user.position == Position.POSTDOC
    # Leaving it out changes nothing; an unknown value is a 422 naming it; null clears it.
    r = client.patch("/api/v1/me", json={"name": "Pat"}, headers=headers)
    assert r.json["position"] == "postdoc"
    bad = client.patch("/api/v1/me", json={"position": "astronaut"}, headers=headers)
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "position"
    r = client.patch("/api/v1/me", json={"position": None}, headers=headers)
    assert r.status_code == 200 and r.json["position"] is None and user.position is None

    me = login_as(user)
    page = me.get("/profile")
    assert b'<label for="position"' in page.data and b"Doctoral candidate" in page.data
    base = {"name": user.name, "timezone": "UTC", "locale": "en"}
    assert me.post("/profile", data={**base, "position": "astronaut"}).status_code == 422
    assert user.position is None
    assert me.post("/profile", data={**base, "position": "doctoral_candidate"}).status_code == 302
    assert user.position == Position.DOCTORAL_CANDIDATE
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "user.profile_updated")
        .order_by(AuditEvent.id)
    ).all()
    assert events[-1].changes["position"] == [None, "doctoral_candidate"]


@pytest.mark.parametrize("token", ["forged", ""])
def test_forged_or_missing_csrf_token_is_refused_without_writing(client, make_org, token):
    org = make_org()
    r = client.post("/register", data={**register_form(org.id), "csrf_token": token})
    assert r.status_code == 400
    assert b"did not come from this site" in r.data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_tokens_expire_in_the_database_too(db_session, make_user, clock):
    from innocore.accounts.models import TokenPurpose
    from innocore.accounts.services import _issue_token

    user = make_user()
    _issue_token(user, TokenPurpose.VERIFY_EMAIL, hours=1)
    token = db.session.scalar(sa.select(AccountToken))
    assert token.expires_at - token.created_at == timedelta(hours=1)
    assert len(token.token_hash) == 64  # only the SHA-256 is stored
