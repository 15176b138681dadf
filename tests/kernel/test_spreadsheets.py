"""CSV exports are data, not code: formula-like text cells are neutralised in one place."""

from decimal import Decimal

import pytest

from innocore.spreadsheets import csv_text, safe_cell


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        (
            '=HYPERLINK("http://x.test","Open invoice")',
            '\'=HYPERLINK("http://x.test","Open invoice")',
        ),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Zoë Łukasiewicz", "Zoë Łukasiewicz"),
        ("a=b", "a=b"),
        (Decimal("-12.50"), Decimal("-12.50")),
        (-3, -3),
        (None, None),
    ],
)
def test_text_that_a_spreadsheet_would_evaluate_is_written_as_text(cell, written):
    assert safe_cell(cell) == written


def test_every_cell_of_every_row_goes_through_the_rule():
    text = csv_text(["name", "amount"], [["=1+1", Decimal("-5.00")], ["@me", 3]])
    assert text.splitlines() == ["name,amount", "'=1+1,-5.00", "'@me,3"]
