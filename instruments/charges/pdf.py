"""An organisation's statement as PDF."""

from __future__ import annotations

from innocore.clock import date_text
from innocore.facilities.services import facility_timezone
from instruments.requests.pdf import latin1, new_document, table


def day_of(charge) -> str:
    """The charge's date as read at its facility (a booking at 00:30 on 1 Nov CET is 1 Nov)."""
    return date_text(charge.incurred_at, facility_timezone(charge.facility_id), "%Y-%m-%d")


def statement_pdf(org, period, charges, totals) -> bytes:
    pdf = new_document(f"Statement {period.label}")
    pdf.multi_cell(0, 6, latin1(f"{org.name} ({org.kind.label}, {org.country})"),
                   new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.ln(3)
    rows = [
        [day_of(c), c.description[:60], f"{c.quantity} {c.unit}",
         f"{c.rate}", f"{c.amount} {c.currency}"]
        for c in charges
    ]  # fmt: skip
    for currency, count, total in totals:
        rows.append(["Total", f"{count} charge(s)", "", "", f"{total} {currency}"])
    table(pdf, ["Date", "Description", "Quantity", "Rate", "Amount"], rows, [25, 85, 25, 25, 30])
    return bytes(pdf.output())
