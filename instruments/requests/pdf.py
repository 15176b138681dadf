"""Quote documents as PDF (fpdf2 with the kernel's embedded Unicode fonts: every name prints)."""

from __future__ import annotations

from flask_babel import gettext as _

from innocore.pdf import FAMILY, new_document, table
from innocore.template_helpers import money, quantity_text


def quote_pdf(quote, request) -> bytes:
    facility = request.facility
    pdf = new_document(_("Quote %(id)s-r%(revision)s", id=request.id, revision=quote.revision))
    for line in (
        _(
            "%(facility)s, %(institution)s (%(email)s)",
            facility=facility.name,
            institution=facility.institution.name,
            email=facility.contact_email,
        ),
        _(
            "For: %(name)s, %(organisation)s",
            name=request.requester.name,
            organisation=request.requester.organisation.name,
        ),
        _("Request #%(id)s: %(title)s", id=request.id, title=request.title),
        _("Price category: %(category)s", category=quote.category.label),
        _("Valid until: %(date)s", date=quote.valid_until_on.isoformat()),
        _("Status: %(status)s", status=quote.status.label),
    ):
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    rows = [
        [
            x.description,
            x.unit,
            quantity_text(x.quantity, None),
            money(x.unit_price, quote.currency),
            money(x.amount, quote.currency),
        ]
        for x in quote.lines
    ]
    rows.append([_("Total"), "", "", "", money(quote.total, quote.currency)])
    table(
        pdf,
        [_("Description"), _("Unit"), _("Quantity"), _("Unit price"), _("Amount")],
        rows,
        [80, 25, 25, 30, 30],
    )
    if quote.terms:
        pdf.ln(4)
        pdf.set_font(FAMILY, "B", 10)
        pdf.cell(0, 6, _("Terms"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FAMILY, size=9)
        pdf.multi_cell(0, 5, quote.terms, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
