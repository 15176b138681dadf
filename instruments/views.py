"""HTML pages of the catalog: browse, instrument page, calendars, finder, manager editing."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, send_from_directory, url_for
from flask_login import current_user, login_required

from innocore import clock
from innocore.accounts.models import Organisation
from innocore.competences.models import Competence
from innocore.errors import DomainError, Forbidden, Problem
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.forms import attempt, choices, form_status
from innocore.vocab import Technology, UserCategory
from instruments import bp, finder, queries, rules
from instruments.forms import InstrumentForm
from instruments.models import ApprovalMode, InstrumentStatus
from instruments.permissions import can_create_instrument, can_manage_instrument
from instruments.services import inventory

DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
OPENING_LINE = re.compile(r"^\s*(\w{3})\w*\s+(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")


def _filters_from_args() -> queries.CatalogFilters:
    tech = request.args.get("technology")
    fac, inst = request.args.get("facility", ""), request.args.get("institution", "")
    return queries.CatalogFilters(
        technology=Technology(tech) if tech in Technology._value2member_map_ else None,
        facility_id=int(fac) if fac.isdigit() else None,
        institution_id=int(inst) if inst.isdigit() else None,
        city=(request.args.get("city") or "").strip()[:120] or None,
        q=(request.args.get("q") or "").strip()[:100] or None,
    )


@bp.route("/")
def catalog_page():
    filters = _filters_from_args()
    stmt = queries.catalog_query(filters)
    bookable = request.args.get("bookable") == "1" and current_user.is_authenticated
    if bookable:
        stmt = finder.only_bookable(stmt, current_user)
    page = db.paginate(stmt, per_page=24, error_out=False)
    facilities = db.session.execute(
        sa.select(Facility.id, Facility.name)
        .where(Facility.active.is_(True))
        .order_by(Facility.name)
    ).all()
    institutions = db.session.execute(
        sa.select(Organisation.id, Organisation.name, Organisation.city)
        .where(Organisation.id.in_(sa.select(Facility.institution_id)))
        .order_by(Organisation.name)
    ).all()
    cities = sorted({i.city for i in institutions if i.city})
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "instruments/catalog.html",
        page=page,
        filters=filters,
        bookable=bookable,
        technologies=list(Technology),
        facilities=facilities,
        institutions=institutions,
        cities=cities,
        args=args,
    )


def _day_arg(name: str) -> date | None:
    """A date like 2026-03-02 from the query string, in the years InnoCore serves; else ValueError."""
    raw = request.args.get(name, "")
    if not raw:
        return None
    day = date.fromisoformat(raw)
    if not clock.year_in_range(day):
        raise ValueError(f"{day} is outside {clock.FIRST_YEAR}..{clock.LAST_YEAR}")
    return day


def _week_start(zone: ZoneInfo) -> date:
    try:
        day = _day_arg("date") or clock.now().astimezone(zone).date()
    except ValueError:
        abort(
            400, f"The date must look like 2026-03-02, in {clock.FIRST_YEAR} to {clock.LAST_YEAR}."
        )
    return day


@bp.route("/finder")
@login_required
def finder_page():
    filters = _filters_from_args()
    found, searched = None, "hours" in request.args
    problems: list[str] = []
    if searched:
        try:
            hours = float(request.args.get("hours", "1"))
            first = _day_arg("from") or clock.now().date()
            last = _day_arg("to") or first + timedelta(days=14)
        except ValueError:
            problems.append("Give a length in hours and dates like 2026-03-02.")
        else:
            zone = ZoneInfo(current_user.timezone)
            start = datetime.combine(first, time(0), tzinfo=zone)
            end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
            problems = [p.message for p in rules.search_problems(start, end, hours)]
        if not problems:
            found = finder.earliest_slot(current_user, filters, int(hours * 60), start, end)
    return render_template(
        "instruments/finder.html",
        technologies=list(Technology),
        filters=filters,
        found=found,
        searched=searched,
        problems=problems,
        args=request.args,
    ), 422 if problems else 200


@bp.route("/photos/<name>")
def photo(name: str):
    if not re.fullmatch(r"\d+-[0-9a-f]{16}\.(png|jpg)", name):
        abort(404)
    return send_from_directory(inventory.photo_dir(), name, max_age=86400)


# ---- managers: create and edit -------------------------------------------------------------------


def _competence_choices(facility_id: int) -> list[tuple[str, str]]:
    rows = db.session.scalars(
        sa.select(Competence)
        .where(Competence.retired.is_(False))
        .where(sa.or_(Competence.facility_id.is_(None), Competence.facility_id == facility_id))
        .order_by(Competence.code)
    ).all()
    return [("", "None")] + [(str(c.id), f"{c.code} – {c.title}") for c in rows]


def _parse_opening(text: str) -> list[tuple[int, time, time]]:
    out = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        m = OPENING_LINE.match(line)
        if not m or m.group(1).lower() not in DAYS:
            raise DomainError(Problem("bad_opening", f"Cannot read '{line[:40]}'.", "opening"))
        h1, m1, h2, m2 = (int(x) for x in m.groups()[1:])
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise DomainError(Problem("bad_opening", f"Cannot read '{line[:40]}'.", "opening"))
        out.append((DAYS[m.group(1).lower()], time(h1, m1), time(h2, m2)))
    return out


def _opening_text(instrument) -> str:
    names = list(DAYS)
    return "\n".join(
        f"{names[o.weekday].capitalize()} {o.opens:%H:%M}-{o.closes:%H:%M}"
        for o in instrument.opening_hours
    )


def _data(form: InstrumentForm) -> inventory.InstrumentData:
    rates = {}
    for category in UserCategory:
        value = getattr(form, f"rate_{category.value}").data
        if value is not None:
            rates[category] = Decimal(value)
    competence = form.required_competence_id.data
    return inventory.InstrumentData(
        name=form.name.data or "",
        technology=Technology(form.technology.data),
        model=form.model.data or "",
        description=form.description.data or "",
        location=form.location.data or "",
        status=InstrumentStatus(form.status.data),
        required_competence_id=int(competence) if competence else None,
        required_level=form.required_level.data,
        approval_mode=ApprovalMode(form.approval_mode.data),
        out_of_hours_level=form.out_of_hours_level.data,
        **{name: getattr(form, name).data for name in rules.LIMITS},
        opening=_parse_opening(form.opening.data),
        rates=rates,
    )


def _save(form: InstrumentForm, facility_id: int, instrument=None):
    """Create or update the instrument and store its photo, as one unit; None when refused."""

    def save():
        saved = instrument
        if saved is None:
            saved = inventory.create_instrument(current_user, facility_id, _data(form))
        else:
            inventory.update_instrument(current_user, saved, _data(form))
        upload = request.files.get("photo")
        if upload and upload.filename:
            inventory.save_photo(current_user, saved, upload.read(inventory.MAX_PHOTO_BYTES + 1))
        return saved

    return attempt(form, save)[1]


@bp.route("/new/<int:facility_id>", methods=["GET", "POST"])
@login_required
def create(facility_id: int):
    facility = db.session.get(Facility, facility_id) or abort(404)
    if not can_create_instrument(current_user, facility):
        raise Forbidden("Only the facility's managers add instruments.")
    form = InstrumentForm()
    form.required_competence_id.choices = choices(_competence_choices(facility.id))
    if form.validate_on_submit() and (instrument := _save(form, facility.id)):
        flash(f"“{instrument.name}” is in the catalog.", "success")
        return redirect(url_for("instruments.show", instrument_id=instrument.id))
    status = form_status(form)
    return render_template(
        "instruments/form.html", form=form, facility=facility, instrument=None
    ), status


@bp.route("/<int:instrument_id>/edit", methods=["GET", "POST"])
@login_required
def edit(instrument_id: int):
    instrument = queries.get_instrument(instrument_id)
    if not can_manage_instrument(current_user, instrument):
        raise Forbidden("Only the facility's managers edit instruments.")
    form = InstrumentForm(obj=instrument)
    form.required_competence_id.choices = choices(_competence_choices(instrument.facility_id))
    if request.method == "GET":
        form.technology.data, form.status.data = (
            instrument.technology.value,
            instrument.status.value,
        )
        form.approval_mode.data = instrument.approval_mode.value
        form.required_competence_id.data = str(instrument.required_competence_id or "")
        form.opening.data = _opening_text(instrument)
        for category in UserCategory:
            getattr(form, f"rate_{category.value}").data = instrument.rate_for(category)
    if form.validate_on_submit() and _save(form, instrument.facility_id, instrument):
        flash("Instrument saved.", "success")
        return redirect(url_for("instruments.show", instrument_id=instrument.id))
    status = form_status(form)
    return render_template(
        "instruments/form.html", form=form, facility=instrument.facility, instrument=instrument
    ), status
