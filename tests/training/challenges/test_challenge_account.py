"""Issue 17: a challenge's billing account. The poster chooses one of its organisation's
accounts (another organisation's is refused, nothing written); a selected team member's linked
booking is charged to it (they may charge it for that challenge only); a non-member may not; the
workspace shows the time and cost charged so far."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from innocore import clock as clock_module
from innocore.audit import AuditEvent
from innocore.errors import DomainError
from innocore.extensions import db
from innocore.ledger.accounts import (
    AccountInput,
    AccountKind,
    chargeable_accounts,
    check_account,
    create_account,
)
from innocore.ledger.models import Charge
from innocore.vocab import UserCategory
from instruments.charging import charge_finished_bookings
from instruments.models import Booking, BookingStatus, Rate
from training.challenges import services
from training.challenges.models import Challenge


def _po(owner, code: str):
    today = clock_module.now().date()
    return create_account(
        owner,
        AccountInput(
            AccountKind.PURCHASE_ORDER, code, f"PO {code}", today - timedelta(days=30), company=True
        ),
    )


def _booking(instrument, user, days_ago=1, hours=2):
    starts = clock_module.now() - timedelta(days=days_ago)
    now = clock_module.now()
    b = Booking(
        instrument=instrument,
        user=user,
        booked_by=user,
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        status=BookingStatus.CONFIRMED,
        uid=f"test-{uuid.uuid4().hex}",
        created_at=now,
        updated_at=now,
    )
    db.session.add(b)
    db.session.flush()
    return b


def _challenges() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Challenge))


def test_team_bookings_are_charged_to_the_challenge_account(
    cworld, db_session, client, api_headers, login_as, make_instrument
):
    w = cworld
    ours, theirs = _po(w["company_admin"], "HLX-1"), _po(w["rival"], "RIV-1")
    db_session.commit()
    h = api_headers(w["poster"])
    choices = client.get("/api/v1/challenges/account-choices", headers=h).json["items"]
    assert [a["id"] for a in choices] == [ours.id]  # the rival's account is not offered

    # Another organisation's account: refused on posting (page and API) and editing, nothing written.
    before = _challenges()
    body = {
        "facility_id": w["host"].id,
        "title": "Organoids",
        "summary": "Segment.",
        "team_min": 1,
        "team_max": 3,
        "account_id": theirs.id,
        "applications_close_at": (clock_module.now() + timedelta(days=9)).isoformat(),
        "starts_on": str((clock_module.now() + timedelta(days=20)).date()),
        "ends_on": str((clock_module.now() + timedelta(days=80)).date()),
    }
    r = client.post("/api/v1/challenges", json=body, headers=h)
    assert r.status_code == 422 and r.json["errors"][0]["code"] == "account_not_yours", r.json
    assert _challenges() == before
    ch = services.post_challenge(w["poster"], w["input"](account_id=ours.id))
    db_session.commit()
    try:
        services.revise_challenge(w["poster"], ch.id, w["input"](account_id=theirs.id))
        raise AssertionError("another organisation's account was accepted")
    except DomainError as err:
        assert err.problems[0].code == "account_not_yours"
    db_session.rollback()
    assert db.session.get(Challenge, ch.id).account_id == ours.id
    login_as(w["poster"])
    form = client.get(f"/challenges/{ch.id}/edit").get_data(as_text=True)
    assert "PO HLX-1" in form and "PO RIV-1" not in form
    with client.session_transaction() as sess:
        sess.clear()  # the API calls below carry tokens, not the page's session

    # A selected member charges the account for this challenge only; a non-member never.
    services.review_challenge(w["manager"], ch, publish=True)
    services.accept_nda(w["s1"], ch)
    app = services.apply(w["s1"], ch, motivation="m", team=[w["s2"].email], uploads=[])
    services.decide_application(w["poster"], app.id, "selected")
    instrument = make_instrument(w["host"])
    db.session.add_all(
        Rate(instrument_id=instrument.id, category=c, hourly=Decimal("40")) for c in UserCategory
    )
    mine, outsider = _booking(instrument, w["s1"]), _booking(instrument, w["s3"], days_ago=2)
    db_session.commit()
    day = mine.starts_at.date()
    context = ("challenge", ch.id)
    assert ours.id not in {a.id for a in chargeable_accounts(w["s1"], day)}
    assert ours.id in {a.id for a in chargeable_accounts(w["s1"], day, context)}
    assert ours.id not in {a.id for a in chargeable_accounts(w["s3"], day, context)}
    assert check_account(w["s3"], ours.id, day, context)[0].code == "account_not_chargeable"

    r = client.post(
        f"/api/v1/challenge-applications/{app.id}/bookings",
        json={"booking_id": mine.id},
        headers=api_headers(w["s1"]),
    )
    assert r.status_code == 201 and r.json["account_id"] == ours.id, r.json
    r = client.post(
        f"/api/v1/challenge-applications/{app.id}/bookings",
        json={"booking_id": outsider.id},
        headers=api_headers(w["s3"]),
    )
    assert r.status_code == 403
    assert db.session.get(Booking, outsider.id).account_id is None
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "challenge.booking_linked")
    ).one()
    assert event.changes["account_id"] == [None, ours.id]

    assert charge_finished_bookings() == 2
    charge = db.session.scalars(sa.select(Charge).where(Charge.source_id == mine.id)).one()
    assert (charge.account_id, charge.amount) == (ours.id, Decimal("80.00"))
    ws = client.get(
        f"/api/v1/challenge-applications/{app.id}/workspace", headers=api_headers(w["s2"])
    ).json
    assert ws["account_id"] == ours.id
    assert Decimal(ws["charged"]["hours"]) == 2 and Decimal(ws["charged"]["amount"]) == 80
    login_as(w["s2"])
    page = client.get(f"/challenges/applications/{app.id}/workspace").get_data(as_text=True)
    assert "Charged so far: 2 h of instrument time, EUR 80.00" in page
    assert "PO HLX-1" in page
