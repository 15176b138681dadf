"""The report framework: a scope (who, where, when), sections that packages contribute, and the
tables and charts a section holds. Packages register sections from their ``register(app)``; the
kernel never imports them.

A section function takes a :class:`Scope` and returns a :class:`Section`; it runs a fixed number
of aggregate queries whatever the data size.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import Flask, current_app

from innocore.errors import DomainError, Problem
from innocore.marks import N_, T_, as_message
from innocore.reports.buckets import local_midnight

KINDS = ("facility", "network", "person", "company")
MAX_DAYS = 3 * 366 + 1  # three years at most: a report, not a data dump
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# The years a report may cover (narrower than the calendar's 1900 to 2999).
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class Scope:
    """What a report covers: the local dates ``[start_on, end_on]`` (inclusive) read in ``zone``,
    and one of a facility, the network (optionally one facility), a person or a company."""

    kind: str
    start_on: date
    end_on: date
    zone: str
    now: datetime
    facility_id: int | None = None
    user_id: int | None = None
    organisation_id: int | None = None

    @property
    def starts_at(self) -> datetime:
        """UTC instant of local midnight opening the first day."""
        return local_midnight(self.start_on, self.zone)

    @property
    def ends_at(self) -> datetime:
        """UTC instant of local midnight after the last day (half-open end)."""
        return local_midnight(self.end_on + timedelta(days=1), self.zone)

    @property
    def period_label(self) -> str:
        from innocore.clock import wall_text

        return T_(
            "%(start)s to %(end)s, %(zone)s time",
            start=wall_text(self.start_on, "%d %b %Y"),
            end=wall_text(self.end_on, "%d %b %Y"),
            zone=self.zone,
        )


@dataclass
class Table:
    """Rows of plain values (str, int, Decimal, float, None) under ``columns``."""

    title: str
    columns: list[str]
    rows: list[list]


@dataclass
class Chart:
    """``kind`` is ``line``, ``bar`` or ``heatmap``; ``table`` is the same data as text, shown with
    the chart for people who cannot see it (and exported). Heat maps: ``x_labels`` are hours,
    ``series`` one row per weekday."""

    kind: str
    title: str
    x_labels: list[str]
    series: list[tuple[str, list[float]]]
    table: Table
    unit: str = ""


@dataclass
class Section:
    key: str
    title: str
    figures: list[tuple[str, object]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    note: str = ""


SectionFn = Callable[[Scope], Section]

TOP_BARS = 15  # a bar chart of a breakdown shows its largest rows; the table lists them all


def breakdown_chart(
    scope: Scope,
    title: str,
    table: Table,
    values: list[tuple[str, int]],
    unit: str,
    *,
    label: int = 0,
    top: int = TOP_BARS,
) -> Chart:
    """A bar chart of a breakdown ``table`` (rows of one thing each: a group, an account...):
    one bar series per ``(series name, column index)`` of ``values``, labelled by column
    ``label``, the ``top`` largest rows by the first series (in the table's order). Its data
    table holds exactly what is drawn; the title states what, the period and the zone, and when
    rows were left out, how many of how many are shown."""
    first = values[0][1]
    ranked = sorted(table.rows, key=lambda r: -(float(r[first] or 0)))[:top]
    kept = [r for r in table.rows if any(r is k for k in ranked)]
    labels = [r[label] if isinstance(r[label], str) else str(r[label]) for r in kept]
    series = [(name, [float(r[i] or 0) for r in kept]) for name, i in values]
    name = as_message(title)
    if len(kept) < len(table.rows):
        counts = {"kept": len(kept), "total": len(table.rows)}
        data_title = T_("%(title)s (the %(kept)s largest of %(total)s)", title=name, **counts)
        chart_title = T_(
            "%(title)s (the %(kept)s largest of %(total)s), %(period)s",
            title=name,
            period=scope.period_label,
            **counts,
        )
    else:
        data_title = name
        chart_title = T_("%(title)s, %(period)s", title=name, period=scope.period_label)
    data = Table(
        data_title,
        [table.columns[label], *(name for name, _ in values)],
        [[labels[k], *(s[1][k] for s in series)] for k in range(len(kept))],
    )
    return Chart(
        "bar",
        chart_title,
        labels,
        series,
        data,
        unit,
    )


def register_report_section(app: Flask, kind: str, fn: SectionFn, order: int = 50) -> None:
    """A package adds a section to the ``kind`` report (one of :data:`KINDS`)."""
    if kind not in KINDS:
        raise ValueError(f"unknown report kind {kind!r}")
    app.extensions.setdefault("innocore.report_sections", []).append((order, kind, fn))


def build(scope: Scope) -> list[Section]:
    """Every registered section of the scope's kind, in order."""
    entries = current_app.extensions.get("innocore.report_sections", [])
    return [
        fn(scope) for order, kind, fn in sorted(entries, key=lambda e: e[0]) if kind == scope.kind
    ]


def parse_dates(raw_from: str | None, raw_to: str | None, today: date) -> tuple[date, date]:
    """``from``/``to`` as ``YYYY-MM-DD`` local dates; default: the twelve months up to today.

    Raises ``DomainError`` (400) naming the bad parameter: unreadable date, a year outside
    ``FIRST_YEAR``..``LAST_YEAR`` (2000 to 2100), ``to`` before ``from``, or a range longer
    than three years.
    """
    problems = []

    def one(raw, name, default):
        if not raw:
            return default
        try:
            if not DATE_RE.match(raw):
                raise ValueError
            value = date.fromisoformat(raw)
        except ValueError:
            problems.append(
                Problem(
                    "invalid_date", T_("'%(name)s' is a date like 2026-03-31.", name=name), name
                )
            )
            return default
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            msg = T_(
                "Reports cover the years %(first_year)s to %(last_year)s: '%(name)s' is %(raw)s.",
                first_year=FIRST_YEAR,
                last_year=LAST_YEAR,
                name=name,
                raw=raw,
            )
            problems.append(Problem("out_of_range", msg, name))
            return default
        return value

    end = one(raw_to, "to", today)
    start = one(raw_from, "from", (end.replace(day=1) - timedelta(days=335)).replace(day=1))
    if not problems and end < start:
        problems.append(Problem("period_order", N_("'to' must be on or after 'from'."), "to"))
    if not problems and (end - start).days > MAX_DAYS:
        problems.append(
            Problem("period_too_long", N_("A report covers three years at most."), "to")
        )
    if problems:
        raise DomainError(problems, status=400)
    return start, end


def percent(part, whole) -> float | None:
    """``part / whole`` in percent, one decimal; None when ``whole`` is zero."""
    if not whole:
        return None
    return round(float(part) * 100 / float(whole), 1)


def hours(seconds) -> float:
    """Seconds as hours, two decimals."""
    return round(float(seconds or 0) / 3600, 2)


def money(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def table_json(table: Table) -> dict:
    return {
        "title": table.title,
        "columns": table.columns,
        "rows": [[cell_json(c) for c in row] for row in table.rows],
    }


def cell_json(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def section_json(section: Section) -> dict:
    """A section as JSON: figures, tables, and each chart's data table."""
    return {
        "key": section.key,
        "title": section.title,
        "note": section.note,
        "figures": [{"label": k, "value": cell_json(v)} for k, v in section.figures],
        "tables": [table_json(t) for t in section.tables]
        + [table_json(c.table) for c in section.charts],
    }
