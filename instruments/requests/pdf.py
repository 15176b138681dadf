"""Quote documents as PDF (fpdf2, core fonts: text is reduced to Latin-1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF


def latin1(text: str) -> str:
    """Core PDF fonts speak Latin-1; other characters become '?' rather than failing."""
    return (
        (text or "")
        .replace("\u2013", "-")
        .replace("\u2014", "-")
        .encode("latin-1", "replace")
        .decode("latin-1")
    )


def new_document(title: str) -> FPDF:
    # fpdf2 brings fontTools and Pillow (a sixth of a process's start-up): load it with the first
    # PDF, not in every worker, job and CLI process.
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(latin1(title))
    pdf.set_creator("InnoCore")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    return pdf


def table(pdf: FPDF, header: list[str], rows: list[list[str]], widths: list[int]) -> None:
    pdf.set_font("Helvetica", "B", 9)
    for text, width in zip(header, widths, strict=True):
        pdf.cell(width, 7, latin1(text), border=1)
    pdf.ln()
    pdf.set_font("Helvetica", size=9)
    for row in rows:
        for i, (text, width) in enumerate(zip(row, widths, strict=True)):
            pdf.cell(width, 6, latin1(text)[:70], border=1, align="R" if i >= 2 else "L")
        pdf.ln()


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
        pdf.multi_cell(0, 6, latin1(line), new_x="LMARGIN", new_y="NEXT")
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
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 6, "Terms", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=9)
        pdf.multi_cell(0, 5, latin1(quote.terms), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
