"""PDF documents that print every name (certificates, quotes, statements).

Fonts are embedded, installed by pip with the app: Noto Sans (``fontpkg-noto-sans``: Latin,
Greek, Cyrillic, Vietnamese...) for all text, and Noto Sans SC (``justmytype-intl-cjk``) as
fpdf2's fallback for what Noto Sans lacks (Chinese, Japanese kanji and kana...). The CJK font is
large (17 MB to parse), so it is loaded only by a document whose text needs it.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import fontpkg_noto_sans
from fpdf import FPDF

FAMILY = "noto"
FALLBACK = "noto-cjk"


def sans_path() -> Path:
    return Path(fontpkg_noto_sans.ROOT) / "files" / "NotoSans[wdth,wght].ttf"


def cjk_path() -> Path:
    root = files("justmytype_intl_cjk") / "fonts" / "ofl" / "notosanssc" / "NotoSansSC[wght].ttf"
    return Path(str(root))


class Document(FPDF):
    """An A4 ``FPDF`` with the fonts above; ``set_font(FAMILY, "B"|"", size)`` as usual.

    The variable font's default instance serves both styles: instancing a bold weight costs
    seconds per document, so emphasis comes from size.
    """

    def __init__(self, title: str, creator: str = "InnoCore"):
        super().__init__(format="A4")
        for style in ("", "B"):
            self.add_font(FAMILY, style, str(sans_path()))
        self._covered = self.fonts[FAMILY].cmap
        self._fallback_loaded = False
        self.set_title(title)
        self.set_creator(creator)
        self.set_font(FAMILY, "", 10)

    def normalize_text(self, text: str) -> str:
        if not self._fallback_loaded and any(
            ord(ch) not in self._covered for ch in text if not ch.isspace()
        ):
            self._load_fallback()
        return super().normalize_text(text)

    def _load_fallback(self) -> None:
        self._fallback_loaded = True
        self.add_font(FALLBACK, "", str(cjk_path()))
        self.set_fallback_fonts([FALLBACK], exact_match=False)


def fitted_line(pdf: FPDF, text: str, *, size: float, min_size: float, style: str = "") -> None:
    """One centred line across the page, the font shrunk from ``size`` down to ``min_size`` (pt)
    until the whole text fits; text still too long at the minimum wraps, never cut."""
    width = pdf.epw - 2 * pdf.c_margin
    while size > min_size:
        pdf.set_font(FAMILY, style, size)
        if pdf.get_string_width(text) <= width:
            break
        size -= 1
    pdf.set_font(FAMILY, style, size)
    pdf.multi_cell(0, size * 0.55, text, align="C", new_x="LMARGIN", new_y="NEXT")


def new_document(title: str) -> FPDF:
    """An A4 document with one page begun and ``title`` as its heading (16 pt)."""
    pdf = Document(title)
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 16)
    pdf.multi_cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=10)
    return pdf


def table(pdf: FPDF, header: list[str], rows: list[list[str]], widths: list[int]) -> None:
    """A bordered table; long cells wrap inside their column (nothing is cut)."""
    pdf.set_font(FAMILY, size=9)
    align = tuple("LEFT" if i < 2 else "RIGHT" for i in range(len(widths)))
    with pdf.table(
        col_widths=widths,
        text_align=align,
        width=sum(widths),
        align="LEFT",
        first_row_as_headings=True,
    ) as grid:
        for values in [header, *rows]:
            row = grid.row()
            for text in values:
                row.cell(str(text))
    pdf.ln(2)
