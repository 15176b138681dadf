"""The PDF certificate: what, who, by whom, when, and a QR code opening the verification page."""

from __future__ import annotations

import io
import re

import segno
from flask_babel import gettext as _

from innocore import clock
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
    pdf = Document(_("Certificate %(id)s", id=cert.public_id), creator=network)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 26)
    pdf.cell(0, 30, _("Certificate of competence"), align="C", new_x="LMARGIN", new_y="NEXT")
    # One sentence in the reader's language, laid out a piece per line: the words between the
    # values in 13 pt, the holder's name fitted in bold, the competence's title in bold 16 pt
    # (a language puts the values where its grammar wants them).
    sentence = _("This certifies that %(holder)s holds %(competence)s")
    for piece in re.split(r"(%\((?:holder|competence)\)s)", sentence):
        if piece == "%(holder)s":
            fitted_line(pdf, holder_name or cert.holder.name, size=20, min_size=11, style="B")
        elif piece == "%(competence)s":
            pdf.set_font(FAMILY, "B", 16)
            pdf.multi_cell(0, 9, title, align="C", new_x="LMARGIN", new_y="NEXT")
        elif piece.strip():
            pdf.set_font(FAMILY, "", 13)
            pdf.cell(0, 10, piece.strip(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(FAMILY, "", 11)
    zone = cert.timezone  # the issuing facility's: the dates its pages show
    lines = [
        _("Issued by %(issuer)s", issuer=issuer),
        _("Issued on %(date)s", date=clock.local_date(cert.issued_at, zone).isoformat()),
        _("Valid until %(date)s", date=clock.local_date(cert.valid_until, zone).isoformat())
        if cert.valid_until
        else _("No end of validity"),
        _("Basis: %(basis)s", basis=cert.basis.label),
        _("Certificate id: %(id)s", id=cert.public_id),
    ]
    if state:
        lines.append(
            _("Status on %(date)s: %(state)s", date=clock.today(zone).isoformat(), state=state)
        )
    for line in lines:
        pdf.multi_cell(0, 7, line, align="C", new_x="LMARGIN", new_y="NEXT")
    qr = io.BytesIO()
    segno.make(verify_url, error="m").save(qr, kind="png", scale=8, border=2)
    qr.seek(0)
    pdf.image(qr, x=80, y=190, w=50, h=50)
    pdf.set_xy(10, 245)
    pdf.set_font(FAMILY, "", 9)
    pdf.multi_cell(
        0, 5, _("Check the current status of this certificate: %(url)s", url=verify_url), align="C"
    )
    return bytes(pdf.output())
