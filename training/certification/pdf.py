"""The PDF certificate: what, who, by whom, when, and a QR code opening the verification page."""

from __future__ import annotations

import io

import segno

from innocore import clock
from innocore.clock import iso_utc as iso
from innocore.pdf import FAMILY, Document, fitted_line


def certificate_pdf(
    cert,
    *,
    title: str,
    issuer: str,
    verify_url: str,
    network: str,
    holder_name: str | None = None,
    state: str | None = None,
) -> bytes:
    """A one-page A4 certificate (fpdf2, embedded Noto fonts, QR code from segno).

    ``holder_name`` replaces the holder's name (the public copy, when the holder did not share it).

    Every name prints in full: the holder's name shrinks from 20 pt to fit one line and wraps
    below 11 pt; titles and issuers wrap. ``state`` is the status word as read when the PDF is
    made ("Valid", "Expired": ``queries.state_now`` through the status vocabulary), printed with
    that day's date; omitted when not given.
    """
    pdf = Document(f"Certificate {cert.public_id}", creator=network)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 26)
    pdf.cell(0, 30, "Certificate of competence", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 13)
    pdf.cell(0, 10, "This certifies that", align="C", new_x="LMARGIN", new_y="NEXT")
    fitted_line(pdf, holder_name or cert.holder.name, size=20, min_size=11, style="B")
    pdf.set_font(FAMILY, "", 13)
    pdf.cell(0, 10, "holds", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "B", 16)
    pdf.multi_cell(0, 9, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(FAMILY, "", 11)
    lines = [
        f"Issued by {issuer}",
        f"Issued on {iso(cert.issued_at)[:10]}",
        f"Valid until {iso(cert.valid_until)[:10]}" if cert.valid_until else "No end of validity",
        f"Basis: {cert.basis.label}",
        f"Certificate id: {cert.public_id}",
    ]
    if state:
        lines.append(f"Status on {clock.now().date().isoformat()}: {state}")
    for line in lines:
        pdf.multi_cell(0, 7, line, align="C", new_x="LMARGIN", new_y="NEXT")
    qr = io.BytesIO()
    segno.make(verify_url, error="m").save(qr, kind="png", scale=8, border=2)
    qr.seek(0)
    pdf.image(qr, x=80, y=190, w=50, h=50)
    pdf.set_xy(10, 245)
    pdf.set_font(FAMILY, "", 9)
    pdf.multi_cell(0, 5, f"Check the current status of this certificate: {verify_url}", align="C")
    return bytes(pdf.output())
