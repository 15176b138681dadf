"""An organisation's statement as PDF."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from innocore.ledger.statements import day_of
from innocore.pdf import new_document, table


def statement_pdf(org, period, charges, totals) -> bytes:
    pdf = new_document(_("Statement %(period)s", period=period.label))
    pdf.multi_cell(
        0, 6, f"{org.name} ({org.kind.label}, {org.country})", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(3)
    rows = [
        [
            day_of(c),
            c.description,
            f"{c.quantity} {c.unit}",
            f"{c.rate}",
            f"{c.amount} {c.currency}",
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
                f"{total} {currency}",
            ]
        )
    header = [_("Date"), _("Description"), _("Quantity"), _("Rate"), _("Amount")]
    table(pdf, header, rows, [25, 85, 25, 25, 30])
    return bytes(pdf.output())
