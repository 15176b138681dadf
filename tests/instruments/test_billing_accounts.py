"""A booking carries a billing account its user may charge; charges, statements and the PI's view
follow the account."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from innocore import groups
from innocore.errors import DomainError
from innocore.extensions import db
from innocore.ledger.accounts import AccountInput, AccountKind, create_account, group_usage
from instruments import services
from instruments.services import BookingInput
from tests.instruments.conftest import WEEKDAYS_8_TO_20

ROME = ZoneInfo("Europe/Rome")


def rome(*a):
    return datetime(*a, tzinfo=ROME)


@pytest.fixture
def lab(clock, make_user, make_instrument, make_facility):
    facility = make_facility()
    instrument = make_instrument(
        facility=facility, opening=WEEKDAYS_8_TO_20, slot_minutes=30, rates={"internal": "40"}
    )
    pi = make_user(organisation=facility.institution)
    group = groups.create_group(pi, "Imaging lab")
    account = create_account(
        pi,
        AccountInput(
            AccountKind.GRANT,
            "PRIN-9",
            "PRIN grant",
            date(2026, 1, 1),
            budget=Decimal("500"),
            group_id=group.id,
        ),
    )
    student = make_user(organisation=facility.institution)
    groups.request_to_join(student, group.id)
    groups.decide_member(pi, group.id, student.id, "approved")
    db.session.commit()  # a savepoint: a view's rollback keeps it
    return instrument, pi, group, account, student


def test_booking_needs_a_chargeable_account_and_the_charge_carries_it(lab, make_user, clock):
    from instruments.charging import charge_finished_bookings

    instrument, pi, group, account, student = lab
    slot = (rome(2026, 3, 3, 9), rome(2026, 3, 3, 11))
    with pytest.raises(DomainError) as err:
        services.create_booking(student, instrument.id, BookingInput(*slot))
    assert [p.code for p in err.value.problems] == ["account_required"]
    stranger = make_user(organisation=instrument.facility.institution)
    with pytest.raises(DomainError) as err:
        services.create_booking(stranger, instrument.id, BookingInput(*slot, account_id=account.id))
    assert [p.code for p in err.value.problems] == ["account_not_chargeable"]
    booking = services.create_booking(
        student, instrument.id, BookingInput(*slot, account_id=account.id)
    )
    assert booking.account_id == account.id
    clock.set(rome(2026, 3, 3, 12))
    assert charge_finished_bookings() == 1
    usage = group_usage(pi, group.id)
    assert usage["accounts"] == [(account, Decimal("80.00"))]
    [(user_id, _, hours, spent)] = usage["members"]
    assert user_id == student.id and hours == Decimal("2") and spent == Decimal("80.00")


def test_account_statement_and_booking_api(lab, client, api_headers, clock):
    from instruments.charging import charge_finished_bookings

    instrument, pi, group, account, student = lab
    made = client.post(
        "/api/v1/bookings",
        headers=api_headers(student),
        json={
            "instrument_id": instrument.id,
            "starts_at": rome(2026, 3, 4, 9).isoformat(),
            "ends_at": rome(2026, 3, 4, 10).isoformat(),
            "account_id": account.id,
        },
    )
    assert made.status_code == 201 and made.get_json()["account_id"] == account.id
    clock.set(rome(2026, 3, 4, 11))
    charge_finished_bookings()
    statement = client.get(
        f"/api/v1/billing-accounts/{account.id}/charges", headers=api_headers(pi)
    ).get_json()
    assert [c["amount"] for c in statement["items"]] == ["40.00"]
    refused = client.get(
        f"/api/v1/billing-accounts/{account.id}/charges", headers=api_headers(student)
    )
    assert refused.status_code == 403
    usage = client.get(f"/api/v1/groups/{group.id}/usage", headers=api_headers(pi)).get_json()
    assert usage["accounts"][0]["spent"] == "40.00"
    april = client.get(
        f"/api/v1/groups/{group.id}/usage?from=2026-04&to=2026-12", headers=api_headers(pi)
    ).get_json()
    assert april["accounts"][0]["spent"] == "0" and april["members"] == []
    march = client.get(
        f"/api/v1/groups/{group.id}/usage?from=2026-03&to=2026-03", headers=api_headers(pi)
    ).get_json()
    assert march["members"][0]["spent"] == "40.00"
    bad = client.get(f"/api/v1/groups/{group.id}/usage?from=2026-13", headers=api_headers(pi))
    assert bad.status_code == 400
