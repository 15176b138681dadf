"""The calendar pages: an instrument's page (day, week, agenda) and the facility timeline.

Bookings, training reservations and downtime are blocks (``instruments.timeline``); who booked
and why is shown to the facility's staff and to the booker, everyone else reads "Booked"
(``booking_visible_in_full``). Free time links to the booking form, which opens within the rules.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy.orm import selectinload

from innocore import clock
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.permissions import can_staff_facility
from instruments import bp, free_time, queries, rules, timeline
from instruments.models import Instrument
from instruments.permissions import booking_visible_in_full
from instruments.views import _week_start

VIEWS = {"day": 1, "week": 7, "agenda": 14}


def blocks_for(items: list[queries.CalendarItem], reader_id: int | None, staff: bool):
    """What this reader may see of each item: staff and the booker see who and why (with a
    link); everyone else a "Booked" block. Training reservations and downtime say what they are."""
    out = []
    for it in items:
        if it.kind == "downtime":
            label = _("Downtime: %(reason)s", reason=it.purpose) if it.purpose else _("Downtime")
            out.append(timeline.Block(it.starts_at, it.ends_at, "downtime", label))
            continue
        mine = reader_id is not None and it.user_id == reader_id
        full = booking_visible_in_full(reader_id, it.user_id, staff)
        detail = f"{it.who}: {it.purpose}" if it.purpose else it.who
        if it.training:
            kind, label = (
                "training",
                _("Training (%(detail)s)", detail=detail) if staff else _("Training"),
            )
        elif mine:
            kind, label = "mine", _("Your booking")
        else:
            kind, label = "booking", detail if staff else "Booked"
        short = it.who if staff and kind == "booking" else label
        if it.pending and full:
            kind, label = "pending", f"{label} (awaiting approval)"
        out.append(
            timeline.Block(it.starts_at, it.ends_at, kind, label, it.id if full else None, short)
        )
    return out


def _window(days: list[date], zone: ZoneInfo) -> tuple[datetime, datetime]:
    return (
        datetime.combine(days[0], time(0), tzinfo=zone).astimezone(UTC),
        datetime.combine(days[-1] + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC),
    )


def _days(zone: ZoneInfo, view: str) -> tuple[date, list[date]]:
    first = _week_start(zone)
    if view == "week":
        first -= timedelta(days=first.weekday())
    return first, [first + timedelta(days=i) for i in range(VIEWS[view])]


@bp.route("/<int:instrument_id>")
def show(instrument_id: int):
    instrument = queries.get_instrument(instrument_id)
    zone = ZoneInfo(instrument.facility.timezone)
    chosen = request.args.get("view")
    view = chosen if chosen in VIEWS else "week"
    first, days = _days(zone, view)
    start, end = _window(days, zone)
    reader_id = current_user.id if current_user.is_authenticated else None
    staff = can_staff_facility(current_user, instrument.facility)
    items = queries.calendar_items([instrument.id], start, end, details=staff)[instrument.id]
    blocks = blocks_for(items, reader_id, staff)
    policy = queries.policy_of(instrument)
    now = clock.now()
    free = free_time.free_intervals(policy, items, starts_at=start, ends_at=end, now=now)
    slot = policy.slot_minutes
    rows = None
    if view != "agenda":
        hours = timeline.visible_hours(policy.opening, blocks, days, zone)
        rows = timeline.instrument_week(
            days, zone, blocks=blocks, free=free, now=now, slot_minutes=slot, hours=hours
        )
        rows = week_html(
            rows,
            days,
            url_for("instruments.book", instrument_id=instrument.id),
            url_for("instruments.booking_page", booking_id=0)[:-1],
        )
    return render_template(
        "instruments/show.html",
        instrument=instrument,
        words=rules.policy_in_words(policy),
        rows=rows,
        days=days,
        view=view,
        phone_agenda=chosen is None,
        first=first,
        prev=first - timedelta(days=len(days)),
        next=first + timedelta(days=len(days)),
        agenda=timeline.agenda(days, zone, blocks=blocks, free=free, slot_minutes=slot)
        if view == "agenda" or chosen is None
        else None,
        zone=zone,
        now=now.astimezone(zone),
        today=now.astimezone(zone).date(),
        book_url=url_for("instruments.book", instrument_id=instrument.id),
        problems=queries.open_problems(instrument.id),
        user_id=reader_id,
        downtimes=queries.downtimes_between([instrument.id], now, now + timedelta(days=60)),
    )


def week_html(rows: list[timeline.WeekRow], days: list[date], book: str, booking: str):
    """The instrument day/week body: per row, its ``WeekRow`` and its ``<td>`` cells (built
    here for speed, as ``lane_html``). A free slot is a link to book it; a block names what it
    is (with a link for staff and the booker); a gap names the wall-clock time that does not
    exist that day."""
    names = [clock.wall_text(d, "%a %d %b") for d in days]
    # The words, looked up once (thousands of cells); their values are filled in per cell.
    free = escape(_("Free"))
    free_aria = _("Free: book %(day)s %(time)s")
    gap = _("%(time)s does not exist on %(day)s")
    out = []
    for row in rows:
        cells = []
        for d, c in row.cells:
            span = f' rowspan="{c.span}"' if c.span > 1 else ""
            now = " now" if c.now else ""
            if c.kind == "free":
                cells.append(
                    f'<td class="k-free{now}" data-end="{c.ends_at:%Y-%m-%dT%H:%MZ}">'
                    f'<a href="{book}?start={c.book_at:%Y-%m-%dT%H:%MZ}" '
                    f'aria-label="{escape(free_aria % {"day": names[d], "time": c.when})}">'
                    f"{free}</a></td>"
                )
            elif c.kind in ("closed", "past"):
                cells.append(f'<td{span} class="k-{c.kind}{now}"></td>')
            elif c.kind == "gap":
                cells.append(
                    f'<td{span} class="k-gap"><span class="visually-hidden">'
                    f"{escape(gap % {'time': row.label, 'day': names[d]})}</span></td>"
                )
            else:
                label = escape(c.label)
                text = f'<a href="{booking}{c.booking_id}">{label}</a>' if c.booking_id else label
                cells.append(
                    f'<td{span} class="k-{c.kind}{now}" title="{label}, '
                    f'{escape(c.when)}">{text} <small>{escape(c.when)}</small></td>'
                )
        # Every text is escaped above; the rest is ids, numbers and our own addresses.
        out.append((row, Markup("".join(cells))))  # noqa: S704
    return out


def lane_html(cells: list[timeline.Cell], book: str, booking: str, *, compact: bool) -> Markup:
    """One lane of the facility timeline as ``<td>`` cells. Built here rather than in Jinja: a
    week of 50 busy instruments is thousands of cells, and a template call per cell costs more
    than the rest of the page (see bench/calendar_bench.py). ``book``: the instrument's booking
    form; ``booking``: the booking page's address without the id.

    ``compact`` (the week): a block says only what it is (its time is its place, and its column
    headers for screen readers); free time is a plain cell that a click or drag books (script)
    while the day view and the instrument's calendar give every free stretch as a link. Cells
    are ``<td>`` without their optional end tags, the week being 5,000 cells or more.
    """
    out = []
    free = escape(_("Free"))
    for c in cells:
        kind, span = CLASS[c.kind], f" colspan={c.span}" if c.span > 1 else ""
        if compact:
            text = free if kind == "f" else "" if c.kind in BLANK else escape(c.short)
            out.append(f"<td{span} class={kind}>{text}")
        elif kind == "f":
            out.append(
                f'<td{span} class=f><a href="{book}?start={c.book_at:%Y-%m-%dT%H:%MZ}">'
                f"{free} <small>{escape(c.when)}</small></a></td>"
            )
        elif c.kind in BLANK:
            out.append(f"<td{span} class={kind}></td>")
        else:
            label = escape(c.label)
            if c.booking_id:
                label = f'<a href="{booking}{c.booking_id}">{label}</a>'
            out.append(
                f"<td{span} class={kind}><span>{label} <small>{escape(c.when)}</small></span></td>"
            )
    # Every text is escaped above; the rest is ids, numbers and our own addresses.
    return Markup("".join(out))  # noqa: S704


# Short class names (the week page is thousands of cells); calendar.css spells them out.
CLASS = {
    "free": "f",
    "closed": "c",
    "past": "p",
    "lane": "l",
    "gap": "g",
    "booking": "b",
    "mine": "m",
    "pending": "w",
    "training": "t",
    "downtime": "d",
}
BLANK = frozenset(("closed", "past", "lane", "gap"))


@bp.route("/facility/<slug>")
def facility_calendar(slug: str):
    facility = db.session.scalar(sa.select(Facility).where(Facility.slug == slug))
    if facility is None:
        abort(404)
    zone = ZoneInfo(facility.timezone)
    view = "week" if request.args.get("view") == "week" else "day"
    first, days = _days(zone, view)
    start, end = _window(days, zone)
    instruments = list(
        db.session.scalars(
            sa.select(Instrument)
            .where(Instrument.facility_id == facility.id)
            .options(selectinload(Instrument.opening_hours))
            .order_by(Instrument.name)
        )
    )
    reader_id = current_user.id if current_user.is_authenticated else None
    staff = can_staff_facility(current_user, facility)
    items = queries.calendar_items([i.id for i in instruments], start, end, details=staff)
    now = clock.now()
    ax = timeline.axis(days, zone, timeline.common_unit([i.slot_minutes for i in instruments]), now)
    day_starts, col = set(), 0
    for d in ax.days:
        day_starts.add(col)
        col += d.span
    rows = []
    book = url_for("instruments.book", instrument_id=0)[: -len("0/book")]
    booking = url_for("instruments.booking_page", booking_id=0)[:-1]
    for instrument in instruments:
        policy = queries.policy_of(instrument)
        mine = items[instrument.id]
        free = free_time.free_intervals(policy, mine, starts_at=start, ends_at=end, now=now)
        lanes = timeline.timeline_row(
            ax,
            zone,
            blocks=blocks_for(mine, reader_id, staff),
            free=free,
            now=now,
            slot_minutes=policy.slot_minutes,
            texts=view != "week",
        )
        url = f"{book}{instrument.id}/book"
        html = [lane_html(lane, url, booking, compact=view == "week") for lane in lanes]
        rows.append((instrument, lanes, url, html))
    return render_template(
        "instruments/facility_calendar.html",
        facility=facility,
        rows=rows,
        view=view,
        ax=ax,
        first=first,
        prev=first - timedelta(days=len(days)),
        next=first + timedelta(days=len(days)),
        days=days,
        zone=zone,
        now=now.astimezone(zone),
        day_starts=day_starts,
        phone_agenda=request.args.get("view") is None,
    )
