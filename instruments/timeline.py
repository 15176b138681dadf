"""Calendar layouts with bookings drawn as blocks (pure: no Flask, no session, no clock).

Two layouts, both HTML tables whose cells span columns or rows (the pages' CSP allows no inline
style, so a block's place is its ``colspan``/``rowspan``; headers and cells share one grid, so they
line up by construction):

- ``facility_timeline``: instruments as rows, real time as columns of ``unit`` minutes from the
  first local midnight; a DST day simply has 23 or 25 hours of columns, and the hour headers name
  the facility's wall clock. Each row is one pass over the instrument's sorted blocks and free
  intervals: the cost grows with bookings, not with cells x bookings.
- ``instrument_week``: days as columns, wall-clock rows of the instrument's slot. Rows are the
  union of the local times of the days shown, so the repeated autumn hour has two rows (a day
  without it shows a gap) and the skipped spring hour is a gap on its day: a block is placed by
  the wall clock of its start and end, and its rows are its real length.

All instants are timezone-aware UTC; ``zone`` is the facility's; lengths are minutes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from math import gcd
from typing import NamedTuple
from zoneinfo import ZoneInfo

from instruments.free_time import align_up


class Block(NamedTuple):
    """Something drawn on the calendar, with what this reader may see of it.

    ``kind``: ``booking`` (someone else's), ``mine``, ``pending``, ``training`` or ``downtime``.
    ``label``: the visible text ("Booked" unless the reader may see who and why).
    ``booking_id``: set when the reader may open the booking.
    """

    starts_at: datetime
    ends_at: datetime
    kind: str
    label: str
    booking_id: int | None = None
    short: str = ""  # the label where space is short (the week timeline); else ``label``


@dataclass(slots=True)
class Cell:
    """One table cell: a block, a free stretch (bookable), or closed/past/gap time.

    ``span``: columns (timeline) or rows (week). ``starts_at``/``ends_at``: the real interval it
    stands for (UTC). ``book_at``: for free cells, the first on-grid start inside it.
    """

    kind: str  # a Block kind, or free | closed | past | gap | lane
    span: int
    starts_at: datetime
    ends_at: datetime
    label: str = ""
    when: str = ""
    booking_id: int | None = None
    book_at: datetime | None = None
    now: bool = False
    col: int = 0  # timeline: the first column
    short: str = ""


def wall_clock_span(start: datetime, end: datetime, zone: ZoneInfo, short: bool = False) -> str:
    """``"09:00–10:00 CET"``: an interval as the facility's wall clock, each end with its own
    abbreviation when they differ (``"02:00 CEST–03:00 CET"`` on the autumn night), with the
    dates when it does not stay within one local day (unless ``short``)."""
    a, b = start.astimezone(zone), end.astimezone(zone)
    if not short and a.date() != (b - timedelta(microseconds=1)).date():
        return f"{a:%a %d %b %H:%M} {a.tzname()} – {b:%a %d %b %H:%M} {b.tzname()}"
    if a.tzname() == b.tzname():
        return f"{a:%H:%M}–{b:%H:%M} {a.tzname()}"
    return f"{a:%H:%M} {a.tzname()}–{b:%H:%M} {b.tzname()}"


def display_unit(slot_minutes: int | None) -> int:
    """Minutes per column/row for an instrument: its slot when it is at least 15 minutes and
    divides a day, else the smallest multiple of it that does (60 when there is no slot)."""
    if not slot_minutes:
        return 60
    for unit in range(slot_minutes, 1441, slot_minutes):
        if unit >= 15 and 1440 % unit == 0:
            return unit
    return 60


def common_unit(slot_minutes: Sequence[int | None]) -> int:
    """One column width for a facility timeline: the largest of 15, 30, 60 minutes that every
    instrument's display unit is a multiple of."""
    g = 60
    for s in slot_minutes:
        g = gcd(g, display_unit(s))
    return 60 if g == 60 else 30 if g == 30 else 15


# ---- facility timeline ----------------------------------------------------------------------


@dataclass
class Header:
    label: str
    span: int
    title: str = ""
    day: date | None = None
    now: bool = False  # the hour header over the current time


@dataclass
class Axis:
    """The columns of a timeline: ``count`` columns of ``unit`` minutes from ``starts_at``.
    ``marks``: the wall clock ("HH:MM ZZZ") of each column boundary; ``dst``: whether the
    offset changes in the window (spans then name their zone)."""

    starts_at: datetime
    ends_at: datetime
    unit: int
    count: int
    days: list[Header]
    hours: list[Header]
    now_column: int | None
    marks: list[str] = field(default_factory=list)
    dst: bool = False
    instants: list[datetime] = field(default_factory=list)  # each column boundary (UTC)

    def span_text(
        self, c0: int, c1: int, start: datetime, end: datetime, zone: ZoneInfo, exact: bool
    ) -> str:
        """The wall-clock span of a cell: read from the column marks when it starts and ends on
        column boundaries (``exact``: a lookup), else computed."""
        if not exact:
            return wall_clock_span(start, end, zone, short=True)
        a, b = self.marks[c0], self.marks[c1]
        if a[6:] == b[6:]:
            return f"{a[:5]}–{b[:5]} {a[6:]}" if self.dst else f"{a[:5]}–{b[:5]}"
        return f"{a}–{b}"


def axis(days: list[date], zone: ZoneInfo, unit: int, now: datetime) -> Axis:
    """Columns from the first day's local midnight to the end of the last day, in real time;
    day and hour headers in the facility's wall clock (each hour header spans its columns)."""
    start = datetime.combine(days[0], time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(days[-1] + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    step = timedelta(minutes=unit)
    count = int((end - start) / step)
    day_heads: list[Header] = []
    hour_heads: list[Header] = []
    zones: list[str] = []  # each hour header's zone abbreviation
    marks = []
    instants = [start + i * step for i in range(count + 1)]
    for i, instant in enumerate(instants):
        local = instant.astimezone(zone)
        marks.append(f"{local:%H:%M} {local.tzname()}")
        if i == count:
            break
        if not day_heads or local.date() != day_heads[-1].day:
            day_heads.append(Header(f"{local:%A %d %B %Y}", 0, day=local.date()))
        if local.minute == 0 or not hour_heads:
            title = f"{local:%a %d %b %H:%M} {local.tzname()}"
            hour_heads.append(Header(f"{local:%H}", 0, title, day=local.date()))
            zones.append(local.tzname() or "")
        day_heads[-1].span += 1
        hour_heads[-1].span += 1
    # The autumn night's repeated hour: both headers name their zone ("02 CEST", "02 CET").
    seen: dict[tuple, int] = {}
    for h in hour_heads:
        seen[h.day, h.label] = seen.get((h.day, h.label), 0) + 1
    for h, abbreviation in zip(hour_heads, zones, strict=True):
        if seen[h.day, h.label] > 1:
            h.label = f"{h.label} {abbreviation}"
    now_col = int((now - start) / step) if start <= now < end else None
    if now_col is not None:
        col = 0
        for h in hour_heads:
            h.now = col <= now_col < col + h.span
            col += h.span
    dst = len({m[6:] for m in marks}) > 1
    return Axis(start, end, unit, count, day_heads, hour_heads, now_col, marks, dst, instants)


def timeline_row(
    ax: Axis,
    zone: ZoneInfo,
    *,
    blocks: Sequence[Block],
    free: Sequence[tuple[datetime, datetime]],
    now: datetime,
    slot_minutes: int | None,
    texts: bool = True,
) -> list[list[Cell]]:
    """The lanes of one instrument: lane 0 holds the blocks and, between them, free stretches
    (bookable), closed time and past time; blocks that overlap (a booking under a downtime) go
    to further lanes. One pass over the sorted blocks and one over the sorted free intervals,
    in whole seconds from the axis start: the cost grows with bookings, not with columns.
    ``texts=False`` leaves the cells' wall-clock spans (``when``) empty, for a page that does
    not print them."""
    t0, step = ax.starts_at.timestamp(), ax.unit * 60
    t_end = ax.ends_at.timestamp()
    lanes: list[list[tuple[float, float, Block]]] = [[]]
    ends: list[float] = [t0]
    for b in sorted(blocks):  # by start, then end
        s, e = b.starts_at.timestamp(), b.ends_at.timestamp()
        if e <= t0 or s >= t_end:
            continue
        for i, last in enumerate(ends):
            if s >= last or not lanes[i]:
                lanes[i].append((s, e, b))
                ends[i] = e
                break
        else:
            lanes.append([(s, e, b)])
            ends.append(e)
    spans = [(s.timestamp(), e.timestamp(), s, e) for s, e in sorted(free)]
    now_col = min(max(-int((t0 - now.timestamp()) // step), 0), ax.count)
    out = []
    for n, lane in enumerate(lanes):
        row = _Row(ax, zone, step, t0, now_col, spans, slot_minutes, n, texts)
        for s, e, b in lane:
            c0 = max(int((s - t0) // step), 0, row.cursor)
            if c0 >= ax.count:
                break
            c1 = min(max(-int((t0 - e) // step), c0 + 1), ax.count)
            row.gap(c0)
            exact = not (s - t0) % step and not (e - t0) % step and (s - t0) >= 0 and e <= t_end
            when = ax.span_text(c0, c1, b.starts_at, b.ends_at, zone, exact) if texts else ""
            row.cells.append(
                Cell(
                    b.kind,
                    c1 - c0,
                    b.starts_at,
                    b.ends_at,
                    b.label,
                    when,
                    b.booking_id,
                    col=c0,
                    short=b.short or b.label,
                )
            )
            row.cursor = c1
        row.gap(ax.count)
        out.append(row.cells)
    return out


class _Row:
    """Fills the columns between blocks of one lane, walking the free intervals forward once."""

    def __init__(self, ax, zone, step, t0, now_col, spans, slot_minutes, lane, texts):
        self.ax, self.zone, self.step, self.t0, self.now_col = ax, zone, step, t0, now_col
        self.spans, self.slot, self.lane, self.texts = spans, slot_minutes, lane, texts
        self.cells: list[Cell] = []
        self.cursor, self.fi = 0, 0
        self.at = ax.instants.__getitem__  # the instant of a column boundary
        # A column boundary is on the slot grid when the slot divides both the column and the
        # hour (DST moves the wall clock by whole hours): no need to align it then.
        self.on_grid = not slot_minutes or (ax.unit % slot_minutes == 0 and 60 % slot_minutes == 0)

    def gap(self, c1: int) -> None:
        """Columns ``[cursor, c1)``: free stretches where free time covers whole columns, else
        closed (future) or past time; further lanes are blank."""
        c0 = self.cursor
        if c1 <= c0:
            return
        if self.lane:
            self.cells.append(Cell("lane", c1 - c0, self.at(c0), self.at(c1), col=c0))
            self.cursor = c1
            return
        t0, step, spans = self.t0, self.step, self.spans
        lo, hi = t0 + c0 * step, t0 + c1 * step
        while self.fi < len(spans) and spans[self.fi][1] <= lo:
            self.fi += 1
        j = self.fi
        while j < len(spans) and spans[j][0] < hi:
            fs, fe, s, e = spans[j]
            f0 = max(-int((t0 - fs) // step), c0, self.cursor)
            f1 = min(int((fe - t0) // step), c1)
            if f1 > f0:
                first = self.at(f0)
                book_at = (
                    first
                    if self.on_grid and s <= first
                    else align_up(max(s, first), self.zone, self.slot)
                )
                if book_at.timestamp() < min(fe, t0 + f1 * step):
                    self.fill(f0)
                    when = (
                        self.ax.span_text(f0, f1, None, None, self.zone, True) if self.texts else ""
                    )
                    self.cells.append(
                        Cell(
                            "free",
                            f1 - f0,
                            self.at(f0),
                            self.at(f1),
                            "Free",
                            when,
                            book_at=book_at,
                            col=f0,
                        )
                    )
                    self.cursor = f1
            if fe > hi:
                break
            j += 1
        self.fill(c1)

    def fill(self, c1: int) -> None:
        """Closed or past time up to column ``c1`` (split at now)."""
        a = self.cursor
        while a < c1:
            kind, cut = ("past", min(c1, self.now_col)) if a < self.now_col else ("closed", c1)
            last = self.cells[-1] if self.cells else None
            if last is not None and last.kind == kind and last.col + last.span == a:
                last.span += cut - a
                last.ends_at = self.at(cut)
            else:
                self.cells.append(Cell(kind, cut - a, self.at(a), self.at(cut), col=a))
            a = cut
        self.cursor = max(self.cursor, c1)


def _block_cell(b: Block, span: int, zone: ZoneInfo) -> Cell:
    return Cell(
        b.kind,
        span,
        b.starts_at,
        b.ends_at,
        b.label,
        wall_clock_span(b.starts_at, b.ends_at, zone),
        b.booking_id,
    )


# ---- instrument day and week ------------------------------------------------------------------


@dataclass
class WeekRow:
    label: str  # "09:00", or "02:00 CEST" / "02:00 CET" for the repeated autumn hour
    cells: list[tuple[int, Cell]] = field(default_factory=list)  # (day index, cell) from here
    now: bool = False


def _exists(local: datetime) -> bool:
    """Whether a wall-clock time (with its fold) happens: not in the spring gap, and a second
    pass (fold=1) only in the repeated autumn hour."""
    back = local.astimezone(UTC).astimezone(local.tzinfo)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        return False
    return local.fold == 0 or local.utcoffset() != local.replace(fold=0).utcoffset()


def instrument_week(
    days: list[date],
    zone: ZoneInfo,
    *,
    blocks: Sequence[Block],
    free: Sequence[tuple[datetime, datetime]],
    now: datetime,
    slot_minutes: int | None,
    hours: range = range(24),
) -> list[WeekRow]:
    """Rows of ``display_unit(slot_minutes)`` wall-clock minutes over ``hours``; per day a
    column where each block spans the rows from its start to its end, each free slot is its
    own cell (a link to book it) and runs of closed, past or non-existent rows are merged."""
    unit = display_unit(slot_minutes)
    first = hours.start * 60 // unit * unit
    last = hours.stop * 60
    keys: list[tuple[int, int]] = []  # (minute of day, fold)
    instants: list[dict[tuple[int, int], datetime]] = []
    names: dict[tuple[int, int], str] = {}
    for day in days:
        got = {}
        midnight = datetime.combine(day, time(0), tzinfo=zone)
        changes = midnight.utcoffset() != (midnight + timedelta(days=1)).utcoffset()
        for m in range(first, last, unit):
            if not changes:  # no DST change that day: every wall-clock time happens once
                local = datetime.combine(day, time(m // 60, m % 60), tzinfo=zone)
                got[(m, 0)] = local.astimezone(UTC)
                continue
            for fold in (0, 1):
                local = datetime.combine(day, time(m // 60, m % 60, fold=fold), tzinfo=zone)
                if _exists(local):
                    got[(m, fold)] = local.astimezone(UTC)
                    if fold:
                        names[(m, 0)] = local.replace(fold=0).tzname()
                        names[(m, 1)] = local.tzname()
        instants.append(got)
        keys += [k for k in got if k not in keys]
    keys.sort()
    rows = [
        WeekRow(f"{m // 60:02d}:{m % 60:02d}" + (f" {names[(m, f)]}" if (m, f) in names else ""))
        for m, f in keys
    ]
    for d, day in enumerate(days):
        end_of_day = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        limit = min(
            end_of_day,
            datetime.combine(day, time(0), tzinfo=zone) + timedelta(minutes=last)
            if last < 1440
            else end_of_day,
        ).astimezone(UTC)
        column = _week_column(keys, instants[d], limit, blocks, free, now, zone, slot_minutes)
        for r, cell in column:
            rows[r].cells.append((d, cell))
            if cell.now:
                rows[r].now = True
    return rows


def _week_column(keys, got, limit, blocks, free, now, zone, slot_minutes):
    """One day: (first row, cell) pairs covering every row once."""
    keys_text = [f"{m // 60:02d}:{m % 60:02d}" for m, _ in keys]
    # row r of this day covers [start_r, end_r): until the next row that exists, or ``limit``.
    starts = [got.get(k) for k in keys]
    real = [(r, s) for r, s in enumerate(starts) if s is not None]
    bounds: dict[int, tuple[datetime, datetime]] = {}
    for i, (r, s) in enumerate(real):
        bounds[r] = (s, real[i + 1][1] if i + 1 < len(real) else limit)
    lo = real[0][1] if real else limit
    mine = sorted(
        (b for b in blocks if b.starts_at < limit and b.ends_at > lo),
        key=lambda b: (b.starts_at, b.ends_at),
    )
    free = sorted(f for f in free if f[0] < limit and f[1] > lo)
    out: list[tuple[int, Cell]] = []
    r, n, bi, fi = 0, len(keys), 0, 0
    while r < n:
        if r not in bounds:
            _push(out, r, Cell("gap", 1, lo, lo, when="does not exist"))
            r += 1
            continue
        s, e = bounds[r]
        while bi < len(mine) and mine[bi].ends_at <= s:
            bi += 1  # ends before this row (or swallowed by an earlier block)
        if bi < len(mine) and mine[bi].starts_at < e:
            b = mine[bi]
            last = r
            for q in range(r + 1, n):  # rows that do not exist on this day are spanned over
                if q in bounds:
                    if bounds[q][0] >= b.ends_at:
                        break
                    last = q
            cell = _block_cell(b, last - r + 1, zone)
            bi += 1
            while bi < len(mine) and mine[bi].starts_at < bounds[last][1]:
                cell.label += f"; {mine[bi].label}"  # overlapping (a booking under downtime)
                bi += 1
            cell.now = s <= now < bounds[last][1]
            out.append((r, cell))
            r = last + 1
            continue
        while fi < len(free) and free[fi][1] <= s:
            fi += 1
        book_at = None
        if fi < len(free) and free[fi][0] < e:
            start = align_up(max(s, free[fi][0]), zone, slot_minutes)
            book_at = start if start < min(e, free[fi][1]) else None
        if book_at is not None:  # its ``when``: the wall clock it books from
            when = keys_text[r] if book_at == s else f"{book_at.astimezone(zone):%H:%M}"
            out.append((r, Cell("free", 1, s, e, "Free", when, book_at=book_at, now=s <= now < e)))
        else:
            _push(out, r, Cell("past" if e <= now else "closed", 1, s, e, now=s <= now < e))
        r += 1
    return out


def _push(out: list[tuple[int, Cell]], r: int, cell: Cell) -> None:
    """Append a blank cell, merging it into the previous one of the same kind (not across now)."""
    if (
        out
        and out[-1][1].kind == cell.kind
        and out[-1][0] + out[-1][1].span == r
        and not (cell.now or out[-1][1].now)
    ):
        out[-1][1].span += 1
        out[-1][1].ends_at = cell.ends_at
    else:
        out.append((r, cell))


# ---- agenda -------------------------------------------------------------------------------------


def agenda(
    days: list[date],
    zone: ZoneInfo,
    *,
    blocks: Sequence[Block],
    free: Sequence[tuple[datetime, datetime]],
    slot_minutes: int | None,
) -> list[tuple[date, list[Cell]]]:
    """Per local day, in time order, the free stretches (``book_at``: their first on-grid start)
    and every block that touches the day (bookings outside opening hours included)."""
    out = []
    for day in days:
        lo = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
        hi = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        items = [_block_cell(b, 1, zone) for b in blocks if b.starts_at < hi and b.ends_at > lo]
        for s, e in free:
            if s < hi and e > lo:
                s, e = max(s, lo), min(e, hi)
                book_at = align_up(s, zone, slot_minutes)
                if book_at < e:
                    items.append(
                        Cell("free", 1, s, e, "Free", wall_clock_span(s, e, zone), book_at=book_at)
                    )
        out.append((day, sorted(items, key=lambda c: c.starts_at)))
    return out


def visible_hours(
    opening, blocks: Sequence[Block] = (), days: Sequence[date] = (), zone: ZoneInfo | None = None
) -> range:
    """Hours to draw in a day or week: the opening hours' span with an hour either side (the
    whole day when none are set), widened to every hour a block occupies on the days shown
    (staff book outside opening hours)."""
    if not opening:
        return range(24)
    first = min(w.opens.hour for w in opening) - 1
    last = max(w.closes.hour + (1 if w.closes.minute else 0) for w in opening) + 1
    for day in days:
        lo = datetime.combine(day, time(0), tzinfo=zone)
        hi = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        for b in blocks:
            if b.starts_at < hi and b.ends_at > lo:
                s, e = max(b.starts_at, lo).astimezone(zone), min(b.ends_at, hi).astimezone(zone)
                first = min(first, s.hour)
                last = max(last, 24 if e.date() > day else e.hour + (1 if e.minute else 0))
    return range(max(first, 0), min(last, 24))
