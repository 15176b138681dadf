"""A billing account's approval threshold (issue 14 part 2): a booking estimated above it waits
for the account owner (the group's PI), who approves or refuses it; below it, no wait.

The internal rate is 40 EUR/h and the threshold 100 EUR: 2 h (80 EUR) goes straight through,
3 h (120 EUR) waits.
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from innocore import groups
from innocore.errors import DomainError, NotFound
from innocore.extensions import db
from innocore.ledger.accounts import AccountInput, AccountKind, create_account
from innocore.notifications.models import Notification
from instruments import services
from instruments.models import AccountApproval, BookingStatus
from instruments.services import BookingInput
from instruments.services import account_approvals as decisions
from tests.instruments.conftest import WEEKDAYS_8_TO_20

ROME = ZoneInfo("Europe/Rome")


def rome(*a):
    return datetime(*a, tzinfo=ROME)


@pytest.fixture
def lab(clock, make_user, make_instrument, make_facility, grant):
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
            approval_threshold=Decimal("100"),
            group_id=group.id,
        ),
    )
    student = make_user(organisation=facility.institution)
    groups.request_to_join(student, group.id)
    groups.decide_member(pi, group.id, student.id, "approved")
    staff = make_user(organisation=facility.institution)
    grant(staff, facility, "staff")
    db.session.commit()
    return instrument, pi, account, student, staff


def _book(instrument, student, account, hours: int):
    return services.create_booking(
        student,
        instrument.id,
        BookingInput(rome(2026, 3, 3, 9), rome(2026, 3, 3, 9 + hours), account_id=account.id),
    )


def test_below_the_threshold_confirms_above_it_waits_and_the_pi_is_asked(lab):
    instrument, pi, account, student, _ = lab
    small = _book(instrument, student, account, 2)
    assert (small.status, small.account_approval) == (BookingStatus.CONFIRMED, None)
    services.cancel_booking(student, small.id)
    big = _book(instrument, student, account, 3)
    assert (big.status, big.account_approval) == (BookingStatus.PENDING, AccountApproval.AWAITING)
    asked = db.session.scalar(
        sa.select(Notification).where(
            Notification.dedupe_key == f"account-approval-{big.id}-{pi.id}"
        )
    )
    assert asked is not None and "120.00" in asked.body_text
    assert decisions.list_account_approvals(pi) == [big]
    assert decisions.list_account_approvals(student) == []


def test_pi_approves_then_it_is_confirmed_and_staff_cannot_skip_the_pi(lab):
    instrument, pi, account, student, staff = lab
    big = _book(instrument, student, account, 3)
    with pytest.raises(DomainError) as err:
        services.approve_booking(staff, big.id)
    assert err.value.problems[0].code == "awaits_account_owner"
    with pytest.raises(NotFound):
        decisions.approve_for_account(student, big.id)
    decisions.approve_for_account(pi, big.id)
    assert (big.status, big.account_approval) == (BookingStatus.CONFIRMED, AccountApproval.APPROVED)
    with pytest.raises(DomainError) as err:
        decisions.refuse_for_account(pi, big.id, "Too late")
    assert err.value.status == 409


def test_pi_refuses_with_a_reason_and_the_time_is_free_again(lab, make_user):
    instrument, pi, account, student, _ = lab
    big = _book(instrument, student, account, 3)
    with pytest.raises(DomainError) as err:
        decisions.refuse_for_account(pi, big.id, " ")
    assert err.value.problems[0].code == "reason_required"
    decisions.refuse_for_account(pi, big.id, "Use the cheaper scope")
    assert (big.status, big.account_approval) == (BookingStatus.REJECTED, AccountApproval.REFUSED)
    assert big.decision_reason == "Use the cheaper scope"
    other = make_user(organisation=instrument.facility.institution)
    again = services.create_booking(
        other, instrument.id, BookingInput(rome(2026, 3, 3, 9), rome(2026, 3, 3, 10))
    )
    assert again.status == BookingStatus.CONFIRMED


def test_pages_and_api(lab, login_as, client, api_headers):
    instrument, pi, account, student, _ = lab
    big = _book(instrument, student, account, 3)
    db.session.commit()
    listed = client.get("/api/v1/account-approvals", headers=api_headers(pi))
    assert [b["id"] for b in listed.json["items"]] == [big.id]
    assert listed.json["items"][0]["account_approval"] == "awaiting"
    stranger = client.post(
        f"/api/v1/account-approvals/{big.id}/approve", headers=api_headers(student)
    )
    assert stranger.status_code == 404
    page = login_as(pi).get("/billing-accounts/approvals")
    assert page.status_code == 200 and b"120.00" in page.data
    asks = client.post(f"/instruments/account-approvals/{big.id}/refuse", data={"reason": "No"})
    assert asks.status_code == 200 and b"Refuse this charge?" in asks.data  # confirm first
    api = client.application.test_client()  # no page session beside the token
    done = api.post(f"/api/v1/account-approvals/{big.id}/approve", headers=api_headers(pi))
    assert done.status_code == 200 and done.json["status"] == "confirmed"


def test_an_accepted_waiting_list_offer_above_the_threshold_waits_for_the_pi(lab, make_user):
    from instruments.services import waitlist

    instrument, pi, account, student, _ = lab
    holder = make_user(organisation=instrument.facility.institution)
    slot = (rome(2026, 3, 3, 9), rome(2026, 3, 3, 12))
    taken = services.create_booking(holder, instrument.id, BookingInput(*slot))
    entry = waitlist.join_waitlist(student, instrument.id, *slot, account_id=account.id)
    services.cancel_booking(holder, taken.id)
    waitlist.accept_offer(student, entry.id)
    hold = entry.hold_booking
    assert (hold.status, hold.account_approval) == (BookingStatus.PENDING, AccountApproval.AWAITING)
    assert decisions.list_account_approvals(pi) == [hold]
