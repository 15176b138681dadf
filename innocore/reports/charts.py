"""Charts as inline SVG drawn on the server.

Line and bar charts: pygal. It writes SVG itself (no browser-side drawing, no image files), is
pure Python with one small dependency, is maintained (3.1, 2026), and gives each chart a
``<title>`` and ``<desc>``; leather draws similar SVG but has no tooltips, legends of its own or
styling, and its releases are rarer. pygal's interactive tooltips load a script from a CDN by
default: ``js=[]`` turns that off, so the page serves nothing from elsewhere. Neither library
draws a heat map, so the weekday × hour map is a grid of ``<rect>`` written here (XML-escaped).

Every chart is shown beside its data table (the accessible reading and the export).
"""

from __future__ import annotations

import re
import sys
from xml.sax.saxutils import escape

import pygal
from pygal.style import Style

from innocore.reports.core import Chart

# pygal appends a legacy import hook (``find_module`` only, for its map plugins, which we do not
# use) to ``sys.meta_path``; Python warns on every import that reaches it. Take it out again.
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]

SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#52606d",
    colors=("#1d4ed8", "#b45309", "#047857", "#7c3aed", "#be123c", "#0e7490"),
    font_family="system-ui, sans-serif",
    title_font_size=16,
    label_font_size=11,
    major_label_font_size=11,
    legend_font_size=12,
)


def render(chart: Chart, nonce: str = "") -> str:
    """The chart as an ``<svg>`` element (text), ready to place inline in HTML.

    pygal styles its SVG with a ``<style>`` element; the page's Content-Security-Policy admits
    it by ``nonce`` (see :func:`innocore.reports.views.csp_with_nonce`), nothing else inline.
    """
    chart = _in_reader_language(chart)
    if chart.kind == "heatmap":
        return heatmap_svg(chart)
    cls = {"line": pygal.Line, "bar": pygal.Bar}[chart.kind]
    graph = cls(
        js=[],  # no tooltip script from a CDN
        disable_xml_declaration=True,
        style=STYLE,
        width=760,
        height=340,
        title=chart.title,
        x_label_rotation=45 if len(chart.x_labels) > 12 else 0,
        show_minor_x_labels=len(chart.x_labels) <= 16,
        x_labels_major_every=max(1, len(chart.x_labels) // 12),
        legend_at_bottom=True,
        y_title=chart.unit or None,
        print_values=False,
        show_dots=len(chart.x_labels) <= 60,
        truncate_legend=40,
    )
    graph.x_labels = chart.x_labels
    for name, values in chart.series:
        graph.add(name, [None if v is None else float(v) for v in values])
    # The inline configuration script serves only the tooltips we turned off (and the page's
    # Content-Security-Policy would refuse it): the SVG is drawn without it.
    svg = SCRIPT.sub("", graph.render(is_unicode=True))
    svg = svg.replace('style="opacity: 0"', 'opacity="0"')  # an attribute CSP leaves alone
    return svg.replace("<style ", f'<style nonce="{escape(nonce)}" ', 1) if nonce else svg


def _shade(value: float, top: float) -> str:
    """White (nothing booked) to deep blue (the busiest cell)."""
    share = 0.0 if top <= 0 else max(0.0, min(1.0, value / top))
    r = round(255 - share * (255 - 29))
    g = round(255 - share * (255 - 78))
    b = round(255 - share * (255 - 216))
    return f"#{r:02x}{g:02x}{b:02x}"


def _in_reader_language(chart: Chart) -> Chart:
    """The chart with its words in the reader's language: its title, unit and series names,
    and the labels that are marked messages (a position, a status), never names people typed
    (an instrument's, a group's), which are plain text."""
    from dataclasses import replace

    from innocore.marks import message_text

    def marked(text):
        return message_text(text) if getattr(text, "msgid", None) is not None else text

    return replace(
        chart,
        title=message_text(chart.title),
        unit=message_text(chart.unit) if chart.unit else chart.unit,
        series=[(message_text(name), values) for name, values in chart.series],
        x_labels=[marked(label) for label in chart.x_labels],
    )


def heatmap_svg(chart: Chart) -> str:
    """Weekday rows × hour columns, each cell shaded by its value and titled with it."""
    cell, left, top_pad = 30, 48, 70
    width, height = left + cell * len(chart.x_labels) + 8, top_pad + cell * len(chart.series) + 8
    top = max((v for _, row in chart.series for v in row), default=0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="heatmap">',
        f"<title>{escape(chart.title)}</title>",
    ]
    head, _, period = chart.title.partition(", ")
    parts.append(f'<text x="4" y="20" font-size="15" font-weight="600">{escape(head)}</text>')
    parts.append(f'<text x="4" y="40" font-size="12">{escape(period)}</text>')
    for j, label in enumerate(chart.x_labels):
        x = left + j * cell + cell / 2
        parts.append(
            f'<text x="{x}" y="{top_pad - 6}" font-size="10" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    for i, (name, row) in enumerate(chart.series):
        y = top_pad + i * cell
        parts.append(f'<text x="4" y="{y + cell * 0.65}" font-size="11">{escape(name)}</text>')
        for j, value in enumerate(row):
            tip = f"{name} {chart.x_labels[j]}: {value:.1f} {chart.unit}".strip()
            parts.append(
                f'<rect x="{left + j * cell}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                f'fill="{_shade(value, top)}" stroke="#e4e7eb"><title>{escape(tip)}</title></rect>'
            )
    parts.append("</svg>")
    return "".join(parts)
