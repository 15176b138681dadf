"""Statements per organisation (HTML, CSV, PDF), facility revenue, network; constant queries."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from innocore.ledger.models import Charge, ChargeSource
from innocore.vocab import OrganisationKind, OrgRole, UserCategory


@pytest.fixture
def books(db_session, make_org, make_user, make_facility):
    company = make_org(kind=OrganisationKind.COMPANY, name="Acme Bio")
    other = make_org(kind=OrganisationKind.COMPANY, name="Other Bio")
    facility = make_facility()
    people = {
        "admin": make_user(organisation=company, org_role=OrgRole.ADMIN),
        "sci": make_user(organisation=company),
        "other_admin": make_user(organisation=other, org_role=OrgRole.ADMIN),
        "manager": make_user(),
        "network": make_user(is_network_admin=True),
    }
    return {"company": company, "other": other, "facility": facility, **people}


def add_charges(db_session, books, n, month=3, start=0):
    rows = [
        Charge(
            source=ChargeSource.QUOTE,
            source_id=start + i,
            source_key=f"quote:{start + i}",
            organisation_id=books["company"].id,
            user_id=books["sci"].id,
            facility_id=books["facility"].id,
            category=UserCategory.INDUSTRY,
            description=f"Work {i}",
            unit="quote",
            rate=Decimal("10"),
            quantity=Decimal("1"),
            share=Decimal("1"),
            amount=Decimal("10.00"),
            currency="EUR",
            incurred_at=datetime(2026, month, 10, tzinfo=UTC),
            period_on=date(2026, month, 1),
            created_at=datetime(2026, month, 10, tzinfo=UTC),
        )
        for i in range(n)
    ]
    db_session.add_all(rows)
    db_session.commit()


def test_company_admin_sees_the_statement_in_html_csv_and_pdf(client, login_as, db_session, books):
    add_charges(db_session, books, 3)
    login_as(books["admin"])
    org = books["company"].id
    page = client.get(f"/charges/organisations/{org}?from=2026-01&to=2026-12")
    assert page.status_code == 200 and "€30.00".encode() in page.data
    csv = client.get(f"/charges/organisations/{org}.csv?from=2026-03&to=2026-03")
    assert csv.status_code == 200 and csv.data.decode().count("\n") == 4
    pdf = client.get(f"/charges/organisations/{org}.pdf?from=2026-03")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    empty = client.get(f"/charges/organisations/{org}?from=2026-04&to=2026-04")
    assert b"Nothing charged" in empty.data
    assert client.get("/charges/company").status_code == 302
    assert client.get(f"/charges/organisations/{org}?from=2026-05&to=2026-01").status_code == 400


def test_other_companies_and_members_get_404(client, login_as, db_session, books):
    add_charges(db_session, books, 1)
    org = books["company"].id
    for who in ("other_admin", "sci", "manager"):
        login_as(books[who])
        for suffix in ("", ".csv", ".pdf"):
            assert client.get(f"/charges/organisations/{org}{suffix}").status_code == 404
    login_as(books["network"])
    assert client.get(f"/charges/organisations/{org}?from=2026-03").status_code == 200
    network = client.get("/charges/network?from=2026-01&to=2026-12")
    assert network.status_code == 200 and b"Acme Bio" in network.data


def test_facility_revenue_by_category_and_source(client, login_as, db_session, books, grant):
    add_charges(db_session, books, 2)
    grant(books["manager"], books["facility"], "manager")
    login_as(books["manager"])
    page = client.get(f"/charges/facilities/{books['facility'].id}?from=2026-03")
    assert page.status_code == 200 and b"Industry" in page.data and "€20.00".encode() in page.data
    api = client.get(f"/api/v1/facilities/{books['facility'].id}/revenue?from=2026-03")
    assert api.json["by_category"] == [
        {"key": "industry", "currency": "EUR", "count": 2, "total": "20.00"}
    ]


def test_year_statement_runs_a_constant_number_of_queries(
    client, login_as, db_session, books, count_queries
):
    login_as(books["admin"])
    url = f"/charges/organisations/{books['company'].id}?from=2026-01&to=2026-12"
    add_charges(db_session, books, 5)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    for month in range(1, 13):
        add_charges(db_session, books, 100, month=month, start=1000 * month)
    with count_queries() as large:
        response = client.get(url)
    assert response.status_code == 200 and b"Page 1 of" in response.data
    assert large.count == small.count
    api = f"/api/v1/organisations/{books['company'].id}/statement?from=2026-01&to=2026-12"
    assert client.get(api).json["total"] == 1205


def test_a_formula_in_a_name_reaches_the_statement_csv_as_text(client, login_as, db_session, books):
    books["sci"].name = '=HYPERLINK("http://evil.test","Open invoice")'
    add_charges(db_session, books, 1)
    login_as(books["admin"])
    org = books["company"].id
    body = client.get(f"/charges/organisations/{org}.csv?from=2026-03&to=2026-03").data.decode()
    line = body.splitlines()[1]
    assert "'=HYPERLINK" in line and ",=HYPERLINK" not in line and ',"=HYPERLINK' not in line
    assert line.endswith(",10.00,EUR,quote:0")  # numbers stay numbers


def test_the_statement_pdf_prints_every_name(client, login_as, db_session, books):
    from tests.kernel.test_pdf import text_of

    books["company"].name = "Ελληνικά Εργαστήρια 北京生物"
    add_charges(db_session, books, 1)
    db_session.commit()
    login_as(books["admin"])
    org = books["company"].id
    pdf = client.get(f"/charges/organisations/{org}.pdf?from=2026-03&to=2026-03")
    assert pdf.status_code == 200
    assert "Ελληνικά Εργαστήρια 北京生物" in text_of(pdf.data)


def test_facility_charge_lines_export_as_csv_and_pdf_for_its_managers(
    client, login_as, db_session, books, grant, make_facility, make_user
):
    from innocore.vocab import Locale

    add_charges(db_session, books, 2, month=3)
    add_charges(db_session, books, 1, month=4, start=10)
    grant(books["manager"], books["facility"], "manager")
    fid = books["facility"].id
    login_as(books["manager"])
    page = client.get(f"/charges/facilities/{fid}?from=2026-03")
    assert f"/charges/facilities/{fid}.csv?from=2026-03".encode() in page.data
    assert f"/charges/facilities/{fid}.pdf?from=2026-03".encode() in page.data
    csv = client.get(f"/charges/facilities/{fid}.csv?from=2026-03&to=2026-03").data.decode()
    lines = csv.strip().splitlines()
    assert lines[0].startswith("date (facility time),organisation,user,")
    assert len(lines) == 3 and all(
        "Acme Bio" in line and ",10.00,EUR," in line for line in lines[1:]
    )
    whole = client.get(f"/charges/facilities/{fid}.csv?from=2026-03&to=2026-04").data.decode()
    assert whole.count("\n") == 4 and "Work 0" in whole  # the April line joins
    pdf = client.get(f"/charges/facilities/{fid}.pdf?from=2026-04")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get(f"/charges/facilities/{fid}.csv?from=2026-05&to=2026-01").status_code == 400
    api = client.get(f"/api/v1/facilities/{fid}/charges?from=2026-03&to=2026-04")
    assert api.status_code == 200 and len(api.json["items"]) == 3
    assert api.json["totals"] == [{"currency": "EUR", "count": 3, "total": "30.00"}]
    books["manager"].locale = Locale.IT
    db_session.commit()
    italian = client.get(f"/charges/facilities/{fid}.csv?from=2026-03").data.decode()
    assert italian.splitlines()[0].startswith("data (ora della facility),organizzazione,utente,")
    # Another facility's manager is refused; a facility that does not exist is not found.
    other = make_facility()
    stranger = make_user()
    grant(stranger, other, "manager")
    login_as(stranger)
    for suffix in (".csv", ".pdf"):
        assert client.get(f"/charges/facilities/{fid}{suffix}").status_code == 403
        assert client.get(f"/charges/facilities/999999{suffix}").status_code == 404
