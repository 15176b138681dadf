"""A training fee above its account's approval threshold waits for the account's owner (issue 14
part 2): the learner keeps their seat, unconfirmed and uncharged, until the PI decides.

The internal fee is 50 EUR; the threshold is 40 EUR (the fee waits) or 60 EUR (it does not).
"""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from innocore import groups
from innocore.errors import DomainError, NotFound
from innocore.ledger.accounts import AccountInput, AccountKind, create_account
from innocore.ledger.approvals import AccountApproval, decide, pending_approvals
from innocore.ledger.models import Charge
from innocore.notifications.models import Notification
from training.fees import charge_training_fees
from training.models import EnrolmentStatus
from training.services import enrolment

API = "/api/v1/billing-accounts/approvals"


@pytest.fixture
def lab(db_session, make_session, make_user):
    def make(threshold="40", capacity=10):
        session = make_session(capacity=capacity)
        pi = make_user(organisation=session.facility.institution)
        group = groups.create_group(pi, "Training lab")
        account = create_account(
            pi,
            AccountInput(
                AccountKind.GRANT,
                "G-1",
                "Grant",
                date(2026, 1, 1),
                approval_threshold=Decimal(threshold),
                group_id=group.id,
            ),
        )
        learner = make_user(organisation=session.facility.institution)
        groups.request_to_join(learner, group.id)
        groups.decide_member(pi, group.id, learner.id, "approved")
        db_session.commit()
        return session, pi, account, learner

    return make


def _mails(user, subject_part):
    return [
        n
        for n in Notification.query.filter_by(user_id=user.id).order_by(Notification.id)
        if subject_part in n.subject
    ]


def test_under_the_threshold_the_fee_needs_no_approval(lab, clock):
    session, pi, account, learner = lab(threshold="60")
    e = enrolment.enrol(learner, session.id, learner, account.id)
    assert (e.status, e.account_approval) == (EnrolmentStatus.ENROLLED, None)
    assert e.confirmed_at is not None and pending_approvals(pi) == []
    clock.set(session.starts_at)
    assert charge_training_fees() == 1


def test_above_it_the_seat_is_held_uncharged_until_the_pi_approves(lab, clock, db_session):
    session, pi, account, learner = lab()
    e = enrolment.enrol(learner, session.id, learner, account.id)
    assert (e.status, e.account_approval) == (EnrolmentStatus.ENROLLED, AccountApproval.AWAITING)
    assert e.confirmed_at is None and enrolment.seats_held(session.id) == 1
    asked = db_session.scalar(
        sa.select(Notification).where(Notification.dedupe_key == f"fee-approval-{e.id}-{pi.id}")
    )
    assert asked is not None and "50.00" in asked.body_text
    assert _mails(learner, "Awaiting the account owner")  # and no invitation yet
    assert not _mails(learner, "Enrolled")
    assert [(i.kind, i.id) for i in pending_approvals(pi)] == [("enrolment", e.id)]
    assert pending_approvals(learner) == []
    clock.set(session.starts_at)
    assert charge_training_fees() == 0  # not while it waits
    decide(pi, "enrolment", e.id, True)
    assert (e.account_approval, e.confirmed_at is not None) == (AccountApproval.APPROVED, True)
    assert _mails(learner, "Enrolled")
    assert charge_training_fees() == 1
    charge = db_session.scalar(sa.select(Charge).where(Charge.user_id == learner.id))
    assert charge.account_id == account.id and charge.amount == 50
    with pytest.raises(DomainError) as err:
        decide(pi, "enrolment", e.id, False, "Too late")
    assert err.value.status == 409


def test_the_pi_refuses_nothing_is_charged_and_the_seat_goes_to_the_next(
    lab, clock, make_user, db_session
):
    session, pi, account, learner = lab(capacity=1)
    e = enrolment.enrol(learner, session.id, learner, account.id)
    waiting = make_user(organisation=session.facility.institution)
    queued = enrolment.enrol(waiting, session.id, waiting)
    assert queued.status == EnrolmentStatus.WAITLISTED
    with pytest.raises(NotFound):
        decide(learner, "enrolment", e.id, False, "")  # not theirs: 404 before the reason
    with pytest.raises(DomainError) as err:
        decide(pi, "enrolment", e.id, False, " ")
    assert err.value.problems[0].code == "reason_required"
    decide(pi, "enrolment", e.id, False, "Take the free webinar")
    assert (e.status, e.account_approval) == (EnrolmentStatus.CANCELLED, AccountApproval.REFUSED)
    assert queued.status == EnrolmentStatus.OFFERED
    told = _mails(learner, "Fee refused")
    assert told and "Take the free webinar" in told[0].body_text
    clock.set(session.starts_at)
    assert charge_training_fees() == 0


def test_an_approver_enrolling_someone_needs_no_one_else(lab, make_user, db_session):
    session, pi, account, learner = lab()
    e = enrolment.enrol(pi, session.id, pi, account.id)
    assert e.account_approval == AccountApproval.APPROVED and e.confirmed_at is not None


def test_pages_and_api(lab, client, login_as, api_headers):
    session, pi, account, learner = lab()
    made = client.post(
        f"/api/v1/training/sessions/{session.id}/enrolments",
        json={"account_id": account.id},
        headers=api_headers(learner),
    )
    assert made.status_code == 201 and made.get_json()["account_approval"] == "awaiting"
    eid = made.get_json()["id"]
    mine = login_as(learner).get("/training/my")
    assert b"Awaits the account owner" in mine.data
    roster = login_as(session.trainers[0]).get(f"/training/sessions/{session.id}")
    assert b"Awaits the account owner" in roster.data  # the trainer sees it is not confirmed
    api = client.application.test_client()  # no page session beside the token
    listed = api.get("/api/v1/billing-accounts/approvals", headers=api_headers(pi))
    assert listed.status_code == 200, listed.json
    assert [(i["kind"], i["id"], i["amount"]) for i in listed.json["items"]] == [
        ("enrolment", eid, "50.00")
    ]
    stranger = api.post(f"{API}/enrolment/{eid}/approve", headers=api_headers(learner))
    assert stranger.status_code == 404
    unknown = api.post(f"{API}/nothing/{eid}/approve", headers=api_headers(pi))
    assert unknown.status_code == 404
    page = login_as(pi).get("/billing-accounts/approvals")
    assert page.status_code == 200 and b"50.00" in page.data and b"Training fee" in page.data
    asks = client.post(f"/billing-accounts/approvals/enrolment/{eid}/refuse", data={"reason": "No"})
    assert asks.status_code == 200 and b"Refuse this charge?" in asks.data
    done = client.post(
        f"/billing-accounts/approvals/enrolment/{eid}/refuse",
        data={"reason": "No", "confirmed": "1"},
    )
    assert done.status_code == 302
    again = api.post(
        f"{API}/enrolment/{eid}/refuse", json={"reason": "No"}, headers=api_headers(pi)
    )
    assert again.status_code == 409
