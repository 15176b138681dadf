"""Money typed on the quote editor and the services catalog reads in the reader's language, says
"not a number" for text that is none, and refuses sub-cent amounts (HTML and JSON)."""

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from innocore.vocab import Locale
from instruments.requests.models import Quote


def _quote(client, request_id, due, price, quantity="2"):
    return client.post(
        f"/requests/{request_id}/quote",
        data={
            "lines-0-description": "Run",
            "lines-0-unit": "sample",
            "lines-0-quantity": quantity,
            "lines-0-unit_price": price,
            "valid_until_on": due,
        },
    )


def test_italian_manager_types_a_unit_price_with_a_comma(
    client, login_as, world, submit, db_session, clock
):
    request = submit(world["a_sci"], world["x"], world["service"])
    world["x_staff"].locale = Locale.IT
    db_session.commit()
    login_as(world["x_staff"])
    page = client.get(f"/requests/{request.id}/quote")
    assert b'value="50,00"' in page.data  # the prefilled price, written the Italian way
    due = (clock.now.date() + timedelta(days=20)).isoformat()
    wrong = _quote(client, request.id, due, "centocinquanta")
    text = wrong.get_data(as_text=True)
    assert wrong.status_code == 422
    assert "Non è un numero" in text and "1234,50" in text
    assert "compreso tra" not in text  # not the range message
    assert _quote(client, request.id, due, "150,50", quantity="1,5").status_code == 302
    q = db_session.scalar(sa.select(Quote))
    assert (q.lines[0].unit_price, q.lines[0].quantity) == (Decimal("150.50"), Decimal("1.50"))
    assert q.total == Decimal("225.75")


def test_english_reader_gets_not_a_number_and_sub_cent_refused(
    client, login_as, world, submit, db_session, clock
):
    request = submit(world["a_sci"], world["x"], world["service"])
    login_as(world["x_staff"])
    due = (clock.now.date() + timedelta(days=20)).isoformat()
    comma = _quote(client, request.id, due, "1,5")
    assert comma.status_code == 422 and b"Not a number" in comma.data
    cents = _quote(client, request.id, due, "0.001")
    assert cents.status_code == 422 and b"at most two decimal places (cents)" in cents.data
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Quote)) == 0
    assert _quote(client, request.id, due, "150.50").status_code == 302


def test_api_refuses_a_sub_cent_unit_price(client, api_headers, world, submit, db_session):
    request = submit(world["a_sci"], world["x"], world["service"])
    staff = api_headers(world["x_staff"])
    due = "2030-01-01"
    bad = client.post(
        f"/api/v1/requests/{request.id}/quotes",
        headers=staff,
        json={
            "lines": [{"description": "Run", "quantity": 1, "unit_price": "0.001"}],
            "valid_until_on": due,
        },
    )
    assert bad.status_code == 422
    assert "unit_price_places" in {e["code"] for e in bad.json["errors"]}
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Quote)) == 0
