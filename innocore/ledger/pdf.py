"""An organisation's statement as PDF."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from innocore.ledger.statements import day_of
from innocore.pdf import new_document, table
from innocore.template_helpers import money, quantity_text


def statement_pdf(org, period, charges, totals) -> bytes:
    pdf = new_document(_("Statement %(period)s", period=period.label))
    pdf.multi_cell(
        0,
        6,
        _(
            "%(name)s (%(kind)s, %(country)s)",
            name=org.name,
            kind=org.kind.label,
            country=org.country,
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    rows = [
        [
            day_of(c),
            c.description,
            quantity_text(c.quantity, c.unit),
            money(c.rate, c.currency),
            money(c.amount, c.currency),
        ]
        for c in charges
    ]
    for currency, count, total in totals:
        rows.append(
            [
                _("Total"),
                ngettext("%(num)d charge", "%(num)d charges", count),
                "",
                "",
                money(total, currency),
            ]
        )
    header = [_("Date"), _("Description"), _("Quantity"), _("Rate"), _("Amount")]
    table(pdf, header, rows, [25, 85, 25, 25, 30])
    return bytes(pdf.output())
