"""Mobility in booking: a person of another institution of the network books and is charged at
the facility's network mobility rate; the facility sees the cross-institution use in its list."""

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from innocore import clock as clock_module
from instruments.mobility import rules
from tests.instruments.charges.conftest import make_booking  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("db_session")
RATES = {"internal": 20, "external_academic": 60, "industry": 120}


@pytest.mark.parametrize(
    ("user_org", "facility_inst", "network", "mobile"),
    [(2, 1, {1, 2}, True), (1, 1, {1, 2}, False), (3, 1, {1, 2}, False)],
)
def test_is_network_mobile(user_org, facility_inst, network, mobile):
    assert rules.is_network_mobile(user_org, facility_inst, network) is mobile


@pytest.mark.parametrize(
    ("internal", "external", "share", "expected"),
    [
        ("20", "60", 0, "20.00"),
        ("20", "60", 25, "30.00"),
        ("20", "60", 100, "60.00"),
        ("10", "15", 33, "11.65"),
        (None, "60", 50, "60"),
    ],
)
def test_mobility_rate(internal, external, share, expected):
    rate = rules.mobility_rate(Decimal(internal) if internal else None, Decimal(external), share)
    assert rate == Decimal(expected)


@pytest.mark.parametrize(
    ("share", "ok"),
    [(0, True), (100, True), (101, False), (-1, False), ("50", False), (True, False)],
)
def test_share_problems(share, ok):
    assert (rules.share_problems(share) == []) is ok


@pytest.fixture
def lab(make_instrument, make_facility, make_org, make_user, grant):
    """Facility F (institution A) with rates; institution B hosts another facility of the network;
    institution C hosts none."""
    facility = make_facility(name="Imaging Core")
    make_facility(name="Partner Core", institution=make_org(name="Partner University"))
    from innocore.extensions import db
    from innocore.facilities.models import Facility

    partner = db.session.scalar(sa.select(Facility).where(Facility.name == "Partner Core"))
    manager, staff = make_user(), make_user()
    grant(manager, facility, "manager")
    grant(staff, facility, "staff")
    return {
        "facility": facility,
        "instrument": make_instrument(facility=facility, rates=RATES, name="Confocal M"),
        "mobile": make_user(organisation=partner.institution, name="Mia Mobile"),
        "outsider": make_user(organisation=make_org(name="Elsewhere University")),
        "internal": make_user(organisation=facility.institution),
        "manager": manager,
        "staff": staff,
    }


def _book(client, headers, instrument, day):
    start = (clock_module.now() + timedelta(days=day)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    response = client.post(
        "/api/v1/bookings",
        json={
            "instrument_id": instrument.id,
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(),
        },
        headers=headers,
    )
    assert response.status_code == 201, response.json
    return response.json


def test_the_mobility_rate_applies_to_network_members_only(client, api_headers, lab):
    instrument = lab["instrument"]
    before = _book(client, api_headers(lab["mobile"]), instrument, 2)
    assert before["price"] == "120.00"  # no mobility rate yet: external academic
    response = client.put(
        f"/api/v1/facilities/{lab['facility'].id}/mobility",
        json={"share_percent": 25},
        headers=api_headers(lab["manager"]),
    )
    assert response.status_code == 200 and response.json["share_percent"] == 25
    prices = {
        who: _book(client, api_headers(lab[who]), instrument, day)["price"]
        for day, who in enumerate(("mobile", "outsider", "internal"), 3)
    }
    assert prices == {"mobile": "60.00", "outsider": "120.00", "internal": "40.00"}


def test_the_charge_uses_the_mobility_rate(db_session, lab, make_booking):  # noqa: F811
    from innocore.ledger.models import Charge
    from instruments.charging import charge_finished_bookings
    from instruments.mobility import services

    services.set_share(lab["manager"], lab["facility"], 50)
    make_booking(lab["instrument"], lab["mobile"], hours=2)
    assert charge_finished_bookings() == 1
    (charge,) = db_session.scalars(sa.select(Charge)).all()
    assert charge.rate == Decimal("40.00") and charge.amount == Decimal("80.00")
    assert "network mobility rate" in charge.description


def test_the_facility_sees_cross_institution_use(client, api_headers, login_as, lab):
    _book(client, api_headers(lab["mobile"]), lab["instrument"], 2)
    _book(client, api_headers(lab["internal"]), lab["instrument"], 3)
    _book(client, api_headers(lab["outsider"]), lab["instrument"], 4)
    usage = client.get(
        f"/api/v1/facilities/{lab['facility'].id}/mobility", headers=api_headers(lab["staff"])
    ).json["usage"]
    assert [(u["person"], u["institution"]) for u in usage] == [
        ("Mia Mobile", "Partner University")
    ]
    refused = client.put(
        f"/api/v1/facilities/{lab['facility'].id}/mobility",
        json={"share_percent": 10},
        headers=api_headers(lab["staff"]),
    )
    assert refused.status_code == 403
    login_as(lab["manager"])
    page = client.get(f"/instruments/mobility/{lab['facility'].slug}")
    assert (
        page.status_code == 200 and "Mia Mobile" in page.text and "Partner University" in page.text
    )
    assert (
        client.post(
            f"/instruments/mobility/{lab['facility'].slug}/rate", data={"share_percent": "40"}
        ).status_code
        == 302
    )
    bad = client.post(
        f"/instruments/mobility/{lab['facility'].slug}/rate", data={"share_percent": "140"}
    )
    assert bad.status_code == 422 and "from 0 to 100" in bad.text


def test_the_facility_page_links_staff_to_mobility_and_recognition(client, login_as, lab):
    slug = lab["facility"].slug
    login_as(lab["manager"])
    page = client.get(f"/facilities/{slug}")
    assert (
        f"/instruments/mobility/{slug}" in page.text
        and f"/recognition/facility/{slug}" in page.text
    )
    login_as(lab["mobile"])
    page = client.get(f"/facilities/{slug}")
    assert page.status_code == 200 and f"/instruments/mobility/{slug}" not in page.text
