"""Quote documents as PDF (fpdf2 with the kernel's embedded Unicode fonts: every name prints)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

from innocore.pdf import FAMILY, Document


def new_document(title: str) -> FPDF:
    pdf = Document(title)
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 16)
    pdf.multi_cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=10)
    return pdf


def table(pdf: FPDF, header: list[str], rows: list[list[str]], widths: list[int]) -> None:
    """A bordered table; long cells wrap inside their column (nothing is cut)."""
    pdf.set_font(FAMILY, size=9)
    align = tuple("LEFT" if i < 2 else "RIGHT" for i in range(len(widths)))
    with pdf.table(col_widths=widths, text_align=align, width=sum(widths), align="LEFT",
                   first_row_as_headings=True) as grid:  # fmt: skip
        for values in [header, *rows]:
            row = grid.row()
            for text in values:
                row.cell(str(text))
    pdf.ln(2)


def quote_pdf(quote, request) -> bytes:
    facility = request.facility
    pdf = new_document(f"Quote {request.id}-r{quote.revision}")
    for line in (
        f"{facility.name}, {facility.institution.name} ({facility.contact_email})",
        f"For: {request.requester.name}, {request.requester.organisation.name}",
        f"Request #{request.id}: {request.title}",
        f"Price category: {quote.category.label}",
        f"Valid until: {quote.valid_until_on.isoformat()}   Status: {quote.status.label}",
    ):
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    rows = [
        [x.description, x.unit, f"{x.quantity}", f"{x.unit_price}", f"{x.amount}"]
        for x in quote.lines
    ]
    rows.append(["Total", "", "", quote.currency, f"{quote.total}"])
    table(pdf, ["Description", "Unit", "Quantity", "Unit price", "Amount"], rows,
          [80, 25, 25, 30, 30])  # fmt: skip
    if quote.terms:
        pdf.ln(4)
        pdf.set_font(FAMILY, "B", 10)
        pdf.cell(0, 6, "Terms", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FAMILY, size=9)
        pdf.multi_cell(0, 5, quote.terms, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
