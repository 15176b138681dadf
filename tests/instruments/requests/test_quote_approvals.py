"""An accepted quote above its account's approval threshold waits for the account's owner (issue
14 part 2): nothing is charged and the facility does not start work until they approve.

The quote is 12 samples at 50 EUR (600 EUR); the company PO's threshold is 500 EUR (it waits)
or 1000 EUR (it does not).
"""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from innocore.errors import DomainError, NotFound
from innocore.extensions import db
from innocore.ledger.accounts import AccountInput, AccountKind, create_account
from innocore.ledger.approvals import AccountApproval, decide, pending_approvals
from innocore.ledger.models import Charge
from innocore.notifications.models import Notification
from instruments.requests import services
from instruments.requests.models import QuoteStatus, RequestStatus

API = "/api/v1/billing-accounts/approvals"


@pytest.fixture
def accepted(db_session, world, submit, quote, clock):
    def make(threshold="500"):
        po = create_account(
            world["a_admin"],
            AccountInput(
                AccountKind.PURCHASE_ORDER,
                "PO-77",
                "Proteomics PO",
                date(2026, 1, 1),
                approval_threshold=Decimal(threshold),
                company=True,
            ),
        )
        db_session.commit()
        request = submit(world["a_sci"], world["x"], world["service"], account_id=po.id)
        q = quote(world["x_staff"], request, today=clock.now.date())
        services.accept_quote(world["a_sci"], request.id, q.id)
        db_session.commit()
        return request, q, po

    return make


def _charges(quote_id):
    return db.session.scalars(sa.select(Charge).where(Charge.source_key == f"quote:{quote_id}"))


def _mail(user, part):
    return db.session.scalars(
        sa.select(Notification)
        .where(Notification.user_id == user.id, Notification.subject.contains(part))
        .order_by(Notification.id)
    ).all()


def test_under_the_threshold_the_quote_is_charged_at_once(accepted, world):
    request, q, _ = accepted(threshold="1000")
    assert q.account_approval is None and len(_charges(q.id).all()) == 1
    assert pending_approvals(world["a_admin"]) == []


def test_above_it_nothing_is_charged_nor_started_until_the_owner_approves(accepted, world):
    request, q, po = accepted()
    assert (q.status, q.account_approval) == (QuoteStatus.ACCEPTED, AccountApproval.AWAITING)
    assert request.status == RequestStatus.ACCEPTED and _charges(q.id).all() == []
    asked = db.session.scalar(
        sa.select(Notification).where(
            Notification.dedupe_key == f"quote-approval-{q.id}-{world['a_admin'].id}"
        )
    )
    assert asked is not None and "600.00" in asked.body_text
    told = _mail(world["a_sci"], "Quote accepted")
    assert told and "awaiting the account owner's approval" in told[0].body_text
    with pytest.raises(DomainError) as err:
        services.start_work(world["x_staff"], request.id)
    assert err.value.problems[0].code == "awaits_account_owner"
    assert [(i.kind, i.id) for i in pending_approvals(world["a_admin"])] == [("quote", q.id)]
    with pytest.raises(NotFound):
        decide(world["b_admin"], "quote", q.id, True)  # another company's admin
    with pytest.raises(NotFound):
        decide(world["a_sci"], "quote", q.id, True)  # the requester is no approver
    decide(world["a_admin"], "quote", q.id, True)
    assert q.account_approval == AccountApproval.APPROVED
    assert [c.amount for c in _charges(q.id)] == [Decimal("600.00")]
    assert _mail(world["a_sci"], "Quote approved for its account")
    services.start_work(world["x_staff"], request.id)
    assert request.status == RequestStatus.IN_PROGRESS
    with pytest.raises(DomainError) as err:
        decide(world["a_admin"], "quote", q.id, False, "Too late")
    assert err.value.status == 409


def test_the_owner_refuses_the_request_is_declined_and_nothing_charged(accepted, world):
    request, q, _ = accepted()
    with pytest.raises(DomainError) as err:
        decide(world["a_admin"], "quote", q.id, False, "")
    assert err.value.problems[0].code == "reason_required"
    decide(world["a_admin"], "quote", q.id, False, "Over this year's budget")
    assert (q.status, q.account_approval) == (QuoteStatus.DECLINED, AccountApproval.REFUSED)
    assert request.status == RequestStatus.DECLINED and _charges(q.id).all() == []
    told = _mail(world["a_sci"], "Quote refused for its account")
    assert told and "Over this year's budget" in told[0].body_text


def test_an_approver_accepting_needs_no_one_else(db_session, world, submit, quote, clock):
    po = create_account(
        world["a_admin"],
        AccountInput(
            AccountKind.PURCHASE_ORDER,
            "PO-9",
            "PO",
            date(2026, 1, 1),
            approval_threshold=Decimal("1"),
            company=True,
        ),
    )
    request = submit(world["a_sci"], world["x"], world["service"], account_id=po.id)
    q = quote(world["x_staff"], request, today=clock.now.date())
    services.accept_quote(world["a_admin"], request.id, q.id)
    assert q.account_approval == AccountApproval.APPROVED and len(_charges(q.id).all()) == 1


def test_pages_and_api(accepted, world, client, login_as, api_headers):
    request, q, _ = accepted()
    api = client.application.test_client()
    shown = api.get(f"/api/v1/requests/{request.id}", headers=api_headers(world["a_sci"]))
    assert shown.status_code == 200
    assert [x["account_approval"] for x in shown.json["quotes"]] == ["awaiting"]
    page = login_as(world["a_sci"]).get(f"/requests/{request.id}")
    assert b"Awaits the account owner" in page.data
    listed = api.get(API, headers=api_headers(world["a_admin"]))
    assert [(i["kind"], i["id"], i["amount"]) for i in listed.json["items"]] == [
        ("quote", q.id, "600.00")
    ]
    stranger = api.post(f"{API}/quote/{q.id}/approve", headers=api_headers(world["b_admin"]))
    assert stranger.status_code == 404
    inbox = login_as(world["a_admin"]).get("/billing-accounts/approvals")
    assert inbox.status_code == 200 and b"Accepted quote" in inbox.data
    done = api.post(f"{API}/quote/{q.id}/approve", headers=api_headers(world["a_admin"]))
    assert done.status_code == 200, done.json
    assert (done.json["status"], done.json["account_approval"]) == ("accepted", "approved")
