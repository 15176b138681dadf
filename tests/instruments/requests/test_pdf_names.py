"""Quotes and statements print every name whole (embedded Unicode fonts)."""

from tests.kernel.test_pdf import NAME, text_of


def test_the_quote_pdf_prints_the_requesters_name(world, submit, quote, login_as):
    world["a_sci"].name = NAME
    request = submit(world["a_sci"], world["x"], world["service"], title="Проба: 12 образцов")
    q = quote(world["x_staff"], request)
    response = login_as(world["a_sci"]).get(f"/requests/{request.id}/quotes/{q.id}.pdf")
    assert response.status_code == 200
    text = text_of(response.data)
    assert NAME in text and "Проба: 12 образцов" in text
