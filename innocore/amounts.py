"""Decimal amounts as people type them: parsed in the reader's locale, money kept to the cent.

One place for the kind "a number typed into a form or sent in a JSON body": pages read it with
``parse_amount`` (through ``innocore.forms.AmountField``/``MoneyField``), the JSON API with the
``Money`` type (JSON numbers or strings with a ``.``; more than two decimal places is a 422).
Money is in euros (EUR), whose smallest unit is the cent: an amount with a third decimal place
would be rounded away silently (a 0.001 unit price showed as €0.00), so it is refused instead.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

from babel import Locale
from babel.numbers import NumberFormatError, format_decimal, get_group_symbol, parse_decimal
from pydantic import Field

from innocore.marks import T_

CENT = Decimal("0.01")
MONEY_PLACES = 2  # EUR: cents

# A JSON amount of money: at most two decimal places (0.001 is refused, 422), never negative.
Money = Annotated[Decimal, Field(ge=0, decimal_places=MONEY_PLACES, allow_inf_nan=False)]


_SPACES = (" ", "\u00a0", "\u202f")


class AmountError(ValueError):
    """Text that is no number, or has more decimal places than allowed; ``message`` is a marked
    ``Text`` (``innocore.marks.T_``) to translate when shown."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def example(locale: str | Locale, places: int) -> str:
    """How 1234.5 is written in ``locale`` with ``places`` decimals ("1234,50" in Italian)."""
    pattern = "0." + "0" * places if places else "0"
    return format_decimal(Decimal("1234.5"), format=pattern, locale=locale)


def parse_amount(text: str, locale: str | Locale, *, places: int | None = None) -> Decimal | None:
    """The number in ``text`` as typed by a reader of ``locale`` ("150,50" in Italian, "150.50"
    in English; group separators as the locale writes them). The plain form with a ``.`` for the
    decimals ("150.50") is accepted in every locale when the locale's own reading fails (so
    values pasted from a spreadsheet or an API work). Empty text is ``None``.

    ``places``: the most decimal places allowed (2 for money) — more raises ``AmountError``
    instead of rounding. Raises ``AmountError`` (its ``message`` is "not a number", never a
    range message) for text that is no finite number. Uses Babel's strict mode, so "1,5" in
    English is refused rather than read as 15.
    """
    raw = (text or "").strip()
    if not raw:
        return None
    loc = Locale.parse(locale) if not isinstance(locale, Locale) else locale
    if get_group_symbol(loc) in _SPACES:
        for space in _SPACES:
            raw = raw.replace(space, "")
    try:
        number = parse_decimal(raw, locale=loc, strict=True)
    except NumberFormatError:
        number = _plain(raw)
    if number is None or not number.is_finite():
        shown = example(loc, MONEY_PLACES if places is None else places)
        raise AmountError(T_("Not a number: write it like %(example)s.", example=shown))
    if places is not None and decimal_places(number) > places:
        if places == MONEY_PLACES:
            raise AmountError(T_("An amount of money has at most two decimal places (cents)."))
        raise AmountError(T_("At most %(places)s decimal places.", places=places))
    return number


def _plain(raw: str) -> Decimal | None:
    if not raw or any(c not in "0123456789.-+" for c in raw) or raw.count(".") > 1:
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None


def decimal_places(number: Decimal) -> int:
    """How many decimal places ``number`` really has (trailing zeros do not count: 1.50 has 1)."""
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def show_amount(number: Decimal | None, locale: str | Locale, *, places: int | None = None) -> str:
    """``number`` written for a reader of ``locale`` with no group separators, so that it reads
    back with ``parse_amount``: money with exactly two decimals ("150,50"), other amounts with
    as many as they have (up to ``places``)."""
    if number is None:
        return ""
    if places == MONEY_PLACES:
        pattern = "0.00"
    else:
        shown = min(decimal_places(number), places if places is not None else 6)
        pattern = "0." + "#" * shown if shown else "0"
    return format_decimal(number, format=pattern, locale=locale)
