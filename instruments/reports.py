"""The instruments package's report sections: utilisation (booked, used and available hours by
opening hours; by week, month, user category, organisation and research group; a weekday × hour
heat map),
no-shows and late cancellations, downtime, service requests and revenue, for a facility, the
network (each facility side by side), a person and a company.

Every figure is aggregated in SQL; each section runs a fixed number of queries whatever the
number of bookings. Booked = confirmed, completed and no-show bookings (time held for someone);
used = the time from check-in to check-out where a check-in is recorded (to the booked end while
nobody checked out), else the booked time of completed bookings; no-shows count from their
status. A booking is counted inside the report's period only (clipped at its ends) and in the
month or week in which it starts. A booking's research group is the group owning the billing
account it is charged to (the account is what the facility bills); bookings on a company's
account or on no account read as "No group". The opening-hours rows of the instruments
(configuration, at most a few per instrument) are read to compute available hours, expanded day
by day in the facility's zone.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

import sqlalchemy as sa
from flask import Flask, g
from sqlalchemy.orm import aliased

from innocore.accounts.models import Organisation, User
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.groups import ResearchGroup
from innocore.ledger.accounts import BillingAccount
from innocore.ledger.models import Charge
from innocore.marks import N_, T_, as_message
from innocore.reports import buckets as bk
from innocore.reports.core import (
    Chart,
    Scope,
    Section,
    Table,
    breakdown_chart,
    hours,
    money,
    percent,
    register_report_section,
)
from innocore.reports.sql import (
    bucket_index,
    category_label,
    category_of,
    clipped_seconds,
    epoch,
    greatest,
    instant,
    least,
    local_epoch,
    week_index,
)
from innocore.vocab import OrganisationKind
from instruments.models import (
    Booking,
    BookingDay,
    BookingStatus,
    Downtime,
    Instrument,
    InstrumentStatus,
    OpeningHours,
)

BOOKED = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)
USED = BookingStatus.COMPLETED
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def register(app: Flask) -> None:
    """Add the package's sections to the facility, network, person and company reports."""
    register_report_section(app, "facility", utilisation_section, 10)
    register_report_section(app, "facility", no_show_section, 20)
    register_report_section(app, "facility", downtime_section, 30)
    register_report_section(app, "facility", service_request_section, 50)
    register_report_section(app, "facility", revenue_section, 60)
    register_report_section(app, "network", network_section, 10)
    register_report_section(app, "network", network_groups_section, 15)
    register_report_section(app, "network", revenue_section, 60)
    register_report_section(app, "person", person_usage_section, 10)
    register_report_section(app, "person", revenue_section, 60)
    register_report_section(app, "company", company_usage_section, 10)
    register_report_section(app, "company", revenue_section, 60)


# ---- scope filters -------------------------------------------------------------------------


def _booking_scope(stmt: sa.Select, scope: Scope) -> sa.Select:
    """Bookings of the scope that overlap its period and hold time (``BOOKED``)."""
    stmt = stmt.where(
        Booking.starts_at < instant(scope.ends_at),
        Booking.ends_at > instant(scope.starts_at),
        Booking.status.in_(BOOKED),
    )
    return _narrow(stmt, scope)


def _narrow(stmt: sa.Select, scope: Scope) -> sa.Select:
    """Restrict a statement over bookings (joined to Instrument) to the scope's who and where."""
    if scope.facility_id is not None:
        stmt = stmt.where(Instrument.facility_id == scope.facility_id)
    if scope.user_id is not None:
        stmt = stmt.where(Booking.user_id == scope.user_id)
    if scope.organisation_id is not None:
        stmt = stmt.where(User.organisation_id == scope.organisation_id)
    return stmt


def _bookings_from(scope: Scope | None = None, *, user: bool = False) -> sa.Select:
    """Bookings joined to their instrument, and to their user when ``user`` is asked for or the
    scope is a company's (joining 20,000 users to every booking costs a third of a network
    report's scan when nothing reads them)."""
    stmt = sa.select().select_from(Booking).join(Instrument, Instrument.id == Booking.instrument_id)
    if user or (scope is not None and scope.organisation_id is not None):
        stmt = stmt.join(User, User.id == Booking.user_id)
    return stmt


def _seconds(scope: Scope, b=Booking):
    """Seconds of booking ``b`` (the model, or the columns of a subquery over bookings) inside
    the period."""
    return clipped_seconds(b.starts_at, b.ends_at, scope.starts_at, scope.ends_at)


def _used_seconds(scope: Scope, b=Booking):
    """Seconds used of booking ``b`` (the model, or the columns of a subquery over bookings)
    inside the period: from check-in to check-out (to the booked end while nobody checked out)
    where a confirmed booking records a check-in, else the booked time of a completed booking,
    else nothing (a no-show, a waiting-list hold, or a booking nobody checked in to). The
    ``booking_day`` triggers (migration ``0018_booking_day``) add up the same figure."""
    actual_end = sa.func.coalesce(b.checked_out_at, b.ends_at)
    actual = clipped_seconds(b.checked_in_at, actual_end, scope.starts_at, scope.ends_at)
    inside = sa.and_(
        b.checked_in_at < instant(scope.ends_at), actual_end > instant(scope.starts_at)
    )
    return sa.case(
        (
            sa.and_(b.checked_in_at.is_not(None), b.status == BookingStatus.CONFIRMED),
            sa.case((inside, actual), else_=0),
        ),
        (b.status == USED, _seconds(scope, b)),
        else_=0,
    )


def _booked_used(scope: Scope):
    seconds = _seconds(scope)
    return (
        sa.func.coalesce(sa.func.sum(seconds), 0).label("booked"),
        sa.func.coalesce(sa.func.sum(_used_seconds(scope)), 0).label("used"),
    )


# ---- available hours -----------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _open_seconds(zone: str, windows: tuple, buckets: tuple) -> tuple[int, ...]:
    return tuple(bk.opening_seconds(list(windows), list(buckets), zone))


def available_seconds(scope: Scope, buckets: list[bk.Bucket], group) -> dict:
    """Open seconds per ``group(instrument_id, facility_id)`` key and bucket index: one query for
    the instruments' opening-hours rows, expanded in each facility's zone (cached per pattern,
    so a thousand instruments with a few patterns cost a few expansions)."""
    stmt = (
        sa.select(
            Instrument.id,
            Instrument.facility_id,
            Facility.timezone,
            OpeningHours.weekday,
            OpeningHours.opens,
            OpeningHours.closes,
        )
        .join(Facility, Facility.id == Instrument.facility_id)
        .join(OpeningHours, OpeningHours.instrument_id == Instrument.id)
        .where(Instrument.status != InstrumentStatus.RETIRED)
    )
    if scope.facility_id is not None:
        stmt = stmt.where(Instrument.facility_id == scope.facility_id)
    windows: dict[tuple, list] = defaultdict(list)
    for iid, fid, zone, weekday, opens, closes in db.session.execute(stmt):
        windows[(iid, fid, zone)].append((weekday, opens, closes))
    out: dict = defaultdict(lambda: [0] * len(buckets))
    for (iid, fid, zone), rows in windows.items():
        per = _open_seconds(zone, tuple(sorted(rows)), tuple(buckets))
        acc = out[group(iid, fid)]
        for i, s in enumerate(per):
            acc[i] += s
    return out


# ---- facility: utilisation -----------------------------------------------------------------


def _series_by_bucket(scope: Scope, buckets: list[bk.Bucket], weekly: bool) -> dict:
    """``{bucket index: (booked seconds, used seconds)}`` by the bucket of each booking's start."""
    if weekly:
        changes = bk.offset_changes(scope.starts_at, scope.ends_at, scope.zone)
        idx = week_index(Booking.starts_at, buckets, changes).label("k")
    else:
        idx = bucket_index(Booking.starts_at, buckets).label("k")
    stmt = _booking_scope(_bookings_from(scope).add_columns(idx, *_booked_used(scope)), scope)
    return {k: (b, u) for k, b, u in db.session.execute(stmt.group_by(idx)) if k is not None}


def _bucket_chart(
    scope: Scope,
    title: str,
    buckets,
    kind: str,
    available=None,
    weekly: bool = False,
    rows: dict | None = None,
) -> Chart:
    if rows is None:
        rows = _series_by_bucket(scope, buckets, weekly)
    booked = [hours(rows.get(i, (0, 0))[0]) for i in range(len(buckets))]
    used = [hours(rows.get(i, (0, 0))[1]) for i in range(len(buckets))]
    labels = [b.label for b in buckets]
    series = [(N_("Booked hours"), booked), (N_("Used hours"), used)]
    columns = [N_("period"), N_("booked hours"), N_("used hours")]
    table_rows = [[labels[i], booked[i], used[i]] for i in range(len(buckets))]
    if available is not None:
        avail = [hours(s) for s in available]
        series.insert(0, (N_("Available hours"), avail))
        columns += [N_("available hours"), N_("utilisation %")]
        for i, row in enumerate(table_rows):
            row += [avail[i], percent(booked[i], avail[i])]
    chart_title = T_("%(title)s, %(period)s", title=as_message(title), period=scope.period_label)
    return Chart(kind, chart_title, labels, series, Table(title, columns, table_rows), "hours")


def _by_dimension(scope: Scope, label_cols: list, title: str, columns: list[str]) -> Table:
    """Booked hours, bookings and people grouped by ``label_cols`` (SQL expressions over the
    booking's user, organisation and facility). Later dimensions (a research group, a billing
    account) plug in the same way: one more joined column.

    The bookings are first summed per (person, facility), a few thousand rows however many
    bookings; people, organisations and facilities are joined to those rows only."""
    per = (
        _booking_scope(
            _bookings_from(scope).add_columns(
                Booking.user_id.label("uid"),
                Instrument.facility_id.label("fid"),
                sa.func.sum(_seconds(scope)).label("seconds"),
                sa.func.count().label("n"),
            ),
            scope,
        )
        .group_by(Booking.user_id, Instrument.facility_id)
        .subquery("per")
    )
    stmt = (
        sa.select(
            *label_cols,
            sa.func.sum(per.c.seconds),
            sa.func.sum(per.c.n),
            sa.func.count(sa.distinct(per.c.uid)),
        )
        .select_from(per)
        .join(User, User.id == per.c.uid)
        .join(Organisation, Organisation.id == User.organisation_id)
        .join(Facility, Facility.id == per.c.fid)
        .group_by(*label_cols)
        .order_by(*label_cols)
    )
    rows = [
        [*keys, hours(seconds), int(n), people]
        for *keys, seconds, n, people in db.session.execute(stmt)
    ]
    return Table(title, [*columns, N_("booked hours"), N_("bookings"), N_("people")], rows)


def by_category_and_organisation(scope: Scope) -> list[Table]:
    """Booked hours, bookings and people by user category and by organisation: one scan grouped
    by (organisation, category), rolled up here (a person belongs to one organisation, so people
    add up across organisations)."""
    cat = category_of(User.organisation_id, Organisation.kind, Facility.institution_id)
    both = _by_dimension(
        scope,
        [Organisation.name.label("organisation"), cat.label("category")],
        "",
        ["organisation", "category"],
    )
    by_org: dict[str, list] = defaultdict(lambda: [0.0, 0, 0])
    by_cat: dict[str, list] = defaultdict(lambda: [0.0, 0, 0])
    for org, category, booked, n, people in both.rows:
        for acc in (by_org[org], by_cat[category_label(category)]):
            acc[0], acc[1], acc[2] = round(acc[0] + booked, 2), acc[1] + n, acc[2] + people
    columns = [N_("booked hours"), N_("bookings"), N_("people")]
    return [
        Table(
            N_("Booked hours by user category"),
            [N_("user category"), *columns],
            [[k, *v] for k, v in sorted(by_cat.items())],
        ),
        Table(
            N_("Booked hours by organisation"),
            [N_("organisation"), *columns],
            [[k, *v] for k, v in sorted(by_org.items())],
        ),
    ]


NO_GROUP = T_("No group")  # a Message: English in CSV/XLSX and the API, translated on the page
NO_ACCOUNT = T_("No account")


def by_research_group(scope: Scope) -> Table:
    """Booked and used hours (clipped to the period) and bookings by research group: the group
    owning the booking's billing account (``Booking.account_id`` → ``BillingAccount.group_id``);
    bookings without an account or on a company's account are counted under "No group".

    One query: the bookings are summed per account id in SQL (a row per account however many
    bookings), then outer-joined to the accounts and groups and grouped by group.
    Rows: ``[group name or "No group", group's organisation or None, booked h, used h, bookings]``
    ordered by group name with "No group" last."""
    per = (
        _booking_scope(
            _bookings_from(scope).add_columns(
                Booking.account_id.label("aid"), *_booked_used(scope), sa.func.count().label("n")
            ),
            scope,
        )
        .group_by(Booking.account_id)
        .subquery("per")
    )
    stmt = (
        sa.select(
            ResearchGroup.id,
            ResearchGroup.name,
            Organisation.name,
            sa.func.sum(per.c.booked),
            sa.func.sum(per.c.used),
            sa.func.sum(per.c.n),
        )
        .select_from(per)
        .outerjoin(BillingAccount, BillingAccount.id == per.c.aid)
        .outerjoin(ResearchGroup, ResearchGroup.id == BillingAccount.group_id)
        .outerjoin(Organisation, Organisation.id == ResearchGroup.organisation_id)
        .group_by(ResearchGroup.id, ResearchGroup.name, Organisation.name)
    )
    rows = [
        [name or NO_GROUP, org, hours(b), hours(u), int(n or 0)]
        for _, name, org, b, u, n in db.session.execute(stmt)
    ]
    rows.sort(key=lambda r: (r[0] == NO_GROUP and r[1] is None, r[0].lower(), r[1] or ""))
    return Table(
        N_("Booked hours by research group (of the billing account)"),
        [
            N_("research group"),
            N_("organisation"),
            N_("booked hours"),
            N_("used hours"),
            N_("bookings"),
        ],
        rows,
    )


def heat_map(scope: Scope, zone: str) -> Chart:
    """Booked hours per local weekday × hour (see :func:`innocore.reports.buckets.heat_cells`):
    one query of at most 168 × 168 rows."""
    changes = bk.offset_changes(scope.starts_at, scope.ends_at, zone)
    s = local_epoch(greatest(Booking.starts_at, instant(scope.starts_at)), changes)
    e = local_epoch(least(Booking.ends_at, instant(scope.ends_at)), changes)

    # One scan grouped by the hours of the week of the start and of the end: at most 168 × 168
    # rows (in practice a few hundred: bookings are short), split here into the two aggregates.
    hs = ((s % bk.WEEK_SECONDS) // 3600).label("hs")
    he = ((e % bk.WEEK_SECONDS) // 3600).label("he")
    stmt = _bookings_from(scope).add_columns(
        hs,
        he,
        sa.func.count(),
        sa.func.sum(s % 3600),
        sa.func.sum(e % 3600),
        sa.func.sum(e // bk.WEEK_SECONDS - s // bk.WEEK_SECONDS),
    )
    rows = db.session.execute(_booking_scope(stmt, scope).group_by(hs, he)).all()
    starts = [(h, n, x) for h, _, n, x, _, _ in rows]
    ends = [(h, n, x) for _, h, n, _, x, _ in rows]
    full = sum(int(w or 0) for *_, w in rows)
    cells = bk.heat_cells(starts, ends, full)
    hours_labels = [f"{h:02d}" for h in range(24)]
    series = [(WEEKDAYS[d], [round(v, 2) for v in cells[d]]) for d in range(7)]
    table = Table(
        N_("Booked hours by weekday and hour"),
        [N_("weekday"), *hours_labels],
        [[name, *values] for name, values in series],
    )
    title = T_(
        "Booked hours by weekday and hour (%(zone)s wall clock), %(period)s",
        zone=zone,
        period=scope.period_label,
    )
    return Chart("heatmap", title, hours_labels, series, table, "h")


def _usage_grid(scope: Scope, months, weeks) -> tuple[dict, dict, dict]:
    """One scan of the bookings grouped by (instrument, month, week) of their start, at most
    instruments × (weeks + months) rows, rolled up here into ``{instrument: (booked, used)}``,
    ``{month index: ...}`` and ``{week index: ...}`` (seconds)."""
    changes = bk.offset_changes(scope.starts_at, scope.ends_at, scope.zone)
    m = bucket_index(Booking.starts_at, months).label("m")
    w = week_index(Booking.starts_at, weeks, changes).label("w")
    stmt = _bookings_from(scope).add_columns(Booking.instrument_id, m, w, *_booked_used(scope))
    stmt = _booking_scope(stmt, scope).group_by(Booking.instrument_id, m, w)
    grids: tuple[dict, dict, dict] = ({}, {}, {})
    for iid, mi, wi, booked, used in db.session.execute(stmt):
        for grid, key in zip(grids, (iid, mi, wi), strict=True):
            b, u = grid.get(key, (0, 0))
            grid[key] = (b + int(booked or 0), u + int(used or 0))
    return grids


def utilisation_section(scope: Scope) -> Section:
    """Booked, used and available hours per instrument, by month and week, by user category,
    organisation and research group, and the weekday × hour heat map of one facility."""
    fac = db.session.get(Facility, scope.facility_id)
    months = bk.months(scope.start_on, scope.end_on, scope.zone)
    weeks = bk.weeks(scope.start_on, scope.end_on, scope.zone)
    whole = [bk.Bucket("period", scope.starts_at, scope.ends_at)]
    per_instrument = available_seconds(scope, whole, lambda iid, fid: iid)
    month_avail = available_seconds(scope, months, lambda iid, fid: fid)[fac.id]
    per_i, per_m, per_w = _usage_grid(scope, months, weeks)
    names = db.session.execute(
        sa.select(Instrument.id, Instrument.name)
        .where(Instrument.facility_id == fac.id)
        .order_by(Instrument.name)
    ).all()
    rows, tot = [], [0, 0, 0]
    for iid, name in names:
        avail, (booked, used) = per_instrument.get(iid, [0])[0], per_i.get(iid, (0, 0))
        rows.append([name, hours(avail), hours(booked), hours(used), percent(booked, avail)])
        tot = [tot[0] + avail, tot[1] + booked, tot[2] + used]
    figures = [
        (N_("Available hours"), hours(tot[0])),
        (N_("Booked hours"), hours(tot[1])),
        (N_("Used hours"), hours(tot[2])),
        (N_("Utilisation (booked / available)"), _pct_text(percent(tot[1], tot[0]))),
    ]
    by_instrument = Table(
        N_("Utilisation by instrument"),
        [
            N_("instrument"),
            N_("available hours"),
            N_("booked hours"),
            N_("used hours"),
            N_("utilisation %"),
        ],
        rows,
    )
    by_category, by_org = by_category_and_organisation(scope)
    by_group = by_research_group(scope)
    booked = [(N_("Booked hours"), 1)]
    return Section(
        "utilisation",
        N_("Instrument utilisation"),
        figures,
        tables=[by_instrument, by_category, by_org, by_group],
        charts=[
            _bucket_chart(scope, N_("Hours by month"), months, "bar", month_avail, rows=per_m),
            _bucket_chart(scope, N_("Hours by week"), weeks, "line", rows=per_w),
            heat_map(scope, scope.zone),
            breakdown_chart(
                scope,
                N_("Utilisation % by instrument"),
                by_instrument,
                [(N_("Utilisation %"), 4)],
                "%",
            ),
            breakdown_chart(scope, N_("Hours by user category"), by_category, booked, "hours"),
            breakdown_chart(scope, N_("Hours by organisation"), by_org, booked, "hours"),
            breakdown_chart(
                scope,
                N_("Hours by research group"),
                by_group,
                [(N_("Booked hours"), 2), (N_("Used hours"), 3)],
                "hours",
            ),
        ],
        note=N_(
            "Available hours come from each instrument's opening hours; instruments without "
            "opening hours add no available hours. Booked: confirmed, completed and no-show "
            "bookings; used: from check-in to check-out where recorded (else completed bookings)."
        ),
    )


def _pct_text(value) -> str | None:
    return None if value is None else f"{value} %"


# ---- facility: no-shows, downtime ------------------------------------------------------------


def no_show_section(scope: Scope) -> Section:
    """No-shows and late cancellations per instrument and by month (bookings starting in the
    period)."""
    in_period = sa.and_(
        Booking.starts_at >= instant(scope.starts_at), Booking.starts_at < instant(scope.ends_at)
    )
    no_show = sa.func.sum(sa.case((Booking.status == BookingStatus.NO_SHOW, 1), else_=0))
    late = sa.func.sum(
        sa.case(
            (
                sa.and_(
                    Booking.status == BookingStatus.CANCELLED, Booking.cancelled_late.is_(True)
                ),
                1,
            ),
            else_=0,
        )
    )
    cancelled = sa.func.sum(sa.case((Booking.status == BookingStatus.CANCELLED, 1), else_=0))
    held = sa.func.sum(sa.case((Booking.status.in_(BOOKED), 1), else_=0))
    base = _narrow(_bookings_from(scope).where(in_period), scope)
    months = bk.months(scope.start_on, scope.end_on, scope.zone)
    idx = bucket_index(Booking.starts_at, months).label("k")
    stmt = base.add_columns(Instrument.name, idx, held, no_show, late, cancelled).group_by(
        Instrument.name, idx
    )
    per: dict[str, list] = defaultdict(lambda: [0, 0, 0, 0])
    monthly: dict[int, tuple[int, int]] = {}
    for name, k, h, ns, lt, c in db.session.execute(stmt):
        acc = per[name]
        acc[:] = [
            acc[0] + int(h or 0),
            acc[1] + int(ns or 0),
            acc[2] + int(lt or 0),
            acc[3] + int(c or 0),
        ]
        a, b = monthly.get(k, (0, 0))
        monthly[k] = (a + int(ns or 0), b + int(lt or 0))
    rows = [[n, *v, percent(v[1], v[0])] for n, v in sorted(per.items())]
    labels = [m.label for m in months]
    ns_series = [monthly.get(i, (0, 0))[0] for i in range(len(months))]
    lt_series = [monthly.get(i, (0, 0))[1] for i in range(len(months))]
    chart = Chart(
        "bar",
        T_(
            "No-shows and late cancellations by month, %(period_label)s",
            period_label=scope.period_label,
        ),
        labels,
        [(N_("No-shows"), ns_series), (N_("Late cancellations"), lt_series)],
        Table(
            N_("No-shows and late cancellations by month"),
            [N_("month"), N_("no-shows"), N_("late cancellations")],
            [[labels[i], ns_series[i], lt_series[i]] for i in range(len(labels))],
        ),
        N_("bookings"),
    )
    total = [sum(r[i] for r in rows) for i in (1, 2, 3, 4)]
    rate = _pct_text(percent(total[1], total[0]))
    figures = [
        (N_("Bookings held"), total[0]),
        (N_("No-shows"), total[1]),
        (N_("Late cancellations"), total[2]),
        (N_("No-show rate"), rate),
    ]
    by_instrument = Table(
        N_("No-shows and cancellations by instrument"),
        [
            N_("instrument"),
            N_("bookings held"),
            N_("no-shows"),
            N_("late cancellations"),
            N_("cancellations"),
            N_("no-show rate %"),
        ],
        rows,
    )
    return Section(
        "no_shows",
        N_("No-shows and late cancellations"),
        figures,
        tables=[by_instrument],
        charts=[
            chart,
            breakdown_chart(
                scope,
                N_("No-shows and late cancellations by instrument"),
                by_instrument,
                [(N_("No-shows"), 2), (N_("Late cancellations"), 3)],
                "bookings",
            ),
        ],
    )


def downtime_query(scope: Scope, *keys) -> sa.Select:
    seconds = clipped_seconds(Downtime.starts_at, Downtime.ends_at, scope.starts_at, scope.ends_at)
    stmt = (
        sa.select(*keys, sa.func.count(Downtime.id), sa.func.sum(seconds))
        .select_from(Downtime)
        .join(Instrument, Instrument.id == Downtime.instrument_id)
        .where(
            Downtime.starts_at < instant(scope.ends_at), Downtime.ends_at > instant(scope.starts_at)
        )
        .group_by(*keys)
        .order_by(*keys)
    )
    if scope.facility_id is not None:
        stmt = stmt.where(Instrument.facility_id == scope.facility_id)
    return stmt


def downtime_section(scope: Scope) -> Section:
    """Downtime hours per instrument within the period."""
    rows = [
        [name, n, hours(s)]
        for name, n, s in db.session.execute(downtime_query(scope, Instrument.name))
    ]
    figures = [
        (N_("Downtimes"), sum(r[1] for r in rows)),
        (N_("Downtime hours"), round(sum(r[2] for r in rows), 2)),
    ]
    table = Table(
        N_("Downtime by instrument"),
        [N_("instrument"), N_("downtimes"), N_("downtime hours")],
        rows,
    )
    return Section(
        "downtime",
        N_("Downtime"),
        figures,
        tables=[table],
        charts=[
            breakdown_chart(
                scope,
                N_("Downtime hours by instrument"),
                table,
                [(N_("Downtime hours"), 2)],
                "hours",
            )
        ],
    )


# ---- service requests and revenue --------------------------------------------------------------


def service_request_section(scope: Scope) -> Section:
    """Requests submitted in the period: volume by status, quote → acceptance rate, mean lead
    times (submitted → first quote, → acceptance, → delivery) in days, and quote revenue."""
    from instruments.requests.models import RequestEvent, RequestStatus, ServiceRequest

    def first(status):
        return sa.func.min(sa.case((RequestEvent.to_status == status, RequestEvent.occurred_at)))

    firsts = (
        sa.select(
            ServiceRequest.id.label("rid"),
            ServiceRequest.status.label("status"),
            ServiceRequest.submitted_at.label("sub"),
            first(RequestStatus.QUOTED).label("quoted"),
            first(RequestStatus.ACCEPTED).label("accepted"),
            first(RequestStatus.DELIVERED).label("delivered"),
        )
        .outerjoin(RequestEvent, RequestEvent.request_id == ServiceRequest.id)
        .where(
            ServiceRequest.submitted_at >= instant(scope.starts_at),
            ServiceRequest.submitted_at < instant(scope.ends_at),
        )
        .group_by(ServiceRequest.id, ServiceRequest.status, ServiceRequest.submitted_at)
    )
    if scope.facility_id is not None:
        firsts = firsts.where(ServiceRequest.facility_id == scope.facility_id)
    f = firsts.subquery()

    def mean_days(col):
        return sa.func.avg(sa.case((col.is_not(None), epoch(col) - epoch(f.c.sub))))

    totals = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count(f.c.quoted),
            sa.func.count(f.c.accepted),
            sa.func.count(f.c.delivered),
            mean_days(f.c.quoted),
            mean_days(f.c.accepted),
            mean_days(f.c.delivered),
        )
    ).one()
    by_status = db.session.execute(
        sa.select(f.c.status, sa.func.count()).group_by(f.c.status).order_by(f.c.status)
    ).all()
    n, quoted, accepted, delivered, q_s, a_s, d_s = totals

    def days(s):
        return None if s is None else round(float(s) / 86400, 1)

    figures = [
        (N_("Requests submitted"), n),
        (N_("Quoted"), quoted),
        (N_("Accepted"), accepted),
        (N_("Quote → acceptance rate"), _pct_text(percent(accepted, quoted))),
        (N_("Delivered"), delivered),
        (N_("Mean days to first quote"), days(q_s)),
        (N_("Mean days to acceptance"), days(a_s)),
        (N_("Mean days to delivery"), days(d_s)),
    ]
    rows = [[getattr(s, "label", s), c] for s, c in by_status]
    table = Table(N_("Requests by current status"), [N_("status"), N_("requests")], rows)
    return Section(
        "service_requests",
        N_("Service requests"),
        figures,
        tables=[table],
        charts=[
            breakdown_chart(
                scope, N_("Requests by status"), table, [(N_("Requests"), 1)], "requests"
            )
        ],
        note=N_(
            "Requests submitted in the period; their revenue is in the revenue "
            "section (accepted quotes)."
        ),
    )


def revenue_section(scope: Scope) -> Section:
    """Charges incurred in the period: by user category, organisation, billing account, kind and
    month (per currency), for the scope's facility, person or company, or the whole network."""
    base = (
        sa.select()
        .select_from(Charge)
        .where(
            Charge.incurred_at >= instant(scope.starts_at),
            Charge.incurred_at < instant(scope.ends_at),
        )
    )
    for col, value in (
        (Charge.facility_id, scope.facility_id),
        (Charge.user_id, scope.user_id),
        (Charge.organisation_id, scope.organisation_id),
    ):
        if value is not None:
            base = base.where(col == value)

    def grouped(*keys):
        stmt = base.add_columns(
            *keys, Charge.currency, sa.func.count(Charge.id), sa.func.sum(Charge.amount)
        )
        return db.session.execute(
            stmt.group_by(*keys, Charge.currency).order_by(*keys, Charge.currency)
        ).all()

    def table(title, column, rows):
        return Table(
            title,
            [column, N_("currency"), N_("charges"), N_("amount")],
            [[getattr(k, "label", k), cur, n, money(t)] for k, cur, n, t in rows],
        )

    months = bk.months(scope.start_on, scope.end_on, scope.zone)
    idx = bucket_index(Charge.incurred_at, months).label("k")
    monthly = grouped(idx)
    currencies = sorted({cur for _, cur, _, _ in monthly}) or ["EUR"]
    labels = [m.label for m in months]
    values = {(k, cur): float(t) for k, cur, _, t in monthly if k is not None}
    series = [
        (cur, [round(values.get((i, cur), 0.0), 2) for i in range(len(months))])
        for cur in currencies
    ]
    chart = Chart(
        "bar",
        T_("Revenue by month, %(period_label)s", period_label=scope.period_label),
        labels,
        series,
        Table(
            N_("Revenue by month"),
            [N_("month"), *currencies],
            [[labels[i], *[s[1][i] for s in series]] for i in range(len(labels))],
        ),
        "amount",
    )
    org = (base.join(Organisation, Organisation.id == Charge.organisation_id), Organisation.name)
    by_org = db.session.execute(
        org[0]
        .add_columns(org[1], Charge.currency, sa.func.count(Charge.id), sa.func.sum(Charge.amount))
        .group_by(org[1], Charge.currency)
        .order_by(org[1], Charge.currency)
    ).all()
    totals = grouped()
    figures = [(T_("Revenue (%(currency)s)", currency=cur), money(t)) for cur, n, t in totals] or [
        (N_("Revenue"), money(0))
    ]
    by_account = revenue_by_account(base)
    title = "Spending" if scope.kind in ("person", "company") else "Revenue"
    by_category = table(N_("By user category"), "category", grouped(Charge.category))
    by_organisation = table(N_("By organisation"), "organisation", by_org)
    by_kind = table(N_("By kind of charge"), "kind", grouped(Charge.source))
    return Section(
        "revenue",
        title,
        figures,
        tables=[by_category, by_organisation, by_account, by_kind],
        charts=[
            chart,
            _money_chart(
                scope,
                T_("%(title)s by billing account", title=as_message(title)),
                by_account,
                0,
                3,
                5,
            ),
            _money_chart(
                scope,
                T_("%(title)s by user category", title=as_message(title)),
                by_category,
                0,
                1,
                3,
            ),
            _money_chart(
                scope,
                T_("%(title)s by organisation", title=as_message(title)),
                by_organisation,
                0,
                1,
                3,
            ),
        ],
    )


def _money_chart(scope: Scope, title: str, table: Table, name: int, cur: int, amount: int):
    """A bar chart of amounts from a table with a currency column: bars named by ``name`` (with
    the currency when the table holds more than one)."""
    several = len({r[cur] for r in table.rows}) > 1
    rows = [[f"{r[name]} ({r[cur]})" if several else r[name], r[amount]] for r in table.rows]
    data = Table(title, [table.columns[name], N_("amount")], rows)
    return breakdown_chart(scope, title, data, [(N_("Amount"), 1)], "amount")


def revenue_by_account(base: sa.Select) -> Table:
    """Charges of ``base`` (a select from Charge, already narrowed) by billing account, one
    aggregate query: ``[account name, code, owner, currency, charges, amount]`` where the owner
    is the research group (with its organisation) or the company owning the account; charges
    on no account (the organisation's statement) read as "No account", listed last."""
    company = aliased(Organisation)
    group_org = aliased(Organisation)
    keys = (
        BillingAccount.id,
        BillingAccount.name,
        BillingAccount.code,
        ResearchGroup.name,
        group_org.name,
        company.name,
        Charge.currency,
    )
    stmt = (
        base.add_columns(*keys, sa.func.count(Charge.id), sa.func.sum(Charge.amount))
        .outerjoin(BillingAccount, BillingAccount.id == Charge.account_id)
        .outerjoin(ResearchGroup, ResearchGroup.id == BillingAccount.group_id)
        .outerjoin(group_org, group_org.id == ResearchGroup.organisation_id)
        .outerjoin(company, company.id == BillingAccount.company_id)
        .group_by(*keys)
    )
    rows = []
    for aid, name, code, group, group_org_name, company_name, cur, n, total in db.session.execute(
        stmt
    ):
        if aid is None:
            rows.append([NO_ACCOUNT, None, None, cur, n, money(total)])
            continue
        owner = f"{group} ({group_org_name})" if group is not None else company_name
        rows.append([name, code, owner, cur, n, money(total)])
    rows.sort(key=lambda r: (r[0] == NO_ACCOUNT and r[1] is None, r[0].lower(), r[1] or "", r[3]))
    return Table(
        N_("By billing account"),
        [N_("account"), N_("code"), N_("owner"), N_("currency"), N_("charges"), N_("amount")],
        rows,
    )


# ---- network, person, company -------------------------------------------------------------------


def network_section(scope: Scope) -> Section:
    """Each facility side by side: available, booked and used hours, utilisation, no-shows, late
    cancellations, downtime hours; and cross-institution use and companies served."""
    whole = [bk.Bucket("period", scope.starts_at, scope.ends_at)]
    avail = available_seconds(scope, whole, lambda iid, fid: fid)
    months = bk.months(scope.start_on, scope.end_on, scope.zone)
    usage_rows, ns_rows, by_month, _ = network_grid(scope)
    down = {
        fid: s for fid, _, s in db.session.execute(downtime_query(scope, Instrument.facility_id))
    }
    facilities = db.session.execute(_facilities(scope)).all()
    rows = []
    for fid, name in facilities:
        a, (b, u) = avail.get(fid, [0])[0], usage_rows.get(fid, (0, 0))
        n1, n2 = ns_rows.get(fid, (0, 0))  # no-shows, late cancellations
        rows.append(
            [name, hours(a), hours(b), hours(u), percent(b, a), n1, n2, hours(down.get(fid, 0))]
        )
    chart = Chart(
        "bar",
        T_(
            "Utilisation by facility (booked / available), %(period_label)s",
            period_label=scope.period_label,
        ),
        [r[0] for r in rows],
        [(N_("Utilisation %"), [r[4] for r in rows])],
        Table(
            N_("Utilisation by facility"),
            [N_("facility"), N_("utilisation %")],
            [[r[0], r[4]] for r in rows],
        ),
        "%",
    )
    return Section(
        "facilities",
        N_("Facilities side by side"),
        _cross_use(scope),
        note=T_(
            "The period is read in %(zone)s; each facility's opening "
            "hours are counted over the local days the period covers.",
            zone=scope.zone,
        ),
        tables=[
            Table(
                N_("Instrument use by facility"),
                [
                    N_("facility"),
                    N_("available hours"),
                    N_("booked hours"),
                    N_("used hours"),
                    N_("utilisation %"),
                    N_("no-shows"),
                    N_("late cancellations"),
                    N_("downtime hours"),
                ],
                rows,
            )
        ],
        charts=[
            chart,
            _bucket_chart(scope, N_("Network hours by month"), months, "line", rows=by_month),
        ],
    )


def _cut_days(scope: Scope, months) -> list:
    """UTC midnights opening the UTC days inside which a boundary of the report falls (its start,
    its end, a month's start in the scope's zone): their bookings are split between buckets, so
    they are read one by one. In UTC, or any zone whose midnight is UTC midnight, there are none."""
    cuts = set()
    for at in (scope.starts_at, scope.ends_at, *(m.starts_at for m in months)):
        midnight = at.replace(hour=0, minute=0, second=0, microsecond=0)
        if midnight != at:
            cuts.add(midnight)
    return sorted(cuts)


def _network_grid(scope: Scope, months) -> tuple[dict, dict, dict, dict]:
    """Booked and used seconds (clipped to the period) by facility and by month of start, and
    no-shows and late cancellations of bookings starting in the period, in one query over the
    ``booking_day`` rollup (:class:`instruments.models.BookingDay`, kept exact by triggers):
    ``{facility: (booked, used)}``, ``{facility: (no-shows, late cancellations)}`` and
    ``{month index: (booked, used)}`` and ``{billing account id or 0: (booked seconds, used
    seconds, bookings held)}``.

    Used time is :func:`_used_seconds` (check-in to check-out where recorded, else completed
    bookings), as in the facility report. A rollup day (one instrument, one UTC day of starts)
    is read as a whole when its bookings and their use all lie inside the period and in one
    month: it starts at or after the period's start, its earliest start or check-in is not
    before it, it ends (and its latest end or check-out) by the period's end, and no month starts
    inside it. The bookings of every other day overlapping the period (the day before the start,
    the days a boundary cuts, a day with a check-in before the start or bookings or check-outs
    past the end) are read one by one, clipped as in the facility report, through the
    (instrument, start) index. Each booking is counted once, by one of the two
    branches; a year of a thousand instruments reads some 60,000 rollup rows instead of half a
    million bookings. The network scope narrows by facility only (never by person or company)."""
    lo, hi = instant(scope.starts_at), instant(scope.ends_at)
    day = BookingDay
    cuts = _cut_days(scope, months)
    overlaps = sa.and_(day.day_start < hi, day.max_ends_at > lo)
    whole = sa.and_(
        day.day_start >= lo, day.min_begins_at >= lo, day.day_end <= hi, day.max_ends_at <= hi
    )
    if cuts:
        whole = sa.and_(whole, day.day_start.not_in([instant(c) for c in cuts]))
    rolled = (
        sa.select(
            day.instrument_id.label("iid"),
            bucket_index(day.day_start, months).label("m"),
            day.account_key.label("acc"),
            sa.func.sum(day.booked_seconds).label("booked"),
            sa.func.sum(day.used_seconds).label("used"),
            sa.func.sum(day.no_shows).label("ns"),
            sa.func.sum(day.late_cancellations).label("late"),
            sa.func.sum(day.booked_count).label("n"),
        )
        .where(overlaps, whole)
        .group_by(day.instrument_id, sa.literal_column("m"), day.account_key)
    )
    # The bookings of the other days: on PostgreSQL a LATERAL subquery, so that each such day
    # reads its few bookings through the (instrument, start) index (the planner cannot tell how
    # few days these are and would otherwise sort every booking of the year to merge-join
    # them); SQLite joins by nested loops anyway.
    on_day = (
        Booking.instrument_id == day.instrument_id,
        Booking.starts_at >= day.day_start,
        Booking.starts_at < day.day_end,
        sa.func.coalesce(Booking.account_id, 0) == day.account_key,
        Booking.starts_at < hi,
        Booking.ends_at > lo,
    )
    if db.session.get_bind().dialect.name == "postgresql":
        lateral = (
            sa.select(
                Booking.instrument_id,
                Booking.starts_at,
                Booking.ends_at,
                Booking.status,
                Booking.cancelled_late,
                Booking.checked_in_at,
                Booking.checked_out_at,
            )
            .where(*on_day)
            .offset(0)  # keeps the subquery a subquery (PostgreSQL would flatten it into a join)
            .lateral("b")
        )
        b = lateral.c
        days = sa.select().select_from(day.__table__.join(lateral, sa.true()))
    else:
        b = Booking.__table__.c
        days = sa.select().select_from(day.__table__.join(Booking.__table__, sa.and_(*on_day)))
    seconds = _seconds(scope, b)
    started = b.starts_at >= lo

    def count_if(*conditions):
        return sa.func.sum(sa.case((sa.and_(*conditions), 1), else_=0))

    one_by_one = (
        days.add_columns(
            b.instrument_id.label("iid"),
            bucket_index(b.starts_at, months).label("m"),
            day.account_key.label("acc"),
            sa.func.sum(sa.case((b.status.in_(BOOKED), seconds), else_=0)).label("booked"),
            sa.func.sum(_used_seconds(scope, b)).label("used"),
            count_if(started, b.status == BookingStatus.NO_SHOW).label("ns"),
            count_if(
                started, b.status == BookingStatus.CANCELLED, b.cancelled_late.is_(True)
            ).label("late"),
            count_if(b.status.in_(BOOKED)).label("n"),
        )
        .where(overlaps, sa.not_(whole))
        .group_by(b.instrument_id, sa.literal_column("m"), day.account_key)
    )
    parts = sa.union_all(rolled, one_by_one).subquery("parts")
    stmt = (
        sa.select(
            Instrument.facility_id,
            parts.c.m,
            parts.c.acc,
            sa.func.sum(parts.c.booked),
            sa.func.sum(parts.c.used),
            sa.func.sum(parts.c.ns),
            sa.func.sum(parts.c.late),
            sa.func.sum(parts.c.n),
        )
        .select_from(parts)
        .join(Instrument, Instrument.id == parts.c.iid)
        .group_by(Instrument.facility_id, parts.c.m, parts.c.acc)
    )
    if scope.facility_id is not None:
        stmt = stmt.where(Instrument.facility_id == scope.facility_id)
    usage: dict = {}
    no_shows: dict = {}
    by_month: dict = {}
    by_account: dict = {}
    for fid, mi, acc, *values in db.session.execute(stmt):
        booked, used, ns, late, n = (int(v or 0) for v in values)
        for grid, key, first, second in (
            (usage, fid, booked, used),
            (no_shows, fid, ns, late),
            (by_month, mi, booked, used),
        ):
            x, y = grid.get(key, (0, 0))
            grid[key] = (x + first, y + second)
        x, y, z = by_account.get(acc, (0, 0, 0))
        by_account[acc] = (x + booked, y + used, z + n)
    return usage, no_shows, by_month, by_account


def network_grid(scope: Scope) -> tuple[dict, dict, dict, dict]:
    """:func:`_network_grid` over the scope's months, run once per request (the facilities and
    the research-group sections both read it): ``(usage, no-shows, by month, by account)``."""
    cache = g.setdefault("network_grids", {})
    if scope not in cache:
        cache[scope] = _network_grid(scope, bk.months(scope.start_on, scope.end_on, scope.zone))
    return cache[scope]


def network_groups_section(scope: Scope) -> Section:
    """Usage and spending by research group across the network (or the one facility): booked
    and used hours and bookings held (from :func:`network_grid`, by the group owning each
    booking's billing account), and the charges incurred in the period on the group's accounts,
    per currency. Bookings and charges on no account or on a company's account read as "No
    group" (listed last). Two queries besides the grid: the group-owned accounts (configuration,
    one row per account) and the charges summed per account and currency."""
    by_account = network_grid(scope)[3]
    owners = {
        aid: (gid, name, org)
        for aid, gid, name, org in db.session.execute(
            sa.select(BillingAccount.id, ResearchGroup.id, ResearchGroup.name, Organisation.name)
            .join(ResearchGroup, ResearchGroup.id == BillingAccount.group_id)
            .join(Organisation, Organisation.id == ResearchGroup.organisation_id)
        )
    }
    spent = (
        sa.select(
            Charge.account_id, Charge.currency, sa.func.count(Charge.id), sa.func.sum(Charge.amount)
        )
        .where(
            Charge.incurred_at >= instant(scope.starts_at),
            Charge.incurred_at < instant(scope.ends_at),
        )
        .group_by(Charge.account_id, Charge.currency)
    )
    if scope.facility_id is not None:
        spent = spent.where(Charge.facility_id == scope.facility_id)
    none = (None, NO_GROUP, None)
    acc: dict = {}

    def row(owner):
        return acc.setdefault(owner, {"booked": 0, "used": 0, "n": 0, "charges": 0, "amount": {}})

    for aid, (booked, used, n) in by_account.items():
        r = row(owners.get(aid, none))
        r["booked"], r["used"], r["n"] = r["booked"] + booked, r["used"] + used, r["n"] + n
    for aid, currency, n, total in db.session.execute(spent):
        r = row(owners.get(aid, none))
        r["charges"] += n
        r["amount"][currency] = r["amount"].get(currency, 0) + (total or 0)
    currencies = sorted({c for r in acc.values() for c in r["amount"]}) or ["EUR"]
    ordered = sorted(acc.items(), key=lambda kv: (kv[0] == none, kv[0][1].lower(), kv[0][2] or ""))
    rows = [
        [
            name,
            org,
            hours(r["booked"]),
            hours(r["used"]),
            r["n"],
            r["charges"],
            *(money(r["amount"].get(c, 0)) for c in currencies),
        ]
        for (_, name, org), r in ordered
    ]
    table = Table(
        N_("Usage and spending by research group"),
        [
            N_("research group"),
            N_("organisation"),
            N_("booked hours"),
            N_("used hours"),
            N_("bookings"),
            N_("charges"),
            *(f"spending ({c})" for c in currencies),
        ],
        rows,
    )
    charts = [
        breakdown_chart(
            scope,
            N_("Hours by research group"),
            table,
            [(N_("Booked hours"), 2), (N_("Used hours"), 3)],
            "hours",
        ),
        *(
            breakdown_chart(
                scope, T_("Spending by research group (%(c)s)", c=c), table, [(c, 6 + i)], "amount"
            )
            for i, c in enumerate(currencies)
        ),
    ]
    return Section(
        "research_groups",
        N_("Research groups"),
        [(N_("Research groups with bookings or charges"), sum(1 for k in acc if k != none))],
        tables=[table],
        charts=charts,
        note=N_(
            "A booking or charge belongs to the group owning its billing account (what the "
            'facility bills); on no account or on a company\'s account it reads as "No group".'
        ),
    )


def _facilities(scope: Scope) -> sa.Select:
    stmt = sa.select(Facility.id, Facility.name).order_by(Facility.name)
    if scope.facility_id is not None:
        stmt = stmt.where(Facility.id == scope.facility_id)
    return stmt


def _cross_use(scope: Scope) -> list[tuple[str, object]]:
    """People booking at a facility of another institution, and companies whose people booked.

    The bookings are first counted per (person, facility's institution), a few thousand rows
    however many bookings; people and organisations are joined to those rows only, and the
    distinct counts run over them."""
    per = (
        _booking_scope(
            _bookings_from(scope)
            .join(Facility, Facility.id == Instrument.facility_id)
            .add_columns(
                Booking.user_id.label("uid"),
                Facility.institution_id.label("inst"),
                sa.func.count().label("n"),
            ),
            scope,
        )
        .group_by(Booking.user_id, Facility.institution_id)
        .subquery("per")
    )
    other = User.organisation_id != per.c.inst
    stmt = (
        sa.select(
            sa.func.count(sa.distinct(sa.case((other, per.c.uid)))),
            sa.func.coalesce(sa.func.sum(sa.case((other, per.c.n), else_=0)), 0),
            sa.func.count(
                sa.distinct(
                    sa.case((Organisation.kind == OrganisationKind.COMPANY, User.organisation_id))
                )
            ),
        )
        .select_from(per)
        .join(User, User.id == per.c.uid)
        .join(Organisation, Organisation.id == User.organisation_id)
    )
    people, bookings, companies = db.session.execute(stmt).one()
    return [
        (N_("People booking at another institution's facility"), people),
        (N_("Their bookings"), int(bookings)),
        (N_("Companies served (bookings)"), companies),
    ]


def person_usage_section(scope: Scope) -> Section:
    """A person's booked and used hours by month and by instrument."""
    return _usage_section(scope, "usage", N_("My instrument use"), Instrument.name, "instrument")


def company_usage_section(scope: Scope) -> Section:
    """A company's people: booked and used hours by person and by month."""
    return _usage_section(
        scope, "usage", N_("Instrument use by the company's people"), User.name, "person"
    )


def _usage_section(scope: Scope, key: str, title: str, dim, column: str) -> Section:
    months = bk.months(scope.start_on, scope.end_on, scope.zone)
    stmt = _booking_scope(
        _bookings_from(user=True).add_columns(dim, *_booked_used(scope), sa.func.count(Booking.id)),
        scope,
    )
    rows = [
        [k, hours(b), hours(u), n]
        for k, b, u, n in db.session.execute(stmt.group_by(dim).order_by(dim))
    ]
    figures = [
        (N_("Booked hours"), round(sum(r[1] for r in rows), 2)),
        (N_("Used hours"), round(sum(r[2] for r in rows), 2)),
        (N_("Bookings"), sum(r[3] for r in rows)),
    ]
    return Section(
        key,
        title,
        figures,
        tables=[
            Table(
                T_("By %(column)s", column=column),
                [column, N_("booked hours"), N_("used hours"), N_("bookings")],
                rows,
            )
        ],
        charts=[_bucket_chart(scope, N_("Hours by month"), months, "bar")],
    )
