"""A report as CSV or XLSX: every table of every section (chart data included).

Text cells go through :func:`innocore.spreadsheets.safe_cell`, so nothing a person typed (an
instrument or organisation name such as ``=HYPERLINK(...)``) can run as a formula; in XLSX text is
also written with ``write_string``, which never makes a formula, and numbers stay numbers.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter
from flask import Response

from innocore.i18n import translate as tr
from innocore.marks import N_
from innocore.reports.core import Scope, Section, Table
from innocore.spreadsheets import csv_text, safe_cell

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def all_tables(sections: list[Section]) -> list[tuple[Section, Table]]:
    return [(s, t) for s in sections for t in [*s.tables, *(c.table for c in s.charts)]]


def _figures_table(sections: list[Section]) -> Table:
    rows = [[tr(s.title), tr(label), value] for s in sections for label, value in s.figures]
    return Table(N_("Key figures"), [N_("section"), N_("figure"), N_("value")], rows)


def _heading(title: str, section: Section | None, table: Table) -> str:
    """A table's heading row, in the reader's language: "<section>: <table>"."""
    head = tr(section.title) if section else tr(title)
    return f"{head}: {tr(table.title)}"


def _plain(value):
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def csv_report(title: str, scope: Scope, sections: list[Section]) -> str:
    """One CSV of blocks: the report's title and period, then for each table a title row, the
    header and the rows, a blank row between blocks. Titles and column headers are in the
    reader's language (as on the page); values stay as they are (the API keeps English codes)."""
    rows: list[list] = [[tr(title)], [tr(scope.period_label)], []]
    for section, table in [(None, _figures_table(sections)), *all_tables(sections)]:
        rows.append([f"{tr(section.title)}: {tr(table.title)}" if section else tr(table.title)])
        rows.append([tr(c) for c in table.columns])
        rows.extend([_plain(c) for c in row] for row in table.rows)
        rows.append([])
    return csv_text(rows[0], rows[1:])


def _sheet_name(title: str, taken: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\']", " ", title).strip()[:28] or "Table"
    name, n = base, 2
    while name.lower() in taken:
        name, n = f"{base[:25]} {n}", n + 1
    taken.add(name.lower())
    return name


def _write_cell(sheet, row: int, col: int, value, bold=None) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int | float | Decimal):
        sheet.write_number(row, col, float(value))
    else:
        sheet.write_string(row, col, str(safe_cell(_plain(value))), bold)


def xlsx_report(title: str, scope: Scope, sections: list[Section]) -> bytes:
    """An XLSX workbook: one sheet per table, each headed by the report's title and period, in
    the reader's language (sheet names, titles and column headers)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    bold = book.add_format({"bold": True})
    taken: set[str] = set()
    for section, table in [(None, _figures_table(sections)), *all_tables(sections)]:
        sheet = book.add_worksheet(_sheet_name(tr(table.title), taken))
        _write_cell(sheet, 0, 0, _heading(title, section, table), bold)
        _write_cell(sheet, 1, 0, tr(scope.period_label))
        for j, column in enumerate(table.columns):
            _write_cell(sheet, 3, j, tr(column), bold)
        for i, row in enumerate(table.rows, start=4):
            for j, value in enumerate(row):
                _write_cell(sheet, i, j, value)
        sheet.set_column(0, max(len(table.columns) - 1, 0), 18)
    book.close()
    return buffer.getvalue()


def download(title: str, scope: Scope, sections: list[Section], fmt: str, stem: str) -> Response:
    """The report as a ``csv`` or ``xlsx`` attachment named ``<stem>-<from>-<to>.<fmt>``."""
    name = f"{stem}-{scope.start_on.isoformat()}-{scope.end_on.isoformat()}.{fmt}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        return Response(
            csv_report(title, scope, sections), mimetype="text/csv", headers=disposition
        )
    return Response(xlsx_report(title, scope, sections), mimetype=XLSX_TYPE, headers=disposition)
