"""Service requests through services and HTML pages: lifecycle, bad input, isolation, mail."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
import sqlalchemy as sa

from innocore.errors import DomainError, Forbidden, NotFound
from innocore.ledger.models import Charge
from instruments.requests import rules, services
from instruments.requests.models import (
    Quote,
    QuoteStatus,
    RequestEvent,
    RequestFile,
    RequestStatus,
    ServiceRequest,
)
from tests.instruments.requests.conftest import PDF


def _count(db_session, model) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(model))


def test_request_lifecycle_keeps_history_and_charges_the_accepted_quote(
    db_session, world, submit, quote, clock
):
    request = submit(world["a_sci"], world["x"], world["service"])
    assert request.category.value == "industry"
    q = quote(world["x_staff"], request, today=clock.now.date())
    assert q.total == Decimal("600.00")
    services.accept_quote(world["a_sci"], request.id, q.id)
    services.start_work(world["x_staff"], request.id)
    services.add_deliverable(
        world["x_staff"],
        request.id,
        label="Report",
        upload=services.Upload("report.pdf", "application/pdf", PDF),
    )
    services.add_deliverable(world["x_staff"], request.id, label="Data", url="https://d.example/x")
    services.deliver(world["x_staff"], request.id, "All twelve samples measured.")
    services.close_request(world["a_sci"], request.id, rating=5, comment="Great")
    db_session.commit()
    assert request.status == RequestStatus.CLOSED and request.feedback_rating == 5
    history = db_session.scalars(
        sa.select(RequestEvent.to_status)
        .where(RequestEvent.request_id == request.id)
        .order_by(RequestEvent.id)
    ).all()
    assert [s.value for s in history] == [
        "submitted",
        "quoted",
        "accepted",
        "in_progress",
        "delivered",
        "closed",
    ]
    charge = db_session.scalar(sa.select(Charge).where(Charge.source_key == f"quote:{q.id}"))
    assert charge.amount == Decimal("600.00") and charge.organisation_id == request.organisation_id


def test_a_revised_quote_supersedes_the_open_one_which_cannot_be_accepted(
    db_session, world, submit, quote, clock
):
    request = submit(world["a_sci"], world["x"], world["service"])
    first = quote(world["x_staff"], request, today=clock.now.date())
    second = quote(
        world["x_staff"],
        request,
        [rules.LineInput("Run", "sample", 12, 40)],
        today=clock.now.date(),
    )
    db_session.refresh(first)
    assert first.status == QuoteStatus.SUPERSEDED and second.revision == 2
    with pytest.raises(DomainError) as err:
        services.accept_quote(world["a_sci"], request.id, first.id)
    assert [p.code for p in err.value.problems] == ["quote_superseded"]
    assert _count(db_session, Charge) == 0


def test_a_lapsed_quote_cannot_be_accepted_and_the_job_lapses_it(
    db_session, world, submit, quote, clock
):
    request = submit(world["a_sci"], world["x"], world["service"])
    q = quote(world["x_staff"], request, valid_days=3, today=clock.now.date())
    clock.advance(days=5)
    with pytest.raises(DomainError) as err:
        services.accept_quote(world["a_sci"], request.id, q.id)
    assert [p.code for p in err.value.problems] == ["quote_lapsed"]
    db_session.rollback()
    assert services.lapse_quotes() == 1
    assert services.lapse_quotes() == 0  # idempotent
    db_session.commit()
    db_session.refresh(q)
    db_session.refresh(request)
    assert q.status == QuoteStatus.LAPSED and request.status == RequestStatus.LAPSED


def test_delivering_before_acceptance_is_refused(db_session, world, submit):
    request = submit(world["a_sci"], world["x"], world["service"])
    with pytest.raises(DomainError) as err:
        services.deliver(world["x_staff"], request.id, "Done")
    assert [p.code for p in err.value.problems] == ["out_of_order"]
    with pytest.raises(DomainError):
        services.start_work(world["x_staff"], request.id)


@pytest.mark.parametrize(
    "qty", [Decimal("-1"), Decimal("0"), Decimal("1e9")], ids=["negative", "zero", "absurd"]
)
def test_quotes_with_a_bad_quantity_are_refused_and_nothing_is_written(
    db_session, world, submit, clock, qty
):
    request = submit(world["a_sci"], world["x"], world["service"])
    with pytest.raises(DomainError) as err:
        services.issue_quote(
            world["x_staff"],
            request.id,
            [rules.LineInput("Run", "x", qty, 10)],
            valid_until_on=clock.now.date() + timedelta(days=10),
        )
    db_session.rollback()
    assert "quantity" in [p.code for p in err.value.problems]
    assert _count(db_session, Quote) == 0


def test_the_wrong_side_is_refused(db_session, world, submit, quote, clock):
    request = submit(world["a_sci"], world["x"], world["service"])
    with pytest.raises(Forbidden):
        services.reject_request(world["a_sci"], request.id, "no")
    q = quote(world["x_staff"], request, today=clock.now.date())
    with pytest.raises(Forbidden):
        services.accept_quote(world["x_staff"], request.id, q.id)


def test_other_tenants_do_not_learn_that_a_request_exists(db_session, world, submit):
    request = submit(world["a_sci"], world["x"], world["service"])
    for who in ("b_admin", "y_staff", "academic", "a_sci2"):
        with pytest.raises(NotFound):
            services.get_request(world[who], request.id)
    # the company's administrator and the facility's staff see it
    assert services.get_request(world["a_admin"], request.id).id == request.id
    assert services.get_request(world["x_staff"], request.id).id == request.id


def test_the_company_admin_may_accept_for_the_company(db_session, world, submit, quote, clock):
    request = submit(world["a_sci"], world["x"], world["service"])
    q = quote(world["x_staff"], request, today=clock.now.date())
    services.accept_quote(world["a_admin"], request.id, q.id)
    assert request.status == RequestStatus.ACCEPTED


def test_submitting_notifies_the_facility_and_quoting_the_requester(
    db_session, world, submit, quote, clock, deliver
):
    request = submit(world["a_sci"], world["x"], world["service"])
    quote(world["x_staff"], request, today=clock.now.date())
    sent = deliver()
    assert {m["To"] for m in sent} == {world["x"].contact_email, world["a_sci"].email}
    assert any("Quote ready" in m["Subject"] for m in sent)


def test_html_submit_with_attachment_and_refused_attachment(client, login_as, world, db_session):
    login_as(world["a_sci"])
    url = f"/requests/facilities/{world['x'].id}/request?service={world['service'].id}"
    bad = client.post(
        url,
        data={
            "title": "Run",
            "description": "Please",
            "attachments": (BytesIO(b"MZ\x90\x00binary"), "tool.exe", "application/x-msdownload"),
        },
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and b"Attach PDF" in bad.data
    assert _count(db_session, ServiceRequest) == 0
    ok = client.post(
        url,
        data={
            "title": "Run",
            "description": "Please",
            "samples": "3",
            "attachments": (BytesIO(PDF), "plan.pdf", "application/pdf"),
        },
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    row = db_session.scalar(sa.select(RequestFile))
    assert row.filename == "plan.pdf" and row.size_bytes == len(PDF)
    page = client.get(ok.headers["Location"])
    assert page.status_code == 200 and b"plan.pdf" in page.data
    assert client.get(f"/requests/files/{row.id}").data == PDF


def test_html_quote_editor_prefills_the_category_price_and_accepting_twice_fails(
    client, login_as, world, submit, db_session, clock
):
    request = submit(world["a_sci"], world["x"], world["service"])
    login_as(world["x_staff"])
    page = client.get(f"/requests/{request.id}/quote")
    assert page.status_code == 200 and b'value="50.00"' in page.data  # industry price
    due = (clock.now.date() + timedelta(days=20)).isoformat()
    bad = client.post(
        f"/requests/{request.id}/quote",
        data={
            "lines-0-description": "Run",
            "lines-0-quantity": "-2",
            "lines-0-unit_price": "50",
            "valid_until_on": due,
        },
    )
    assert bad.status_code == 422 and b"quantity" in bad.data
    ok = client.post(
        f"/requests/{request.id}/quote",
        data={
            "lines-0-description": "Run",
            "lines-0-unit": "sample",
            "lines-0-quantity": "12",
            "lines-0-unit_price": "50",
            "valid_until_on": due,
            "terms": "30 days",
        },
    )
    assert ok.status_code == 302
    q = db_session.scalar(sa.select(Quote))
    pdf = client.get(f"/requests/{request.id}/quotes/{q.id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    login_as(world["a_sci"])
    assert client.post(f"/requests/{request.id}/quotes/{q.id}/accept").status_code == 302
    again = client.post(f"/requests/{request.id}/quotes/{q.id}/accept")
    assert again.status_code == 422
    assert _count(db_session, Charge) == 1


def test_html_pages_render(client, login_as, world, submit, db_session):
    request = submit(world["a_sci"], world["x"], world["service"])
    login_as(world["x_staff"])
    inbox = client.get("/requests/inbox?status=open&sort=newest")
    assert inbox.status_code == 200 and request.title.encode() in inbox.data
    assert client.get(f"/requests/{request.id}").status_code == 200
    login_as(world["a_admin"])
    assert request.title.encode() in client.get("/requests/company").data
    login_as(world["b_admin"])
    assert request.title.encode() not in client.get("/requests/company").data
    assert client.get(f"/requests/{request.id}").status_code == 404
    for url in (
        "/requests/services",
        "/requests/directory?q=proteomics",
        f"/requests/facilities/{world['x'].slug}",
    ):
        assert client.get(url).status_code == 200, url


def test_directory_finds_facilities_by_service_and_expertise(client, world, db_session):
    from instruments.requests.offerings import add_expertise

    add_expertise(_admin(db_session), world["y"].id, topic="Cryo-EM of membrane proteins")
    db_session.commit()
    page = client.get("/requests/directory?q=label-free").data
    assert world["x"].name.encode() in page and world["y"].name.encode() not in page
    page = client.get("/requests/directory?q=membrane").data
    assert world["y"].name.encode() in page and world["x"].name.encode() not in page


def _admin(db_session):
    from innocore.accounts.models import User

    return db_session.scalar(sa.select(User).where(User.is_network_admin.is_(True)))


def test_staff_book_instrument_time_for_an_accepted_request_and_it_is_not_charged(
    db_session, world, submit, quote, clock, make_instrument
):
    from instruments.charging import charge_finished_bookings

    instrument = make_instrument(facility=world["x"], rates={"internal": 100})
    db_session.commit()
    request = submit(world["a_sci"], world["x"], world["service"])
    q = quote(world["x_staff"], request, today=clock.now.date())
    with pytest.raises(DomainError):
        services.book_time(
            world["x_staff"],
            request.id,
            instrument.id,
            clock.now + timedelta(days=1),
            clock.now + timedelta(days=1, hours=2),
        )
    db_session.rollback()
    services.accept_quote(world["a_sci"], request.id, q.id)
    booking = services.book_time(
        world["x_staff"],
        request.id,
        instrument.id,
        clock.now + timedelta(days=1),
        clock.now + timedelta(days=1, hours=2),
    )
    db_session.commit()
    assert booking.id and booking.user_id == world["x_staff"].id
    clock.advance(days=2)
    assert charge_finished_bookings() == 0


def test_a_quote_lapses_at_the_facilitys_midnight_not_utcs(db_session, world, submit, quote, clock):
    """Valid until 31 Oct in Europe/Rome: at 00:30 on 1 Nov CET (23:30 UTC, still 31 Oct in UTC)
    the job lapses it."""
    from datetime import UTC, date, datetime

    assert world["x"].timezone == "Europe/Rome"
    request = submit(world["a_sci"], world["x"], world["service"])
    q = quote(world["x_staff"], request, valid_days=0, today=date(2026, 10, 31))
    clock.set(datetime(2026, 10, 31, 22, 30, tzinfo=UTC))  # 23:30 CET on the last valid day
    assert services.lapse_quotes() == 0
    clock.set(datetime(2026, 10, 31, 23, 30, tzinfo=UTC))
    assert services.lapse_quotes() == 1
    db_session.commit()
    db_session.refresh(q)
    assert q.status == QuoteStatus.LAPSED
