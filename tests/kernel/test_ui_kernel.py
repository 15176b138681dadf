"""The kernel's shared UI: navigation by role, one status vocabulary, one money format, the
design system's contrast, and the audit trail in words (issue 13)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from innocore import audit
from innocore.audit_text import readable
from innocore.status import describe
from innocore.template_helpers import money, nav_menus, register_nav

CSS = Path(__file__).resolve().parents[2] / "innocore" / "static" / "css" / "innocore.css"


def menus_html(page: str) -> dict[str, list[str]]:
    """{menu: [link labels]} of the main navigation of a page."""
    out = {}
    for group, body in re.findall(
        r'class="menu-button"[^>]*aria-controls="menu-[^"]+">([^<]+)</button>\s*'
        r'<ul class="menu-list"[^>]*>(.*?)</ul>',
        page,
        re.S,
    ):
        out[group.strip()] = re.findall(r"<a [^>]*>([^<]+)</a>", body)
    return out


def test_a_company_admin_reaches_people_requests_charges_and_statements_from_the_menu(
    client, login_as, make_user, make_org
):
    from innocore.vocab import OrganisationKind, OrgRole

    company = make_org(kind=OrganisationKind.COMPANY)
    admin = make_user(organisation=company, org_role=OrgRole.ADMIN)
    menus = menus_html(login_as(admin).get("/dashboard").get_data(as_text=True))
    assert {"People", "Requests", "Charges", "Statements"} <= set(menus["Company"])
    assert {"Profile", "Notifications", "API tokens"} <= set(menus[admin.name])
    dashboard = client.get("/dashboard").get_data(as_text=True)
    for href in ("/company/", "/requests/company", "/charges/company/bookings", "/charges/company"):
        assert f'href="{href}"' in dashboard  # one click from the dashboard too


def test_menus_follow_the_role(client, login_as, make_user):
    anonymous = menus_html(client.get("/").get_data(as_text=True))
    assert list(anonymous) == ["Book", "Learn", "Network"]
    student = menus_html(login_as(make_user()).get("/dashboard").get_data(as_text=True))
    assert "Company" not in student
    assert not {"Approvals", "Audit trail", "Request inbox"} & set(student.get("Manage", []))
    assert "My bookings" in student["Book"] and "My certificates" in student["Learn"]
    admin = menus_html(
        login_as(make_user(is_network_admin=True)).get("/dashboard").get_data(as_text=True)
    )
    assert "Audit trail" in admin["Manage"] and "Network revenue" in admin["Network"]
    assert "Trusted issuers" in admin["Network"] and "Trusted issuers" not in student["Network"]
    assert {"My charges", "Billing accounts"} <= set(student["Book"])
    assert "Research groups" in student["Network"]


def test_pages_declare_our_icon_and_favicon_ico_answers_it(client):
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/static/img/icon.svg" type="image/svg+xml">' in page
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.data == client.get("/static/img/icon.svg").data and b"<svg" in icon.data


# Parameterless GET pages outside the navigation menus: where a person finds each, or why none.
OFF_MENU = {
    "core.home": ("base.html", "the brand link on every page"),
    "core.dashboard": ("base.html", "the account menu"),
    "core.notifications": ("base.html", "the account menu"),
    "accounts.profile": ("base.html", "the account menu"),
    "accounts.login": ("base.html", "Sign in, for visitors"),
    "accounts.register": ("base.html", "for visitors"),
    "accounts.forgot_password": ("accounts/login.html", "from the sign-in page"),
    "core.notification_preferences": ("core/notifications.html", "from the notifications page"),
    "competences.create": ("competences/index.html", "a button on the competences list"),
    "training.new_module": ("training/catalog.html", "a button on the catalog"),
    "training.my_feed": ("training/my.html", "from My training"),
    "paths.new": ("paths/index.html", "a button on the paths list"),
    "paths.awards": ("paths/index.html", "from the paths list"),
    "pathways.new": ("pathways/index.html", "a button on the careers list"),
    "challenges.new": ("challenges/board.html", "a button on the board"),
    "placements.new": ("placements/index.html", "a button on the placements list"),
    "reports.mine": ("reports/index.html", "from Reports"),
    "reports.network": ("reports/index.html", "from Reports"),
    "requests.services_page": ("requests/directory.html", "from Services and expertise"),
    "credentials.check_credential": ("certification/verify.html", "the verify page"),
    "membership.index": ("accounts/profile.html", "from the profile, for who decides them"),
    "sso.saml_metadata": ("sso/configure.html", "XML for identity providers, not a page"),
    "sso.saml_slo": (None, "identity providers send sign-out messages through the browser"),
    "sso.signed_out": (None, "the OpenID provider sends the browser back here after sign-out"),
    "core.health": (None, "JSON for monitoring, not a page"),
    "core.favicon": (None, "the icon browsers ask for, not a page"),
    "credentials_public.extension_context": (None, "a JSON-LD context credentials cite"),
    "instruments.account_approvals": (None, "the old address of the approvals page, redirected"),
    "instruments.device_kiosk": (None, "a kiosk tablet's page, opened by its secret link"),
}


def test_every_parameterless_page_is_in_a_menu_or_linked_from_a_page(app):
    """A page nothing links to is a page nobody finds (/charges/mine was one)."""
    in_menus = {entry[1] for entry in app.extensions["innocore.nav"]}
    pages = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and not rule.arguments
        and not rule.rule.startswith("/api/")
        and rule.endpoint != "static"
    }
    assert sorted(pages - in_menus - set(OFF_MENU)) == []
    assert sorted(set(OFF_MENU) - pages) == []  # the list names no page that has gone
    for endpoint, (template, _reason) in OFF_MENU.items():
        if template is None:
            continue
        source = app.jinja_env.loader.get_source(app.jinja_env, template)[0]
        short = endpoint.split(".", 1)[1]
        assert re.search(rf"url_for\(['\"]({re.escape(endpoint)}|\.{short})['\"]", source), (
            f"{template} does not link to {endpoint}"
        )


def test_register_nav_keeps_its_three_argument_form(app):
    before = list(app.extensions["innocore.nav"])
    try:
        register_nav(app, "Elsewhere", "core.home", None)
        register_nav(app, "Grouped", "core.home", None, group="Learn")
        with app.test_request_context("/"):
            menus = dict(nav_menus(app, None))
        assert ("Elsewhere", "/") in menus["More"] and ("Grouped", "/") in menus["Learn"]
    finally:
        app.extensions["innocore.nav"] = before


@pytest.mark.parametrize(
    "amount, currency, text",
    [
        (Decimal("1234.5"), "EUR", "€1,234.50"),
        ("80", None, "€80.00"),
        (Decimal("-3"), "GBP", "−£3.00"),
        (Decimal("12"), "CHF", "CHF 12.00"),
        (None, "EUR", ""),
    ],
)
def test_every_price_carries_its_currency(amount, currency, text):
    assert money(amount, currency) == text


@pytest.mark.parametrize(
    "status, kind, words",
    [
        ("active", "certificate", ("Valid", "ok")),
        ("valid", "certificate", ("Valid", "ok")),
        ("revoked", "certificate", ("Revoked", "bad")),
        ("suspended", "certificate", ("Suspended", "warn")),
        ("in_progress", None, ("In progress", "warn")),
        ("cancelled", None, ("Cancelled", "bad")),
    ],
)
def test_one_vocabulary_of_statuses(app, status, kind, words):
    assert describe(status, kind) == words


def _tokens() -> dict[str, str]:
    root = re.search(r":root\s*{(.*?)}", CSS.read_text(), re.S).group(1)
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})", root))


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    h = "".join(c * 2 for c in h) if len(h) == 3 else h
    channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _rule(selector: str) -> dict[str, str]:
    """The declarations of the first CSS rule whose selector list holds ``selector``."""
    text = re.sub(r"/\*.*?\*/", "", CSS.read_text(), flags=re.S)
    for selectors, body in re.findall(r"([^{}]+){([^{}]*)}", text):
        if selector in [s.strip() for s in selectors.split(",")]:
            return dict(re.findall(r"([\w-]+):\s*([^;]+);?", body))
    raise AssertionError(f"no rule for {selector}")


def _colour(value: str, tokens: dict, default: str) -> str:
    value = value.strip().split()[0] if value.strip() else ""
    if value.startswith("var("):
        return tokens[value[6:-1]]
    if value in ("transparent", "none", ""):
        return default
    return {"#fff": "#ffffff"}.get(value, value)


@pytest.mark.parametrize(
    "selector",
    [
        "button",
        "button.secondary",
        "button.danger",
        "button.link",
        "button.danger:hover",
        "button.secondary:hover",
        "button.link:hover",
        "button[disabled]",
        ".status-tone-ok",
        ".status-tone-warn",
        ".status-tone-bad",
        ".status-tone-info",
        ".status-tone-neutral",
    ],
)
def test_every_button_and_badge_kind_states_readable_ink_on_its_ground(selector):
    """Once three buttons were white on white: each kind now sets both colours (or lies on
    the page ground), at a contrast of 4.5:1 at least (WCAG 2.1 AA, normal text)."""
    tokens, declared = _tokens(), _rule(selector)
    base = _rule(selector.split(".")[0].split(":")[0].split("[")[0] or selector)
    ink = _colour(declared.get("color", base.get("color", "")), tokens, "#000000")
    ground = _colour(declared.get("background", base.get("background", "")), tokens, tokens["bg"])
    assert contrast(ink, ground) >= 4.5, (selector, ink, ground)
    if ground == tokens["bg"]:  # transparent: also readable on a white card
        assert contrast(ink, "#ffffff") >= 4.5


@pytest.mark.parametrize(
    "changes, texts",
    [
        ({"user_id": [None, 8]}, [("User", None, "Ada Lovelace")]),
        ({"facility_id": [3, 99]}, [("Facility", "Imaging", "#99")]),
        (
            {"cancel_bookings": [None, False], "id": [None, 4], "note": [None, None]},
            [("Cancel bookings", None, "No")],
        ),
        ({"status": ["in_progress", "delivered"]}, [("Status", "in progress", "delivered")]),
        ({"status_changed_by_id": [None, 8]}, [("Status changed by", None, "Ada Lovelace")]),
        ({"public_id": [None, "abc"]}, [("Public id", None, "abc")]),
    ],
)
def test_audit_changes_read_as_names_and_words(changes, texts):
    names = {("user", 8): "Ada Lovelace", ("facility", 3): "Imaging"}
    columns = {"user_id": "user", "facility_id": "facility"}
    assert readable(changes, names, columns, "UTC", lambda v, z: str(v)) == texts


def test_the_audit_page_names_people_and_filters_by_who_and_day(
    client, login_as, make_user, make_facility, db_session
):
    admin = make_user(is_network_admin=True, name="Ada Admin")
    facility = make_facility()
    actor = make_user(name="Zoe Changer")
    audit.record(
        actor,
        "facility.updated",
        facility,
        {"created_by_id": [None, admin.id]},
        facility_id=facility.id,
    )
    db_session.commit()
    page = login_as(admin).get("/audit/?who=zoe").get_data(as_text=True)
    assert "Zoe Changer" in page and "Created by</strong>: set to Ada Admin" in page
    assert "created_by_id" not in page
    assert "No events match" in client.get("/audit/?who=nobody-at-all").get_data(as_text=True)
    future = client.get("/audit/?who=zoe&from=2999-01-01").get_data(as_text=True)
    assert "No events match" in future
    api = client.get(
        "/api/v1/audit", query_string={"who": "zoe", "since": "2999-01-01T00:00:00Z"}, headers={}
    )
    assert api.status_code in (200, 401)
