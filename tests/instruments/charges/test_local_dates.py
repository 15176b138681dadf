"""Every date a person reads is the facility's date: a booking at 00:30 on 1 Nov (CET) is dated
1 Nov in the statement page, its CSV and its PDF, although it is still 31 Oct in UTC."""

from datetime import UTC, date, datetime
from decimal import Decimal

from innocore.clock import date_text, local_date
from innocore.ledger.models import Charge, ChargeSource
from innocore.vocab import OrganisationKind, OrgRole, UserCategory


def test_local_date_is_the_facility_wall_clock_date():
    instant = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)  # 1 Nov 00:30 CET
    assert local_date(instant, "Europe/Rome") == date(2026, 11, 1)
    assert local_date(instant, "Europe/Lisbon") == date(2026, 10, 31)  # 23:30 WET
    assert date_text(instant, "Europe/Rome") == "01 Nov 2026"
    assert date_text(None, "Europe/Rome") == ""


def test_statement_page_csv_and_pdf_date_a_charge_by_the_facility(
    client, login_as, db_session, make_org, make_user, make_facility
):
    company = make_org(kind=OrganisationKind.COMPANY, name="Acme Bio")
    admin = make_user(organisation=company, org_role=OrgRole.ADMIN)
    facility = make_facility(timezone="Europe/Rome")
    db_session.add(
        Charge(
            source=ChargeSource.QUOTE,
            source_id=1,
            source_key="quote:dst-1",
            organisation_id=company.id,
            user_id=admin.id,
            facility_id=facility.id,
            category=UserCategory.INDUSTRY,
            description="Night imaging",
            unit="hour",
            rate=Decimal("10"),
            quantity=Decimal("1"),
            share=Decimal("1"),
            amount=Decimal("10.00"),
            currency="EUR",
            incurred_at=datetime(2026, 10, 31, 23, 30, tzinfo=UTC),
            period_on=date(2026, 11, 1),
            created_at=datetime(2026, 11, 1, tzinfo=UTC),
        )
    )
    db_session.commit()
    login_as(admin)
    base = f"/charges/organisations/{company.id}"
    page = client.get(f"{base}?from=2026-11&to=2026-11").get_data(as_text=True)
    assert "2026-11-01" in page and "2026-10-31" not in page
    csv = client.get(f"{base}.csv?from=2026-11&to=2026-11").get_data(as_text=True)
    header, row = csv.splitlines()[:2]
    assert header.startswith("date (facility time),") and row.startswith("2026-11-01,")
    from innocore.ledger.statements import day_of

    charge = db_session.query(Charge).filter_by(source_key="quote:dst-1").one()
    assert day_of(charge) == "2026-11-01"
