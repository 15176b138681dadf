"""Facility reports on known data: every expected figure is worked out by hand in the comments.

The facility is in Europe/Rome and the period is October 2026, whose last Sunday (25th) is the
night clocks go back: 01:00–04:00 local that night lasts 4 hours.
"""

from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from innocore.ledger.models import Charge, ChargeSource
from innocore.vocab import OrganisationKind, OrgRole, UserCategory
from instruments.models import Booking, BookingStatus, Downtime

ROME = ZoneInfo("Europe/Rome")
PERIOD = "from=2026-10-01&to=2026-10-31"


def rome(y, m, d, h, minute=0, fold=0):
    return datetime(y, m, d, h, minute, tzinfo=ROME, fold=fold).astimezone(UTC)


@pytest.fixture
def world(db_session, make_org, make_user, make_facility, make_instrument, grant):
    uni = make_org(name="Rome University")
    acme = make_org(name="Acme Bio", kind=OrganisationKind.COMPANY)
    facility = make_facility(institution=uni, timezone="Europe/Rome", name="Imaging Rome")
    # A: open only on Sunday nights 01:00-04:00; B: Monday to Friday 08:00-20:00.
    a = make_instrument(
        facility=facility, name='=HYPERLINK("http://x")', opening=[(6, time(1), time(4))]
    )
    b = make_instrument(
        facility=facility, name="Widefield", opening=[(d, time(8), time(20)) for d in range(5)]
    )
    internal = make_user(organisation=uni, name="Ada Internal", timezone="Europe/Rome")
    industry = make_user(organisation=acme, name="Bo Industry")
    people = {
        "manager": make_user(),
        "other_manager": make_user(),
        "staff": make_user(),
        "admin": make_user(is_network_admin=True),
        "company_admin": make_user(organisation=acme, org_role=OrgRole.ADMIN),
        "internal": internal,
        "industry": industry,
    }
    grant(people["manager"], facility, "manager")
    grant(people["staff"], facility, "staff")
    grant(people["other_manager"], make_facility(), "manager")
    n = iter(range(1000))

    def book(instrument, user, start, end, status, late=False):
        db_session.add(
            Booking(
                instrument_id=instrument.id,
                user_id=user.id,
                booked_by_id=user.id,
                starts_at=start,
                ends_at=end,
                status=status,
                uid=f"r{next(n)}@test",
                cancelled_late=late,
                created_at=start,
                updated_at=start,
            )
        )

    book(a, internal, rome(2026, 10, 25, 1), rome(2026, 10, 25, 4), BookingStatus.CONFIRMED)  # 4 h
    book(a, industry, rome(2026, 10, 4, 1), rome(2026, 10, 4, 3), BookingStatus.COMPLETED)  # 2 h
    book(
        b, internal, rome(2026, 9, 30, 22), rome(2026, 10, 1, 2), BookingStatus.COMPLETED
    )  # 2 h in
    book(b, industry, rome(2026, 10, 5, 9), rome(2026, 10, 5, 10), BookingStatus.NO_SHOW)  # 1 h
    book(b, industry, rome(2026, 10, 6, 10), rome(2026, 10, 6, 11), BookingStatus.CANCELLED, True)
    book(b, internal, rome(2026, 10, 7, 10), rome(2026, 10, 7, 11), BookingStatus.CANCELLED)
    book(b, internal, rome(2026, 11, 2, 10), rome(2026, 11, 2, 12), BookingStatus.COMPLETED)
    db_session.add(
        Downtime(
            instrument_id=b.id,
            starts_at=rome(2026, 10, 30, 18),
            ends_at=rome(2026, 11, 2, 8),
            reason="Laser",
            cancel_bookings=False,
            created_by_id=people["manager"].id,
            created_at=rome(2026, 10, 1, 8),
        )
    )

    def charge(key, user, org, category, amount, at):
        db_session.add(
            Charge(
                source=ChargeSource.BOOKING,
                source_id=next(n),
                source_key=key,
                organisation_id=org.id,
                user_id=user.id,
                facility_id=facility.id,
                instrument_id=b.id,
                category=category,
                description="use",
                unit="hour",
                rate=Decimal(amount),
                quantity=Decimal(1),
                share=Decimal(1),
                amount=Decimal(amount),
                currency="EUR",
                incurred_at=at,
                period_on=date(at.year, at.month, 1),
                created_at=at,
            )
        )

    charge("r:1", internal, uni, UserCategory.INTERNAL, "100.00", rome(2026, 10, 10, 12))
    charge("r:2", industry, acme, UserCategory.INDUSTRY, "250.50", rome(2026, 10, 31, 23, 30))
    # 00:30 on 1 November in Rome is still 31 October in UTC: outside the period.
    charge("r:3", industry, acme, UserCategory.INDUSTRY, "999.00", rome(2026, 11, 1, 0, 30))
    db_session.commit()
    return {"facility": facility, "acme": acme, "uni": uni, "a": a, "b": b, **people}


@pytest.fixture
def accounts(world, db_session):
    """Two research groups of Rome University, each with one billing account, and Acme's
    purchase order; October's bookings and charges spread over them (see the test below)."""
    from innocore.groups import ResearchGroup
    from innocore.ledger.accounts import AccountKind, BillingAccount

    at = rome(2026, 9, 1, 9)
    alpha = ResearchGroup(
        name="Lab Alpha", organisation_id=world["uni"].id, pi_id=world["internal"].id, created_at=at
    )
    beta = ResearchGroup(
        name="Lab Beta", organisation_id=world["uni"].id, pi_id=world["manager"].id, created_at=at
    )
    db_session.add_all([alpha, beta])
    db_session.flush()

    def account(kind, code, name, **owner):
        acc = BillingAccount(
            kind=kind,
            code=code,
            name=name,
            valid_from=date(2026, 1, 1),
            created_at=at,
            created_by_id=world["admin"].id,
            **owner,
        )
        db_session.add(acc)
        return acc

    grant_a = account(AccountKind.GRANT, "A-1", "Alpha grant", group_id=alpha.id)
    centre_b = account(AccountKind.COST_CENTRE, "B-2", "Beta centre", group_id=beta.id)
    po = account(AccountKind.PURCHASE_ORDER, "PO-7", "Acme PO", company_id=world["acme"].id)
    db_session.flush()
    # The world's bookings by uid: r0 A 25 Oct 4 h confirmed, r1 A 4 Oct 2 h completed (Acme),
    # r2 B 30 Sep-1 Oct 2 h in the period completed, r3 B 5 Oct 1 h no-show, r4 late
    # cancellation, r5 cancellation, r6 2 Nov completed (outside the period).
    for uid, acc in (
        ("r0", grant_a),
        ("r2", grant_a),
        ("r1", po),
        ("r3", centre_b),
        ("r4", centre_b),
        ("r6", centre_b),
    ):
        db_session.query(Booking).filter_by(uid=f"{uid}@test").update({"account_id": acc.id})
    # Charges: r:1 (100.00, 10 Oct) on Alpha's grant; r:2 (250.50) on no account; r:3 (999.00,
    # outside the period) on Acme's order; two more in October on Beta's centre and Acme's order.
    db_session.query(Charge).filter_by(source_key="r:1").update({"account_id": grant_a.id})
    db_session.query(Charge).filter_by(source_key="r:3").update({"account_id": po.id})
    for key, user, org, cat, amount, acc, day in (
        ("r:4", world["internal"], world["uni"], UserCategory.INTERNAL, "40.25", centre_b, 15),
        ("r:5", world["industry"], world["acme"], UserCategory.INDUSTRY, "60.00", po, 20),
    ):
        when = rome(2026, 10, day, 12)
        db_session.add(
            Charge(
                source=ChargeSource.BOOKING,
                source_id=900 + day,
                source_key=key,
                organisation_id=org.id,
                user_id=user.id,
                facility_id=world["facility"].id,
                instrument_id=world["b"].id,
                account_id=acc.id,
                category=cat,
                description="use",
                unit="hour",
                rate=Decimal(amount),
                quantity=Decimal(1),
                share=Decimal(1),
                amount=Decimal(amount),
                currency="EUR",
                incurred_at=when,
                period_on=date(2026, 10, 1),
                created_at=when,
            )
        )
    db_session.commit()
    return {"alpha": alpha, "beta": beta, "grant_a": grant_a, "centre_b": centre_b, "po": po}


def figures(section):
    return {f["label"]: f["value"] for f in section["figures"]}


def sections(body):
    return {s["key"]: s for s in body["sections"]}


def table(section, title):
    return next(t for t in section["tables"] if t["title"] == title)


def test_facility_report_figures_by_hand(world, client, api_headers):
    r = client.get(
        f"/api/v1/reports/facilities/{world['facility'].id}?{PERIOD}",
        headers=api_headers(world["manager"]),
    )
    assert r.status_code == 200, r.json
    assert r.json["period"]["zone"] == "Europe/Rome"
    s = sections(r.json)
    # Available: A's four Sunday nights 3 + 3 + 3 + 4 (clocks go back on the 25th) = 13 h;
    # B: 22 weekdays in October 2026 × 12 h = 264 h. Booked 4 + 2 + 2 (clipped) + 1 = 9 h,
    # used (completed) 2 + 2 = 4 h; utilisation 9 / 277 = 3.2 %.
    assert figures(s["utilisation"]) == {
        "Available hours": 277.0,
        "Booked hours": 9.0,
        "Used hours": 4.0,
        "Utilisation (booked / available)": "3.2 %",
    }
    per = {row[0]: row[1:] for row in table(s["utilisation"], "Utilisation by instrument")["rows"]}
    assert per['=HYPERLINK("http://x")'] == [13.0, 6.0, 2.0, 46.2]
    assert per["Widefield"] == [264.0, 3.0, 2.0, 1.1]
    cats = {
        row[0]: row[1:] for row in table(s["utilisation"], "Booked hours by user category")["rows"]
    }
    assert cats == {"Internal": [6.0, 2, 1], "Industry": [3.0, 2, 1]}
    orgs = {
        row[0]: row[1] for row in table(s["utilisation"], "Booked hours by organisation")["rows"]
    }
    assert orgs == {"Rome University": 6.0, "Acme Bio": 3.0}
    weeks = {row[0]: row[1:3] for row in table(s["utilisation"], "Hours by week")["rows"]}
    # Sept 28 week: B's night (clipped to 1 Oct) and A's 4 Oct night; 5 Oct week: the no-show.
    assert weeks["2026-W40"] == [4.0, 4.0] and weeks["2026-W41"] == [1.0, 0.0]
    assert weeks["2026-W43"] == [4.0, 0.0] and weeks["2026-W42"] == [0.0, 0.0]
    months = table(s["utilisation"], "Hours by month")["rows"]
    assert months == [["2026-10", 9.0, 4.0, 277.0, 3.2]]
    heat = {
        row[0]: row[1:]
        for row in table(s["utilisation"], "Booked hours by weekday and hour")["rows"]
    }
    assert heat["Sun"][1:4] == [2.0, 2.0, 1.0]  # wall-clock hours 01, 02, 03 of both Sundays
    assert heat["Thu"][0:2] == [1.0, 1.0] and heat["Mon"][9] == 1.0
    assert sum(map(sum, heat.values())) == 8.0  # 9 h elapsed; the repeated hour reads once
    # Starting in October: A's two nights and the no-show are held; one no-show of three.
    assert figures(s["no_shows"]) == {
        "Bookings held": 3,
        "No-shows": 1,
        "Late cancellations": 1,
        "No-show rate": "33.3 %",
    }
    # 30 Oct 18:00 to 1 Nov 00:00 Rome (after the change, UTC+1): 30 h.
    assert figures(s["downtime"]) == {"Downtimes": 1, "Downtime hours": 30.0}
    assert figures(s["revenue"]) == {"Revenue (EUR)": "350.50"}
    by_cat = table(s["revenue"], "By user category")["rows"]
    assert by_cat == [["Industry", "EUR", 1, "250.50"], ["Internal", "EUR", 1, "100.00"]]


def test_service_request_figures_by_hand(world, client, api_headers, db_session):
    from instruments.requests.models import RequestEvent, RequestStatus, ServiceRequest

    def request(days_to_quote, accepted_after):
        t0 = rome(2026, 10, 5, 9)
        req = ServiceRequest(
            facility_id=world["facility"].id,
            requester_id=world["industry"].id,
            organisation_id=world["acme"].id,
            category=UserCategory.INDUSTRY,
            title="Samples",
            description="x",
            status=RequestStatus.QUOTED,
            submitted_at=t0,
            status_changed_at=t0,
            updated_at=t0,
        )
        db_session.add(req)
        db_session.flush()
        db_session.add(
            RequestEvent(
                request_id=req.id,
                occurred_at=t0 + days(days_to_quote),
                to_status=RequestStatus.QUOTED,
            )
        )
        if accepted_after is not None:
            req.status = RequestStatus.ACCEPTED
            db_session.add(
                RequestEvent(
                    request_id=req.id,
                    occurred_at=t0 + days(accepted_after),
                    to_status=RequestStatus.ACCEPTED,
                )
            )

    def days(n):
        from datetime import timedelta

        return timedelta(days=n)

    request(2, 3)
    request(4, None)
    db_session.commit()
    r = client.get(
        f"/api/v1/reports/facilities/{world['facility'].id}?{PERIOD}",
        headers=api_headers(world["manager"]),
    )
    f = figures(sections(r.json)["service_requests"])
    # Two quoted (after 2 and 4 days: mean 3.0), one accepted (after 3 days): 50 %.
    assert (f["Requests submitted"], f["Quoted"], f["Accepted"]) == (2, 2, 1)
    assert f["Quote → acceptance rate"] == "50.0 %"
    assert (f["Mean days to first quote"], f["Mean days to acceptance"]) == (3.0, 3.0)


def test_each_person_sees_only_their_own_reports(world, login_as, make_org, make_user):
    """The kernel's permission matrix covers each role; here: another company's admin, and the
    facility's staff (who run it but do not report on it)."""
    other = make_user(organisation=make_org(kind=OrganisationKind.COMPANY), org_role=OrgRole.ADMIN)
    client = login_as(other)
    assert client.get(f"/reports/companies/{world['acme'].id}?{PERIOD}").status_code == 404
    assert client.get(f"/reports/companies/{other.organisation_id}").status_code == 200
    staff = login_as(world["staff"])
    assert staff.get(f"/reports/facilities/{world['facility'].id}").status_code == 404
    index = staff.get("/reports/").get_data(as_text=True)
    assert "My usage and spending" in index and "Facility report" not in index


def test_api_refuses_what_the_pages_refuse(world, client, api_headers):
    headers = api_headers(world["other_manager"])
    fid = world["facility"].id
    assert client.get(f"/api/v1/reports/facilities/{fid}", headers=headers).status_code == 404
    assert client.get("/api/v1/reports/network", headers=headers).status_code == 403
    r = client.get(
        f"/api/v1/reports/facilities/{fid}?from=2026-13-01", headers=api_headers(world["manager"])
    )
    assert r.status_code == 400 and r.json["errors"][0]["field"] == "from"
    r = client.get(
        f"/api/v1/reports/facilities/{fid}?from=2026-10-02&to=2026-10-01",
        headers=api_headers(world["manager"]),
    )
    assert r.status_code == 400 and r.json["errors"][0]["code"] == "period_order"


def test_company_and_personal_views(world, client, api_headers):
    r = client.get(
        f"/api/v1/reports/companies/{world['acme'].id}?{PERIOD}",
        headers=api_headers(world["company_admin"]),
    )
    s = sections(r.json)
    # Acme's one person: A's 4 Oct night (2 h, used) and the no-show (1 h). The company admin
    # reads in UTC, where 00:30 on 1 Nov in Rome is still October: 250.50 + 999.00 spent.
    assert figures(s["usage"]) == {"Booked hours": 3.0, "Used hours": 2.0, "Bookings": 2}
    assert figures(s["revenue"]) == {"Revenue (EUR)": "1249.50"}
    assert r.json["period"]["zone"] == "UTC"
    r = client.get(f"/api/v1/reports/me?{PERIOD}", headers=api_headers(world["internal"]))
    s = sections(r.json)
    assert figures(s["usage"]) == {"Booked hours": 6.0, "Used hours": 2.0, "Bookings": 2}
    assert figures(s["revenue"]) == {"Revenue (EUR)": "100.00"}


def test_page_draws_charts_inline_without_scripts(world, login_as):
    r = login_as(world["manager"]).get(f"/reports/facilities/{world['facility'].id}?{PERIOD}")
    html = r.get_data(as_text=True)
    assert html.count("<svg") >= 4 and '<script type="text/javascript">' not in html
    assert "01 Oct 2026 to 31 Oct 2026, Europe/Rome time" in html
    nonce = r.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'<style nonce="{nonce}"' in html
    assert "cdn" not in html.lower()


def test_exports_neutralise_formulas(world, login_as):
    import io
    import zipfile

    client = login_as(world["manager"])
    base = f"/reports/facilities/{world['facility'].id}?{PERIOD}"
    csv = client.get(base + "&format=csv")
    assert csv.mimetype == "text/csv"
    text = csv.get_data(as_text=True)
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    assert "Widefield,264.0,3.0,2.0,1.1" in text
    xlsx = client.get(base + "&format=xlsx")
    book = zipfile.ZipFile(io.BytesIO(xlsx.data))
    sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
    assert len(sheets) > 5
    assert not any(b"<f>" in book.read(n) for n in sheets)
    assert b"'=HYPERLINK" in book.read("xl/sharedStrings.xml")


GROUP_TABLE = "Booked hours by research group (of the billing account)"


def test_utilisation_by_group_and_revenue_by_account_by_hand(
    world, accounts, client, api_headers, login_as
):
    url = f"/api/v1/reports/facilities/{world['facility'].id}?{PERIOD}"
    s = sections(client.get(url, headers=api_headers(world["manager"])).json)
    # Lab Alpha's grant: r0 4 h booked (confirmed, 0 used) + r2 2 h clipped (completed) = 6 h
    # booked, 2 h used, 2 bookings. Lab Beta's centre: r3 the 1 h no-show (the cancellations and
    # the November booking do not count). Acme's order has no group: r1 2 h, completed.
    assert table(s["utilisation"], GROUP_TABLE)["rows"] == [
        ["Lab Alpha", "Rome University", 6.0, 2.0, 2],
        ["Lab Beta", "Rome University", 1.0, 0.0, 1],
        ["No group", None, 2.0, 2.0, 1],
    ]
    # October's charges: 100.00 (Alpha) + 250.50 (no account) + 40.25 (Beta) + 60.00 (Acme);
    # the 999.00 on Acme's order falls on 1 November in Rome.
    assert figures(s["revenue"]) == {"Revenue (EUR)": "450.75"}
    by_account = [
        ["Acme PO", "PO-7", "Acme Bio", "EUR", 1, "60.00"],
        ["Alpha grant", "A-1", "Lab Alpha (Rome University)", "EUR", 1, "100.00"],
        ["Beta centre", "B-2", "Lab Beta (Rome University)", "EUR", 1, "40.25"],
        ["No account", None, None, "EUR", 1, "250.50"],
    ]
    assert table(s["revenue"], "By billing account")["rows"] == by_account
    # The network report narrowed to the facility lists the same accounts.
    net = client.get(
        f"/api/v1/reports/network?{PERIOD}&facility={world['facility'].id}",
        headers=api_headers(world["admin"]),
    )
    assert table(sections(net.json)["revenue"], "By billing account")["rows"] == by_account
    # The page and the exports carry both tables.
    browser = login_as(world["manager"])
    page = f"/reports/facilities/{world['facility'].id}?{PERIOD}"
    html = browser.get(page).get_data(as_text=True)
    assert GROUP_TABLE in html and "Lab Beta (Rome University)" in html and "No account" in html
    text = browser.get(page + "&format=csv").get_data(as_text=True)
    assert GROUP_TABLE in text and "Lab Alpha,Rome University,6.0,2.0,2" in text
    assert "Alpha grant,A-1,Lab Alpha (Rome University),EUR,1,100.00" in text


def test_report_runs_the_same_queries_at_any_size(
    world, accounts, client, api_headers, count_queries, db_session
):
    headers = api_headers(world["manager"])
    url = f"/api/v1/reports/facilities/{world['facility'].id}?{PERIOD}"

    def measure():
        with count_queries() as q:
            assert client.get(url, headers=headers).status_code == 200
        return q.count

    # bookings on no account, on each group's account and on the company's order
    owners = [None, *(accounts[k].id for k in ("grant_a", "centre_b", "po"))]

    def add(n, first):
        for i in range(first, first + n):
            start = rome(2026, 10, 12 + i % 5, 8 + i // 5)
            db_session.add(
                Booking(
                    instrument_id=world["b"].id,
                    user_id=world["industry"].id,
                    booked_by_id=world["industry"].id,
                    starts_at=start,
                    ends_at=start.replace(minute=30),
                    status=BookingStatus.COMPLETED,
                    uid=f"more{i}@test",
                    created_at=start,
                    updated_at=start,
                    account_id=owners[i % len(owners)],
                )
            )
        db_session.commit()

    def more_accounts(k):
        """``k`` more groups, each with an account charged once in October and booked on."""
        from innocore.groups import ResearchGroup
        from innocore.ledger.accounts import AccountKind, BillingAccount

        at = rome(2026, 10, 2, 9)
        for j in range(k):
            group = ResearchGroup(
                name=f"Lab {j}",
                organisation_id=world["uni"].id,
                pi_id=world["internal"].id,
                created_at=at,
            )
            db_session.add(group)
            db_session.flush()
            acc = BillingAccount(
                kind=AccountKind.GRANT,
                code=f"G-{j}",
                name=f"Grant {j}",
                group_id=group.id,
                valid_from=date(2026, 1, 1),
                created_at=at,
                created_by_id=world["admin"].id,
            )
            db_session.add(acc)
            db_session.flush()
            owners.append(acc.id)
            db_session.add(
                Charge(
                    source=ChargeSource.BOOKING,
                    source_id=2000 + j,
                    source_key=f"more:{j}",
                    organisation_id=world["uni"].id,
                    user_id=world["internal"].id,
                    facility_id=world["facility"].id,
                    account_id=acc.id,
                    category=UserCategory.INTERNAL,
                    description="use",
                    unit="hour",
                    rate=Decimal(1),
                    quantity=Decimal(1),
                    share=Decimal(1),
                    amount=Decimal(1),
                    currency="EUR",
                    incurred_at=at,
                    period_on=date(2026, 10, 1),
                    created_at=at,
                )
            )

    measure()  # the first request also loads what the app caches
    add(1, 0)
    before = measure()
    more_accounts(3)
    add(30, 1)
    after = measure()
    assert after == before


def test_network_report_sets_facilities_side_by_side(world, client, api_headers):
    headers = api_headers(world["admin"])
    r = client.get(
        f"/api/v1/reports/network?{PERIOD}&facility={world['facility'].id}", headers=headers
    )
    assert r.json["period"]["zone"] == "Europe/Rome"  # narrowed to one facility: its zone
    s = sections(r.json)["facilities"]
    # The facility report's figures again, in one row: 277 h open, 9 booked, 4 used (3.2 %),
    # one no-show, one late cancellation, 30 h down.
    assert table(s, "Instrument use by facility")["rows"] == [
        ["Imaging Rome", 277.0, 9.0, 4.0, 3.2, 1, 1, 30.0]
    ]
    assert table(s, "Network hours by month")["rows"] == [["2026-10", 9.0, 4.0]]
    # Bo (Acme) booked twice at a facility of another institution; Acme is the company served.
    assert figures(s) == {
        "People booking at another institution's facility": 1,
        "Their bookings": 2,
        "Companies served (bookings)": 1,
    }
    whole = client.get(f"/api/v1/reports/network?{PERIOD}", headers=headers)
    names = [
        row[0]
        for row in table(sections(whole.json)["facilities"], "Instrument use by facility")["rows"]
    ]
    assert "Imaging Rome" in names and len(names) >= 2


def test_dates_outside_the_reports_years_say_the_rule_at_the_filter_form(
    world, login_as, client, api_headers
):
    fid = world["facility"].id
    wide = "from=1900-01-01&to=2999-12-31"
    page = login_as(world["manager"]).get(f"/reports/facilities/{fid}?{wide}")
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "Reports cover the years 2000 to 2100: &#39;from&#39; is 1900-01-01." in html
    assert "Reports cover the years 2000 to 2100: &#39;to&#39; is 2999-12-31." in html
    assert 'name="from" required\n    value="1900-01-01" aria-invalid="true"' in html
    assert "is a date like" not in html
    r = client.get(
        f"/api/v1/reports/facilities/{fid}?{wide}", headers=api_headers(world["manager"])
    )
    assert r.status_code == 400
    assert {e["message"] for e in r.json["errors"]} == {
        "Reports cover the years 2000 to 2100: 'from' is 1900-01-01.",
        "Reports cover the years 2000 to 2100: 'to' is 2999-12-31.",
    }
    csv = login_as(world["manager"]).get(f"/reports/facilities/{fid}?{wide}&format=csv")
    assert csv.status_code == 400
    network = login_as(world["admin"]).get(f"/reports/network?{wide}&facility={fid}")
    assert network.status_code == 400 and b"Reports cover the years 2000 to 2100" in network.data


def test_network_report_follows_moves_cancellations_and_deletions(
    world, client, api_headers, db_session, count_queries
):
    """The whole network's report reads the day rollup kept by triggers; it must follow every
    booking write. In UTC (the network's zone in tests) October 2026 is 1 Oct 00:00Z to 1 Nov
    00:00Z; Rome is UTC+2 until 25 Oct 01:00Z, UTC+1 after."""
    headers = api_headers(world["admin"])

    queries = []

    def rome_row():
        with count_queries() as q:
            r = client.get(f"/api/v1/reports/network?{PERIOD}", headers=headers)
        queries.append(q.count)
        assert r.json["period"]["zone"] == "UTC"
        rows = table(sections(r.json)["facilities"], "Instrument use by facility")["rows"]
        return next(row for row in rows if row[0] == "Imaging Rome")

    # r0 4 h (24 Oct 23:00Z-25 Oct 03:00Z) + r1 2 h used + r3 1 h no-show = 7 h booked, 2 used;
    # r2 (30 Sep 20:00Z-1 Oct 00:00Z) ends as the period starts. Open over the Rome days the
    # period touches (1 Oct to 1 Nov): A's Sundays 3+3+3+4+3 h, B's 22 weekdays x 12 h = 280 h;
    # 7/280 = 2.5 %. Down: 30 Oct 17:00Z to 1 Nov 00:00Z, 31 h.
    assert rome_row() == ["Imaging Rome", 280.0, 7.0, 2.0, 2.5, 1, 1, 31.0]
    rome_row()  # the first request also loads what the app caches

    def booking(uid):
        return db_session.query(Booking).filter_by(uid=f"{uid}@test").one()

    # Move the no-show r3 to November, cancel r0 late, move r1 to B as 3 h (4 Oct 23:00Z-5 Oct
    # 02:00Z), delete the late cancellation r4, and add 31 Oct 23:00Z-1 Nov 01:00Z used (1 h in).
    r3 = booking("r3")
    r3.starts_at, r3.ends_at = rome(2026, 11, 3, 9), rome(2026, 11, 3, 10)
    r0 = booking("r0")
    r0.status, r0.cancelled_late = BookingStatus.CANCELLED, True
    r1 = booking("r1")
    r1.instrument_id = world["b"].id
    r1.starts_at = datetime(2026, 10, 4, 23, tzinfo=UTC)
    r1.ends_at = datetime(2026, 10, 5, 2, tzinfo=UTC)
    db_session.delete(booking("r4"))
    db_session.add(
        Booking(
            instrument_id=world["b"].id,
            user_id=world["internal"].id,
            booked_by_id=world["internal"].id,
            starts_at=datetime(2026, 10, 31, 23, tzinfo=UTC),
            ends_at=datetime(2026, 11, 1, 1, tzinfo=UTC),
            status=BookingStatus.COMPLETED,
            uid="late-night@test",
            created_at=datetime(2026, 10, 1, tzinfo=UTC),
            updated_at=datetime(2026, 10, 1, tzinfo=UTC),
        )
    )
    db_session.commit()
    # Booked: r1 3 h + 1 h = 4 h, all used; 4/280 = 1.4 %; no no-show; one late cancellation (r0).
    assert rome_row() == ["Imaging Rome", 280.0, 4.0, 4.0, 1.4, 0, 1, 31.0]
    assert queries[1] == queries[2]  # more days and bookings, the same queries


def test_network_usage_and_spending_by_research_group_by_hand(
    world, accounts, client, api_headers, login_as
):
    net = client.get(
        f"/api/v1/reports/network?{PERIOD}&facility={world['facility'].id}",
        headers=api_headers(world["admin"]),
    )
    s = sections(net.json)["research_groups"]
    # Hours as in the facility's group table (Alpha r0 + r2, Beta r3, Acme's order r1). Charges
    # in October: Alpha 100.00, Beta 40.25; no group: 250.50 on no account + 60.00 on Acme's
    # order = 310.50 in 2 charges.
    assert table(s, "Usage and spending by research group")["rows"] == [
        ["Lab Alpha", "Rome University", 6.0, 2.0, 2, 1, "100.00"],
        ["Lab Beta", "Rome University", 1.0, 0.0, 1, 1, "40.25"],
        ["No group", None, 2.0, 2.0, 1, 2, "310.50"],
    ]
    assert figures(s) == {"Research groups with bookings or charges": 2}
    # The charts draw the same figures, and their titles say the period and zone.
    assert table(s, "Hours by research group")["rows"] == [
        ["Lab Alpha", 6.0, 2.0],
        ["Lab Beta", 1.0, 0.0],
        ["No group", 2.0, 2.0],
    ]
    assert table(s, "Spending by research group (EUR)")["rows"] == [
        ["Lab Alpha", 100.0],
        ["Lab Beta", 40.25],
        ["No group", 310.5],
    ]
    html = login_as(world["admin"]).get(
        f"/reports/network?{PERIOD}&facility={world['facility'].id}"
    )
    assert "Hours by research group, 01 Oct 2026 to 31 Oct 2026, Europe/Rome time" in html.get_data(
        as_text=True
    )


def test_breakdowns_have_bar_charts_with_their_data(world, accounts, client, api_headers, login_as):
    url = f"/api/v1/reports/facilities/{world['facility'].id}?{PERIOD}"
    s = sections(client.get(url, headers=api_headers(world["manager"])).json)
    u = s["utilisation"]
    # Internal: r0 4 h + r2 2 h; industry: r1 2 h + r3 1 h. Groups as in the group table.
    assert table(u, "Hours by user category")["rows"] == [["Industry", 3.0], ["Internal", 6.0]]
    assert table(u, "Hours by research group")["rows"] == [
        ["Lab Alpha", 6.0, 2.0],
        ["Lab Beta", 1.0, 0.0],
        ["No group", 2.0, 2.0],
    ]
    assert table(s["revenue"], "Revenue by billing account")["rows"] == [
        ["Acme PO", 60.0],
        ["Alpha grant", 100.0],
        ["Beta centre", 40.25],
        ["No account", 250.5],
    ]
    # Widefield: 30 h down in October (Rome); the other instrument none.
    assert table(s["downtime"], "Downtime hours by instrument")["rows"] == [["Widefield", 30.0]]
    html = login_as(world["manager"]).get(url.replace("/api/v1", "")).get_data(as_text=True)
    for title in ("Hours by research group", "Revenue by billing account", "Hours by organisation"):
        assert f"{title}, 01 Oct 2026 to 31 Oct 2026, Europe/Rome time" in html


def test_booking_day_triggers_exist_at_the_head(db_session):
    """A later migration that rebuilds the booking table (SQLite batch mode copies it into a new
    table) drops its triggers; it must create them again, or the network report goes stale."""
    import sqlalchemy as sa

    if db_session.get_bind().dialect.name == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'booking'"
        expected = {"booking_day_insert", "booking_day_delete", "booking_day_update"}
    else:
        sql = "SELECT tgname FROM pg_trigger WHERE tgrelid = 'booking'::regclass"
        expected = {"booking_day_insert_delete", "booking_day_update"}
    assert expected <= set(db_session.execute(sa.text(sql)).scalars())


def test_used_hours_follow_check_in_and_check_out_by_hand(world, client, api_headers, db_session):
    """Used time is check-in to check-out where recorded; a booking nobody checked in to adds
    none; without a check-out it runs to the booked end."""
    b, ada = world["b"], world["internal"]

    def booked(day, start, end, checked_in=None, checked_out=None):
        db_session.add(
            Booking(
                instrument_id=b.id,
                user_id=ada.id,
                booked_by_id=ada.id,
                starts_at=rome(2026, 10, day, *start),
                ends_at=rome(2026, 10, day, *end),
                status=BookingStatus.CONFIRMED,
                uid=f"used-{day}@test",
                checked_in_at=checked_in and rome(2026, 10, day, *checked_in),
                checked_out_at=checked_out and rome(2026, 10, day, *checked_out),
                created_at=rome(2026, 10, 1, 8),
                updated_at=rome(2026, 10, 1, 8),
            )
        )

    booked(12, (10,), (12,), checked_in=(10, 15), checked_out=(11, 30))  # used 1.25 h of 2
    booked(13, (10,), (11,))  # nobody checked in: booked 1 h, used 0
    booked(14, (10,), (12,), checked_in=(10, 30))  # no check-out: used to the end, 1.5 h
    db_session.commit()
    r = client.get(
        f"/api/v1/reports/facilities/{world['facility'].id}?{PERIOD}",
        headers=api_headers(world["manager"]),
    )
    s = sections(r.json)
    # Booked 9 h before + 2 + 1 + 2 = 14 h; used 4 h (completed) + 1.25 + 1.5 = 6.75 h.
    assert figures(s["utilisation"])["Booked hours"] == 14.0
    assert figures(s["utilisation"])["Used hours"] == 6.75
    per = {row[0]: row[1:] for row in table(s["utilisation"], "Utilisation by instrument")["rows"]}
    assert per["Widefield"][1:3] == [8.0, 4.75]
    # The network report reads the same: Imaging Rome used 6.75 h.
    r = client.get(
        f"/api/v1/reports/network?{PERIOD}&facility={world['facility'].id}",
        headers=api_headers(world["admin"]),
    )
    rows = table(sections(r.json)["facilities"], "Instrument use by facility")["rows"]
    assert rows[0][:4] == ["Imaging Rome", 277.0, 14.0, 6.75]


def test_network_rollup_clips_check_ins_and_check_outs_at_the_period_like_the_live_report(
    world, client, api_headers, db_session
):
    """The rollup-backed network report and the live facility report agree when use runs past
    the period's ends. With the facility chosen, both read October in Rome: 30 Sep 22:00Z to
    31 Oct 23:00Z; UTC days 1 to 30 October lie wholly inside (read from the rollup unless their
    use crosses an end)."""
    a, b, ada = world["a"], world["b"], world["internal"]

    def booked(uid, instrument, start, end, status=BookingStatus.CONFIRMED, cin=None, cout=None):
        db_session.add(
            Booking(
                instrument_id=instrument.id,
                user_id=ada.id,
                booked_by_id=ada.id,
                starts_at=start,
                ends_at=end,
                status=status,
                uid=f"{uid}@test",
                checked_in_at=cin,
                checked_out_at=cout,
                created_at=rome(2026, 9, 1, 8),
                updated_at=rome(2026, 9, 1, 8),
            )
        )

    z = lambda *a: datetime(2026, *a, tzinfo=UTC)  # noqa: E731
    # 1 Oct 00:00Z-02:00Z (2 h), checked in 30 Sep 21:00Z, an hour before the period: used
    # 22:00Z-02:00Z = 4 h (not 5).
    booked("early", b, z(10, 1, 0), z(10, 1, 2), cin=z(9, 30, 21))
    # 30 Oct 21:00Z-22:30Z (1.5 h), checked out 1 Nov 00:00Z, an hour after the period: used
    # 30 Oct 21:00Z to 31 Oct 23:00Z = 26 h (not 27).
    booked("late", a, z(10, 30, 21), z(10, 30, 22, 30), cin=z(10, 30, 21), cout=z(11, 1, 0))
    # 20 Oct 22:00Z-23:00Z (1 h), checked out past midnight 00:30Z: used 2.5 h, inside.
    booked("midnight", b, z(10, 20, 22), z(10, 20, 23), cin=z(10, 20, 22), cout=z(10, 21, 0, 30))
    # Waiting-list offers held or released are not bookings: nothing booked, nothing used.
    booked("held", b, z(10, 22, 10), z(10, 22, 11), BookingStatus.HELD)
    booked("released", b, z(10, 23, 10), z(10, 23, 11), BookingStatus.RELEASED)
    db_session.commit()

    live = sections(
        client.get(
            f"/api/v1/reports/facilities/{world['facility'].id}?{PERIOD}",
            headers=api_headers(world["manager"]),
        ).json
    )["utilisation"]
    # Before: booked 9 h, used 4 h (completed r1 2 h, r2 2 h in the period). Booked + 2 + 1.5 +
    # 1 = 13.5 h; used + 4 + 26 + 2.5 = 36.5 h. Widefield: booked r2 2 + r3 1 + 2 + 1 = 6 h,
    # used 2 + 4 + 2.5 = 8.5 h; the other: booked 4 + 2 + 1.5 = 7.5 h, used 2 + 26 = 28 h.
    assert (figures(live)["Booked hours"], figures(live)["Used hours"]) == (13.5, 36.5)
    per = {row[0]: row[1:] for row in table(live, "Utilisation by instrument")["rows"]}
    assert per["Widefield"][1:3] == [6.0, 8.5]
    assert per['=HYPERLINK("http://x")'][1:3] == [7.5, 28.0]
    net = client.get(
        f"/api/v1/reports/network?{PERIOD}&facility={world['facility'].id}",
        headers=api_headers(world["admin"]),
    )
    rows = table(sections(net.json)["facilities"], "Instrument use by facility")["rows"]
    assert rows[0][:4] == ["Imaging Rome", 277.0, 13.5, 36.5]


def test_exports_are_headed_in_the_readers_language_and_the_api_keeps_codes(
    world, login_as, api_headers, db_session
):
    """CSV and XLSX titles and column headers are in the reader's language (as on the page);
    the JSON API's keys stay English codes."""
    import io
    import zipfile

    from flask_babel import force_locale, gettext

    from innocore.vocab import Locale

    manager = world["manager"]
    manager.locale = Locale.IT
    db_session.flush()
    with force_locale("it"):
        header, title = gettext("booked hours"), gettext("Key figures")
    assert header != "booked hours"
    base = f"/reports/facilities/{world['facility'].id}?{PERIOD}"
    text = login_as(manager).get(base + "&format=csv").get_data(as_text=True)
    assert header in text and title in text
    assert "booked hours" not in text and "Key figures" not in text
    book = zipfile.ZipFile(io.BytesIO(login_as(manager).get(base + "&format=xlsx").data))
    strings = book.read("xl/sharedStrings.xml").decode()
    assert header in strings and "booked hours" not in strings
    api = f"/api/v1/reports/facilities/{world['facility'].id}?{PERIOD}"
    body = login_as(manager).get(api, headers=api_headers(manager)).get_json()
    assert body["period"]["label"] == "01 Oct 2026 to 31 Oct 2026, Europe/Rome time"
