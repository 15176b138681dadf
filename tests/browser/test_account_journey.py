"""Register, confirm the e-mail from the real SMTP server, sign in, see the dashboard: on a phone."""

import re

import pytest
from playwright.sync_api import expect

from innocore import clock
from innocore.accounts.models import Organisation
from innocore.extensions import db
from innocore.notifications.services import deliver_due
from innocore.vocab import OrganisationKind
from tests.support.mail import SMTPServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_register_verify_sign_in_and_see_dashboard(live_server, phone, smtp_server):
    with live_server.app.app_context():
        db.session.add(
            Organisation(
                name="University of Valmonte",
                kind=OrganisationKind.UNIVERSITY,
                country="IT",
                created_at=clock.now(),
            )
        )
        db.session.commit()
    page = phone
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Create an account").first.click()
    page.get_by_label("Full name", exact=True).fill("Paula Student")
    page.get_by_label("E-mail", exact=True).fill("paula@valmonte.example")
    page.get_by_label("Organisation", exact=True).select_option(label="University of Valmonte (IT)")
    assert (
        page.get_by_label("Time zone", exact=True).input_value() == "UTC"
    )  # chromium runs in UTC here
    page.get_by_label("Password (at least 10 characters)", exact=True).fill(
        "a long enough passphrase"
    )
    page.get_by_label("Repeat password", exact=True).fill("a long enough passphrase")
    page.get_by_role("button", name="Create account").click()
    assert "We sent you an e-mail" in page.locator(".flashes").inner_text()

    # Signing in before confirming is refused with a way to resend the link.
    page.get_by_label("E-mail", exact=True).fill("paula@valmonte.example")
    page.get_by_label("Password", exact=True).fill("a long enough passphrase")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("body")).to_contain_text("confirm your e-mail address first")

    with live_server.app.app_context():
        deliver_due()
    [mail] = smtp_server.to("paula@valmonte.example")
    link = re.search(r"(http://127\.0\.0\.1:\d+/verify/\S+)", SMTPServer.text(mail)).group(1)
    page.goto(link)
    assert "Your e-mail address is confirmed" in page.locator(".flashes").inner_text()

    page.get_by_label("E-mail", exact=True).fill("paula@valmonte.example")
    page.get_by_label("Password", exact=True).fill("a long enough passphrase")
    page.get_by_label("Password", exact=True).press("Enter")  # keyboard only
    page.wait_for_url("**/dashboard")
    assert page.get_by_role("heading", level=1).inner_text() == "Hello, Paula Student"

    # The menu is collapsed on a phone and opens by keyboard too.
    menu = page.get_by_role("button", name="Menu", exact=True)
    expect(menu).to_be_visible()
    menu.focus()
    page.keyboard.press("Enter")
    assert menu.get_attribute("aria-expanded") == "true"
    user_menu = page.locator("#site-nav .menu-end .menu-button")
    user_menu.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Notifications")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_skip_link_and_visible_focus(live_server, phone):
    page = phone
    page.goto(live_server.url + "/login")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_sign_in_with_the_institutions_account_through_each_protocol(
    live_server, desktop, oidc_provider, saml_idp
):
    """One university signs its members in with OpenID Connect, another with SAML 2.0 (set up as
    a network administrator would: tests/kernel/test_sso.py drives that page); each member signs
    in at their institution and lands on the dashboard with a new, verified account."""
    from innocore.sso import services
    from innocore.sso.models import SsoProtocol
    from tests.support.browser import audit_context, not_ours

    with live_server.app.app_context():
        oidc_org, saml_org = (_university(name) for name in ("OIDC University", "SAML Polytechnic"))
        services.save_connection(
            _admin(oidc_org),
            oidc_org.id,
            services.ConnectionData(
                protocol=SsoProtocol.OIDC,
                issuer=oidc_provider,
                client_id="innocore",
                client_secret="s3cret",
                affiliation_claim="eduperson_scoped_affiliation",
                affiliations="staff,member",
            ),
        )
        services.save_connection(
            _admin(oidc_org),
            saml_org.id,
            services.ConnectionData(
                protocol=SsoProtocol.SAML,
                issuer=saml_idp.entity_id,
                idp_metadata=saml_idp.metadata,
                email_claim="mail",
                name_claim="displayName",
                affiliation_claim="eduPersonScopedAffiliation",
                affiliations="staff,member",
            ),
        )
        db.session.commit()
    page = desktop
    audit_context(page.context)
    not_ours(oidc_provider)  # the institutions' pages are theirs; InnoCore's are audited
    not_ours(saml_idp.url)

    page.goto(live_server.url + "/login")
    page.get_by_role("link", name="Sign in with OIDC University").click()
    page.get_by_role("button", name="ada-1").click()  # the provider's own sign-in page
    page.wait_for_url("**/dashboard")
    assert page.get_by_role("heading", level=1).inner_text() == "Hello, Ada Lovelace"
    page.locator("#site-nav .menu-end .menu-button").click()  # the user menu
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="End session").click()  # the provider's own sign-out page
    page.wait_for_url("**/login")
    expect(page.get_by_text("You are signed out, here and at OIDC University.")).to_be_visible()

    page.get_by_role("link", name="Sign in with SAML Polytechnic").click()
    page.get_by_label("Person").select_option("bea")
    page.get_by_role("button", name="Sign in at the IdP").click()  # then the IdP's auto-post
    page.wait_for_url("**/dashboard")
    assert page.get_by_role("heading", level=1).inner_text() == "Hello, Bea Bassi"
    page.locator("#site-nav .menu-end .menu-button").click()
    page.get_by_role("button", name="Sign out").click()  # through the IdP's single logout
    page.wait_for_url("**/login")
    expect(page.get_by_text("You are signed out, here and at SAML Polytechnic.")).to_be_visible()


def _university(name: str) -> Organisation:
    org = Organisation(
        name=name, kind=OrganisationKind.UNIVERSITY, country="IT", created_at=clock.now()
    )
    db.session.add(org)
    db.session.flush()
    return org


def _admin(organisation: Organisation):
    from innocore.accounts.models import User

    admin = User.query.filter_by(email="root@net.example").one_or_none()
    if admin is None:
        admin = User(
            email="root@net.example",
            name="Net Admin",
            is_network_admin=True,
            password_hash="x",
            created_at=clock.now(),
            organisation=organisation,
        )
        db.session.add(admin)
        db.session.flush()
    return admin
