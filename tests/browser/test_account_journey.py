"""Register, confirm the e-mail from the real SMTP server, sign in, see the dashboard: on a phone."""

import re

import pytest

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
    assert "confirm your e-mail address first" in page.content()

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
    assert menu.is_visible()
    menu.focus()
    page.keyboard.press("Enter")
    assert menu.get_attribute("aria-expanded") == "true"
    user_menu = page.locator("#site-nav .menu-end .menu-button")
    user_menu.focus()
    page.keyboard.press("Enter")
    assert page.get_by_role("link", name="Notifications").is_visible()
    assert page.get_by_role("button", name="Sign out").is_visible()


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
    """A network administrator sets up OpenID Connect for one university and SAML 2.0 for
    another (through the pages); their members sign in at their institution and land on the
    dashboard with a new, verified account."""
    from innocore.accounts.models import User

    with live_server.app.app_context():
        for name in ("OIDC University", "SAML Polytechnic"):
            db.session.add(Organisation(name=name, kind=OrganisationKind.UNIVERSITY, country="IT",
                                        created_at=clock.now()))  # fmt: skip
        db.session.flush()
        home = Organisation.query.filter_by(name="OIDC University").one()
        db.session.add(User(email="root@net.example", name="Net Admin", is_network_admin=True,
                            password_hash=_hash("a long enough passphrase"), created_at=clock.now(),
                            email_verified_at=clock.now(), organisation=home))  # fmt: skip
        db.session.commit()
        oidc_org, saml_org = (Organisation.query.filter_by(name=n).one().id
                              for n in ("OIDC University", "SAML Polytechnic"))  # fmt: skip
    page = desktop
    from tests.support.browser import not_ours, sign_in

    not_ours(oidc_provider)  # the institutions' pages are theirs; InnoCore's are audited
    not_ours(saml_idp.url)
    sign_in(page, live_server.url, "root@net.example", "a long enough passphrase")
    _configure(
        page, live_server.url, oidc_org, "OpenID Connect", oidc_provider, client_id="innocore"
    )
    _configure(page, live_server.url, saml_org, "SAML 2.0", saml_idp.entity_id,
               metadata=saml_idp.metadata)  # fmt: skip
    page.get_by_role("button", name="Sign out").click()

    page.goto(live_server.url + "/login")
    page.get_by_role("link", name="Sign in with OIDC University").click()
    page.get_by_role("button", name="ada-1").click()  # the provider's own sign-in page
    page.wait_for_url("**/dashboard")
    assert page.get_by_role("heading", level=1).inner_text() == "Hello, Ada Lovelace"
    page.get_by_role("button", name="Sign out").click()

    page.goto(live_server.url + "/login")
    page.get_by_role("link", name="Sign in with SAML Polytechnic").click()
    page.get_by_label("Person").select_option("ada")
    page.get_by_role("button", name="Sign in at the IdP").click()  # then the IdP's auto-post
    page.wait_for_url("**/dashboard")
    assert page.get_by_role("heading", level=1).inner_text() == "Hello, Ada Lovelace"


def _hash(password: str) -> str:
    from tests.support.appconfig import password_hash

    return password_hash(password)


def _configure(page, base, org_id, protocol, issuer, client_id="", metadata=""):
    page.goto(f"{base}/sso/organisations/{org_id}")
    page.get_by_label("Protocol").select_option(label=protocol)
    page.get_by_label("Issuer (OpenID Connect) or IdP entity id (SAML)").fill(issuer)
    if client_id:
        page.get_by_label("Client id (OpenID Connect)").fill(client_id)
        page.get_by_label(
            "Client secret (OpenID Connect; leave empty to keep the stored one)"
        ).fill("s3cret")
    if metadata:
        page.get_by_label("IdP metadata XML (SAML)").fill(metadata)
    page.get_by_label("Affiliations that count as membership", exact=False).fill("staff,member")
    page.get_by_label("Affiliation claim", exact=False).fill(
        "eduPersonScopedAffiliation" if metadata else "eduperson_scoped_affiliation"
    )
    if metadata:
        page.get_by_label("E-mail claim").fill("mail")
        page.get_by_label("Name claim").fill("displayName")
    page.get_by_role("button", name="Save").click()
    assert "Institutional sign-in saved." in page.locator(".flashes").inner_text()
