"""A training fee is charged to the billing account chosen at enrolment."""

from datetime import date

import pytest
import sqlalchemy as sa

from innocore import groups
from innocore.errors import DomainError
from innocore.ledger.accounts import AccountInput, AccountKind, create_account
from innocore.ledger.models import Charge
from training.fees import charge_training_fees
from training.services import enrolment


def test_enrolment_fee_goes_to_the_chosen_group_account(
    db_session, make_session, make_user, clock, client, api_headers
):
    session = make_session()
    learner = make_user(organisation=session.facility.institution)
    pi = make_user(organisation=session.facility.institution)
    group = groups.create_group(pi, "Training lab")
    groups.request_to_join(learner, group.id)
    groups.decide_member(pi, group.id, learner.id, "approved")
    grant = create_account(
        pi, AccountInput(AccountKind.GRANT, "G-1", "Grant", date(2026, 1, 1), group_id=group.id)
    )
    db_session.commit()
    with pytest.raises(DomainError) as err:
        enrolment.enrol(learner, session.id, learner)
    assert [p.code for p in err.value.problems] == ["account_required"]
    made = client.post(
        f"/api/v1/training/sessions/{session.id}/enrolments",
        json={"account_id": grant.id},
        headers=api_headers(learner),
    )
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["account_id"] == grant.id
    clock.set(session.starts_at)
    assert charge_training_fees() == 1
    charge = db_session.scalar(sa.select(Charge).where(Charge.user_id == learner.id))
    assert charge.account_id == grant.id and charge.amount == 50
