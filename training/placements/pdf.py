"""The learning agreement as a PDF: the placement, the three parties, the learning outcomes and
each signature's instant (in the host's zone, labelled)."""

from __future__ import annotations

from flask_babel import gettext as _

from innocore.clock import moment_text, wall_text
from innocore.pdf import FAMILY, Document


def agreement_pdf(a) -> bytes:
    """A4, embedded Noto fonts; unsigned parties print as "not signed yet"."""
    p, zone = a.placement, a.placement.zone
    pdf = Document(_("Learning agreement %(id)s", id=a.id))
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 18)
    pdf.multi_cell(0, 10, _("Learning agreement"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 11)
    lines = [
        _("%(kind)s: %(title)s", kind=p.kind.label, title=p.title),
        _("Host: %(host)s", host=p.host_name),
        _(
            "Period: %(start)s to %(end)s, %(hours)s hours a week",
            start=wall_text(p.starts_on, "%d %b %Y"),
            end=wall_text(p.ends_on, "%d %b %Y"),
            hours=p.hours_per_week,
        ),
        _("Stipend: %(amount)s EUR a month", amount=p.stipend_eur_month),
        _(
            "Participant: %(name)s (%(organisation)s)",
            name=a.applicant.name,
            organisation=a.applicant.organisation.name,
        ),
        _(
            "Home supervisor: %(name)s (%(organisation)s)",
            name=a.supervisor.name,
            organisation=a.supervisor.organisation.name,
        ),
    ]
    for line in lines:
        pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FAMILY, "B", 13)
    pdf.multi_cell(0, 8, _("Learning outcomes"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 11)
    for i, outcome in enumerate(a.agreed_outcomes, 1):
        pdf.multi_cell(0, 7, f"{i}. {outcome}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FAMILY, "B", 13)
    pdf.multi_cell(
        0, 8, _("Signatures (times in %(zone)s)", zone=zone), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font(FAMILY, "", 11)
    for label, at in (
        (_("Participant"), a.participant_signed_at),
        (_("Host"), a.host_signed_at),
        (_("Home supervisor"), a.supervisor_signed_at),
    ):
        line = (
            _(
                "%(party)s: signed in InnoCore on %(moment)s",
                party=label,
                moment=moment_text(at, zone),
            )
            if at
            else _("%(party)s: not signed yet", party=label)
        )
        pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
