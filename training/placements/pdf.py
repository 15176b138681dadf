"""The learning agreement as a PDF: the placement, the three parties, the learning outcomes and
each signature's instant (in the host's zone, labelled)."""

from __future__ import annotations

from innocore.clock import moment_text
from innocore.pdf import FAMILY, Document


def agreement_pdf(a) -> bytes:
    """A4, embedded Noto fonts; unsigned parties print as "not signed yet"."""
    p, zone = a.placement, a.placement.zone
    pdf = Document(f"Learning agreement {a.id}")
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 18)
    pdf.multi_cell(0, 10, "Learning agreement", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 11)
    lines = [
        f"{p.kind.label}: {p.title}",
        f"Host: {p.host_name}",
        f"Period: {p.starts_on:%d %b %Y} to {p.ends_on:%d %b %Y}, {p.hours_per_week} hours a week",
        f"Stipend: {p.stipend_eur_month} EUR a month",
        f"Participant: {a.applicant.name} ({a.applicant.organisation.name})",
        f"Home supervisor: {a.supervisor.name} ({a.supervisor.organisation.name})",
    ]
    for line in lines:
        pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FAMILY, "B", 13)
    pdf.multi_cell(0, 8, "Learning outcomes", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 11)
    for i, outcome in enumerate(a.agreed_outcomes, 1):
        pdf.multi_cell(0, 7, f"{i}. {outcome}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FAMILY, "B", 13)
    pdf.multi_cell(0, 8, f"Signatures (times in {zone})", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 11)
    for label, at in (
        ("Participant", a.participant_signed_at),
        ("Host", a.host_signed_at),
        ("Home supervisor", a.supervisor_signed_at),
    ):
        when = f"signed in InnoCore on {moment_text(at, zone)}" if at else "not signed yet"
        pdf.multi_cell(0, 7, f"{label}: {when}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
