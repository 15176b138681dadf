"""CSV exports: every cell a spreadsheet could run as a formula is written as plain text.

The one place every CSV writer of the platform goes through (OWASP "CSV Injection"): a text
cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with an
apostrophe, which Excel, LibreOffice and Google Sheets read as "this is text". Numbers (int,
Decimal, float) are left alone, so a negative amount stays a number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The cell as written: text that a spreadsheet would evaluate gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """RFC 4180 text of a header and rows, every cell neutralised by :func:`safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(c) for c in header])
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return out.getvalue()


def csv_response(header: Sequence[str], rows: Iterable[Sequence], filename: str) -> Response:
    """A ``text/csv`` download of the rows (see :func:`csv_text`)."""
    return Response(
        csv_text(header, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
