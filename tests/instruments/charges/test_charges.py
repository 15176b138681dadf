"""Charges from bookings, training fees and quotes: shares, frozen rates, idempotent jobs."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from innocore.errors import DomainError
from innocore.ledger import rules
from innocore.ledger.models import Charge, ChargeSource
from innocore.ledger.services import update_policy
from innocore.vocab import OrganisationKind
from instruments.charging import charge_finished_bookings
from instruments.models import Rate
from tests.training.conftest import make_module, make_session  # noqa: F401  (fixtures)

RATES = {"internal": 10, "external_academic": 40, "industry": 100}


def _charges(db_session):
    return db_session.scalars(sa.select(Charge).order_by(Charge.id)).all()


@pytest.fixture
def lab(make_instrument, make_facility, make_org, make_user, db_session):
    facility = make_facility(timezone="Europe/Rome")
    instrument = make_instrument(facility=facility, rates=RATES)
    company = make_org(kind=OrganisationKind.COMPANY)
    db_session.commit()
    return {
        "facility": facility,
        "instrument": instrument,
        "industry": make_user(organisation=company),
        "internal": make_user(organisation=facility.institution),
        "academic": make_user(),
        "manager": make_user(is_network_admin=True),
    }


@pytest.mark.parametrize(
    ("who", "amount"), [("internal", "20.00"), ("academic", "80.00"), ("industry", "200.00")]
)
def test_finished_booking_is_charged_once_at_the_category_rate(
    db_session, lab, make_booking, who, amount
):
    make_booking(lab["instrument"], lab[who], hours=2)
    assert charge_finished_bookings() == 1
    assert charge_finished_bookings() == 0  # re-running charges nothing twice
    (charge,) = _charges(db_session)
    assert charge.amount == Decimal(amount) and charge.category.value == who.replace(
        "academic", "external_academic"
    )
    assert charge.source == ChargeSource.BOOKING and charge.quantity == Decimal("2.00")


def test_the_rate_is_frozen_on_the_charge(db_session, lab, make_booking):
    make_booking(lab["instrument"], lab["industry"], hours=1)
    charge_finished_bookings()
    rate = db_session.get(Rate, (lab["instrument"].id, "industry"))
    rate.hourly = Decimal("999")
    db_session.commit()
    (charge,) = _charges(db_session)
    assert charge.rate == Decimal("100.00") and charge.amount == Decimal("100.00")


def test_future_running_pending_and_training_bookings_are_not_charged(
    db_session, lab, make_booking, clock
):
    make_booking(lab["instrument"], lab["industry"], starts_at=clock.now + timedelta(hours=1))
    make_booking(lab["instrument"], lab["industry"], starts_at=clock.now - timedelta(hours=1))
    make_booking(
        lab["instrument"],
        lab["industry"],
        status="pending",
        starts_at=clock.now - timedelta(days=3),
    )
    make_booking(
        lab["instrument"],
        lab["industry"],
        for_training=True,
        starts_at=clock.now - timedelta(days=4),
    )
    make_booking(
        lab["instrument"],
        lab["industry"],
        status="cancelled",
        starts_at=clock.now - timedelta(days=5),
    )
    assert charge_finished_bookings() == 0


def test_no_show_and_late_cancellation_shares_follow_the_facility_policy(
    db_session, lab, make_booking, clock
):
    ago = clock.now - timedelta(days=2)
    no_show = make_booking(lab["instrument"], lab["industry"], status="no_show", starts_at=ago)
    late = make_booking(
        lab["instrument"],
        lab["industry"],
        status="cancelled",
        cancelled_late=True,
        starts_at=ago - timedelta(days=1),
    )
    assert charge_finished_bookings() == 1  # defaults: full no-show, free late cancellation
    update_policy(
        lab["manager"],
        lab["facility"],
        currency="CHF",
        late_cancel_share=Decimal("0.5"),
        no_show_share=Decimal("1"),
    )
    db_session.commit()
    assert charge_finished_bookings() == 1
    by_source = {c.source_id: c for c in _charges(db_session)}
    assert by_source[no_show.id].amount == Decimal("200.00")
    assert by_source[late.id].source == ChargeSource.LATE_CANCELLATION
    assert by_source[late.id].amount == Decimal("100.00")
    assert by_source[late.id].currency == "CHF"


def test_policy_shares_are_checked(db_session, lab):
    with pytest.raises(DomainError) as err:
        update_policy(
            lab["manager"],
            lab["facility"],
            currency="euro",
            late_cancel_share=Decimal("1.5"),
            no_show_share=Decimal("-1"),
        )
    assert {p.field for p in err.value.problems} == {
        "currency",
        "late_cancel_share",
        "no_show_share",
    }


def test_dst_night_booking_lasts_two_hours_in_march_and_four_in_october(
    db_session, lab, make_booking, clock
):
    clock.set(datetime(2026, 11, 1, tzinfo=UTC))
    # 01:00-04:00 in Rome on the last Sundays of March and October 2026
    march = make_booking(
        lab["instrument"],
        lab["industry"],
        starts_at=datetime(2026, 3, 29, 0, 0, tzinfo=UTC),
        ends_at=datetime(2026, 3, 29, 2, 0, tzinfo=UTC),
    )
    october = make_booking(
        lab["instrument"],
        lab["industry"],
        starts_at=datetime(2026, 10, 24, 23, 0, tzinfo=UTC),
        ends_at=datetime(2026, 10, 25, 3, 0, tzinfo=UTC),
    )
    charge_finished_bookings()
    by_source = {c.source_id: c for c in _charges(db_session)}
    assert by_source[march.id].amount == Decimal("200.00")
    assert by_source[october.id].amount == Decimal("400.00")
    # 23:00 UTC on 24 October is 01:00 on 25 October in Rome: October's statement
    assert by_source[october.id].period_on.month == 10


def test_training_fees_are_charged_once_the_session_began(
    db_session,
    lab,
    make_session,  # noqa: F811  (the borrowed training fixture)
    clock,
    make_user,
):
    from training.fees import charge_training_fees
    from training.services.enrolment import enrol

    session = make_session(facility=lab["facility"], starts_at=clock.now + timedelta(days=3))
    enrol(lab["industry"], session.id, lab["industry"])
    enrol(lab["internal"], session.id, lab["internal"])
    db_session.commit()
    assert charge_training_fees() == 0  # not begun yet
    clock.advance(days=4)
    assert charge_training_fees() == 2
    assert charge_training_fees() == 0
    amounts = sorted(c.amount for c in _charges(db_session))
    assert amounts == [Decimal("50.00"), Decimal("500.00")]
    assert {c.source for c in _charges(db_session)} == {ChargeSource.TRAINING}


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        ("2026-01", "2026-12", None),
        ("2026-05", "2026-04", "period_order"),
        ("2024-01", "2026-12", "period_long"),
        ("bad", "2026-01", "period"),
    ],
)
def test_period_problems(start, end, code):
    problems = rules.period_problems(rules.parse_month(start), rules.parse_month(end))
    assert [p.code for p in problems] == ([code] if code else [])
