"""A service request carries a billing account the requester may charge; the quote's charge too."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from innocore.errors import DomainError
from innocore.ledger.accounts import AccountInput, AccountKind, create_account
from innocore.ledger.models import Charge
from instruments.requests import services


def test_company_requests_charge_the_chosen_company_account(
    db_session, world, submit, quote, clock
):
    po = create_account(
        world["a_admin"],
        AccountInput(
            AccountKind.PURCHASE_ORDER, "PO-77", "Proteomics PO", date(2026, 1, 1), company=True
        ),
    )
    other = create_account(
        world["b_admin"],
        AccountInput(AccountKind.PURCHASE_ORDER, "PO-B", "B's PO", date(2026, 1, 1), company=True),
    )
    db_session.commit()
    with pytest.raises(DomainError) as err:
        submit(world["a_sci"], world["x"], world["service"])
    assert [p.code for p in err.value.problems] == ["account_required"]
    with pytest.raises(DomainError) as err:
        submit(world["a_sci"], world["x"], world["service"], account_id=other.id)
    assert [p.code for p in err.value.problems] == ["account_not_chargeable"]
    request = submit(world["a_sci"], world["x"], world["service"], account_id=po.id)
    q = quote(world["x_staff"], request, today=clock.now.date())
    services.accept_quote(world["a_admin"], request.id, q.id)
    db_session.commit()
    charge = db_session.scalar(sa.select(Charge).where(Charge.source_key == f"quote:{q.id}"))
    assert charge.account_id == po.id
    clock.advance(days=400)
    expired = create_account(
        world["a_admin"],
        AccountInput(
            AccountKind.PURCHASE_ORDER,
            "PO-OLD",
            "Old PO",
            date(2026, 1, 1),
            clock.now.date() - timedelta(days=1),
            company=True,
        ),
    )
    with pytest.raises(DomainError):
        submit(world["a_sci"], world["x"], world["service"], account_id=expired.id)
