"""Quote documents as PDF (fpdf2 with the kernel's embedded Unicode fonts: every name prints)."""

from __future__ import annotations

from innocore.pdf import FAMILY, new_document, table


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
    table(
        pdf, ["Description", "Unit", "Quantity", "Unit price", "Amount"], rows, [80, 25, 25, 30, 30]
    )
    if quote.terms:
        pdf.ln(4)
        pdf.set_font(FAMILY, "B", 10)
        pdf.cell(0, 6, "Terms", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FAMILY, size=9)
        pdf.multi_cell(0, 5, quote.terms, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
