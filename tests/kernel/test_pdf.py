"""PDF documents print every name whole: embedded Noto fonts, CJK by fallback, long names fit."""

import io

from pypdf import PdfReader

from innocore.pdf import FALLBACK, Document, fitted_line

NAME = "Zoë Łukasiewicz-Öztürk 王小明"
LONG = "Maria-Magdalena Alexandrova-Papadopoulou Ελένη Ιωάννου Иван Петрович Özil"  # 73 characters


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_latin_greek_cyrillic_and_cjk_names_come_back_whole():
    pdf = Document("Names")
    pdf.add_page()
    fitted_line(pdf, NAME, size=20, min_size=11, style="B")
    fitted_line(pdf, LONG, size=20, min_size=11, style="B")
    text = text_of(bytes(pdf.output()))
    assert NAME in text
    assert len(LONG) == 73 and LONG in text  # shrunk onto one line, not cut at the edges


def test_the_cjk_font_is_loaded_only_when_the_text_needs_it():
    latin = Document("Latin")
    latin.add_page()
    latin.cell(0, 10, "Zoë Łukasiewicz-Öztürk, Ελένη, Иван")
    latin.output()
    assert FALLBACK not in latin.fonts
    cjk = Document("CJK")
    cjk.add_page()
    cjk.cell(0, 10, "王小明")
    assert FALLBACK in cjk.fonts
