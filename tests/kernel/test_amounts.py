"""Decimal inputs in the reader's language: "150,50" in Italian, "150.50" anywhere; money keeps
cents and refuses a third decimal place instead of rounding it away."""

from decimal import Decimal

import pytest

from innocore.amounts import AmountError, parse_amount, show_amount
from innocore.marks import message_text


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("150,50", "it", Decimal("150.50")),
        ("150.50", "it", Decimal("150.50")),  # the plain form, as pasted or typed by habit
        ("10.000,00", "it", Decimal("10000")),
        ("1.5", "en", Decimal("1.5")),
        ("1,000.50", "en", Decimal("1000.50")),
        ("1 000,50", "cs", Decimal("1000.50")),  # a typed space groups thousands in Czech
        ("  12 ", "pt_PT", Decimal("12")),
        ("", "it", None),
    ],
)
def test_amounts_read_in_the_readers_locale(text, locale, expected):
    assert parse_amount(text, locale, places=2) == expected


@pytest.mark.parametrize(("text", "locale"), [("1,5", "en"), ("abc", "it"), ("1,2,3", "it")])
def test_text_that_is_no_number_says_so(app, text, locale):
    with pytest.raises(AmountError) as caught, app.test_request_context():
        parse_amount(text, locale, places=2)
    with app.test_request_context():
        assert message_text(caught.value.message).startswith("Not a number")


def test_sub_cent_money_is_refused_not_rounded(app):
    with pytest.raises(AmountError) as caught:
        parse_amount("0.001", "en", places=2)
    assert "two decimal places" in caught.value.message
    assert parse_amount("1.50", "en", places=2) == Decimal("1.50")
    assert parse_amount("1,500", "it", places=2) == Decimal("1.5")  # trailing zeros are no cents


def test_amounts_show_in_the_readers_format():
    assert show_amount(Decimal("150.5"), "it", places=2) == "150,50"
    assert show_amount(Decimal("10000"), "it", places=2) == "10000,00"  # reads back the same
    assert show_amount(Decimal("0.250"), "en", places=3) == "0.25"
    assert show_amount(None, "en", places=2) == ""
