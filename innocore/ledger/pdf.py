"""An organisation's statement and a facility's charge lines as PDF."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from innocore.ledger.statements import day_of
from innocore.pdf import new_document, table
from innocore.template_helpers import money, quantity_text


def _lines_table(pdf, charges, totals, describe, description_header: str) -> bytes:
    """The charge lines (date, ``describe(charge)``, quantity, rate, amount) and one total row
    per currency (``totals``: ``(currency, count, total)``), then the document's bytes."""
    rows = [
        [
            day_of(c),
            describe(c),
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
    header = [_("Date"), description_header, _("Quantity"), _("Rate"), _("Amount")]
    table(pdf, header, rows, [25, 85, 25, 25, 30])
    return bytes(pdf.output())


def statement_pdf(org, period, charges, totals) -> bytes:
    """An organisation's statement over ``period``: its charge lines and totals per currency."""
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
    return _lines_table(pdf, charges, totals, lambda c: c.description, _("Description"))


def facility_pdf(facility, period, charges, totals) -> bytes:
    """A facility's charge lines over ``period`` (date, description with the customer
    organisation, quantity, rate, amount) and a total per currency, in the reader's language."""
    pdf = new_document(
        _("Charges of %(facility)s, %(period)s", facility=facility.name, period=period.label)
    )
    return _lines_table(
        pdf,
        charges,
        totals,
        lambda c: _(
            "%(description)s (%(organisation)s)",
            description=c.description,
            organisation=c.organisation.name,
        ),
        _("Description (organisation)"),
    )
