"""The PDF certificate: what, who, by whom, when, and a QR code opening the verification page."""

from __future__ import annotations

import io

import segno

from training.credentials.documents import iso


def _latin(text: str) -> str:
    """The core PDF fonts speak Latin-1; typographic quotes and dashes are mapped, the rest dropped."""
    table = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "..."})
    return text.translate(table).encode("latin-1", "replace").decode("latin-1")


def certificate_pdf(cert, *, title: str, issuer: str, verify_url: str, network: str) -> bytes:
    """A one-page A4 certificate (fpdf2 core fonts, QR code from segno)."""
    from fpdf import FPDF  # heavy (fontTools, Pillow): loaded with the first PDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_creator(network)
    pdf.set_title(_latin(f"Certificate {cert.public_id}"))
    pdf.set_font("Helvetica", "B", 26)
    pdf.cell(0, 30, _latin("Certificate of competence"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 13)
    pdf.cell(0, 10, "This certifies that", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 20)
    pdf.cell(0, 14, _latin(cert.holder.name), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 13)
    pdf.cell(0, 10, "holds", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 9, _latin(title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "", 11)
    lines = [
        f"Issued by {issuer}",
        f"Issued on {iso(cert.issued_at)[:10]}",
        f"Valid until {iso(cert.valid_until)[:10]}" if cert.valid_until else "No end of validity",
        f"Basis: {cert.basis.label}",
        f"Certificate id: {cert.public_id}",
    ]
    for line in lines:
        pdf.cell(0, 7, _latin(line), align="C", new_x="LMARGIN", new_y="NEXT")
    qr = io.BytesIO()
    segno.make(verify_url, error="m").save(qr, kind="png", scale=8, border=2)
    qr.seek(0)
    pdf.image(qr, x=80, y=190, w=50, h=50)
    pdf.set_xy(10, 245)
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(
        0, 5, _latin(f"Check the current status of this certificate: {verify_url}"), align="C"
    )
    return bytes(pdf.output())
