"""Shared form helpers: mapping domain problems onto WTForms fields."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

import wtforms
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import DateTimeLocalField, SelectChoice, widgets

from innocore import clock
from innocore.errors import DomainError, Forbidden, NotFound, Problem, problem_text
from innocore.extensions import db

T = TypeVar("T")


def apply_problems(form: FlaskForm, err: DomainError) -> None:
    """Show every problem next to its field, or at the top of the form when it has no field.

    A problem whose field the page never shows (a hidden input, a staff-only field on a
    member's page, a select left out when it has one choice) must not vanish: its text also
    goes to the top of the page unless the page renders that field (``unshown_problems``)."""
    form.form_errors = list(getattr(form, "form_errors", []))
    for problem in err.problems:
        text = problem_text(problem)
        field = _visible_field(form, problem.field)
        if field is None:
            form.form_errors.append(text)
            continue
        field.errors = list(field.errors) + [text]
        _watch(field, text)


def _visible_field(form: FlaskForm, name: str | None):
    """The form's field called ``name`` when it can show an error (not a hidden input)."""
    field = getattr(form, name, None) if name else None
    if field is None or not hasattr(field, "errors") or not hasattr(field, "widget"):
        return None
    if getattr(field.widget, "input_type", None) == "hidden":
        return None
    return field


class _RenderWatch:
    """A field's widget that notes when the page renders it (so its errors were shown)."""

    def __init__(self, widget):
        self.widget = widget
        self.rendered = False

    def __getattr__(self, name):
        return getattr(self.widget, name)

    def __call__(self, field, **kwargs):
        self.rendered = True
        return self.widget(field, **kwargs)


def _watch(field, text: str) -> None:
    from flask import g, has_app_context

    if not has_app_context():
        return
    if not isinstance(field.widget, _RenderWatch):
        field.widget = _RenderWatch(field.widget)
    g.setdefault("watched_problems", []).append((field.widget, text))


def unshown_problems() -> list[str]:
    """The texts of problems put on fields the page has not rendered (so far in this request):
    the base template renders its content first, then shows these above it."""
    from flask import g

    seen: list[str] = []
    for watch, text in g.get("watched_problems", []):
        if not watch.rendered and text not in seen:
            seen.append(text)
    return seen


def strip(value):
    return value.strip() if isinstance(value, str) else value


class EmailAddressField(wtforms.EmailField):
    """The one e-mail input of every form: the spaces around a pasted or typed address are
    dropped before any validator sees it (" name@example.org " is name@example.org), then the
    field's own validators run (``AcceptedEmail()``, ``Length(max=254)``...). Accounts are
    looked up case-insensitively by ``accounts.services.get_user_by_email``."""

    def __init__(self, label=None, validators=None, filters=(), **kwargs):
        super().__init__(label, validators, filters=(strip, *filters), **kwargs)


class _LazyLabel:
    """An option label looked up in the catalogs when shown. Unlike Flask-Babel's lazy string it
    has no ``__html__``, so the label (an organisation's name, say) is escaped like any text."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __str__(self) -> str:
        from flask_babel import gettext

        return gettext(self.text)

    def __eq__(self, other) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return repr(self.text)


def as_int(value) -> int | None:
    """An integer from form text, or None when it is none or does not fit every database's
    integer column (the rules then name the field)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if -(2**31) < number < 2**31 else None


def choices(pairs) -> list[SelectChoice]:
    """Select options from ``(value, label)`` pairs (WTForms 3.3+ wants SelectChoice objects).

    Forms are built at import, in English: each label is looked up in the catalogs again when
    the form is shown, so enumeration labels and marked words read in the reader's language; a
    label with no catalog entry (a name, "3 / 5") shows as it is, escaped."""
    return [
        SelectChoice(str(value), _LazyLabel(str(label)) if label else label)
        for value, label in pairs
    ]


def attempt(
    form: FlaskForm, action: Callable[[], T], *, on_form: tuple[int, ...] | None = None
) -> tuple[bool, T | None]:
    """Run one use case for a validated form at a boundary: commit once if it succeeds; if the
    rules refuse it, roll back, show every problem on the form and keep the error as
    ``form.refusal`` (its ``status`` and ``problems`` for pages that say more). Returns
    ``(succeeded, result)``. ``Forbidden`` and ``NotFound`` propagate to the app-wide handler, and
    so does any refusal whose status is not in ``on_form`` when it is given (``on_form=(422,)``:
    an expired link, 410, is a page of its own, not a form error).

    The one way an HTML view runs a use case for a form; ``attempt_action`` is the same for a
    button post without fields, and ``form_status`` the status the page answers with.
    """
    form.refusal = None
    try:
        result = action()
    except (Forbidden, NotFound):
        raise
    except DomainError as err:
        db.session.rollback()
        if on_form is not None and err.status not in on_form:
            raise
        apply_problems(form, err)
        form.refusal = err
        return False, None
    db.session.commit()
    return True, result


def form_status(form: FlaskForm) -> int:
    """422 when the form shows errors (so clients and tests can tell), else 200."""
    return 422 if form.errors or getattr(form, "form_errors", None) else 200


def refusal_status(form: FlaskForm) -> int:
    """The status of the refusal ``attempt`` kept (409 for a conflict, 429 when throttled...),
    or ``form_status`` when there was none."""
    refusal = getattr(form, "refusal", None)
    return refusal.status if refusal is not None else form_status(form)


def attempt_action(action: Callable[[], T]) -> tuple[T | None, DomainError | None]:
    """Run one use case for a button post (no form fields) at a boundary: commit once if it
    succeeds and return ``(result, None)``; if the rules refuse it (422, 409), roll back and
    return ``(None, error)`` so the view renders its own page with ``refusal=error.problems``
    and ``error.status`` (never a redirect that hides the reason). 403 and 404 propagate to
    the app-wide handler.
    """
    try:
        result = action()
    except DomainError as err:
        if err.status in (403, 404):
            raise
        db.session.rollback()
        return None, err
    db.session.commit()
    return result, None


YEARS_MESSAGE = _l(
    "Dates lie in the years %(first)s to %(last)s.", first=clock.FIRST_YEAR, last=clock.LAST_YEAR
)
_YEAR = re.compile(r"^\s*([0-9]+)-")


class YearRangeMixin:
    """A date or date-time form field that refuses years InnoCore does not serve
    (``clock.FIRST_YEAR``..``clock.LAST_YEAR``) itself, as an error beside the field (the page
    comes back, 422), and says "not a valid date" for text that is no date at all. The app-wide
    check in ``innocore.inputs`` leaves page form bodies to these fields."""

    not_a_date = _l("Not a valid date (year-month-day).")

    def process_formdata(self, valuelist):
        raw = " ".join(valuelist or ()).strip()
        if (m := _YEAR.match(raw)) and not clock.FIRST_YEAR <= int(m.group(1)) <= clock.LAST_YEAR:
            self.data = None
            raise ValueError(YEARS_MESSAGE)
        try:
            super().process_formdata(valuelist)
        except ValueError as err:
            raise ValueError(self.not_a_date) from err
        if self.data is not None and not clock.year_in_range(self.data):
            self.data = None
            raise ValueError(YEARS_MESSAGE)


class DateField(YearRangeMixin, wtforms.DateField):
    """``wtforms.DateField`` within the years InnoCore serves; use it for every form date."""


# A local time with an explicit offset, as a client may post it: 2027-10-31T02:30+01:00, …Z.
_WITH_OFFSET = re.compile(r"^(.*\d{2}:\d{2}(?::\d{2})?)\s*(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE)


class LocalTimeInput(widgets.DateTimeLocalInput):
    """``<input type=datetime-local>``, followed by a choice of pass when the time happens twice
    (the autumn night): ``<select name="<field>_pass">`` with ``+02:00``/``+01:00`` options."""

    def __call__(self, field, **kwargs):
        html = super().__call__(field, **kwargs)
        if not field.pass_options:
            return html
        hour = f"{field.data:%H:%M}"
        options = Markup('<option value="">Which {}?</option>').format(hour)
        if field.offset:
            options = Markup("")
        for value, label in field.pass_options:
            selected = Markup(" selected") if value == field.offset else ""
            options += Markup('<option value="{}"{}>{}</option>').format(value, selected, label)
        return html + Markup(
            ' <label for="{0}_pass">{1} happens twice that night:</label> '
            '<select name="{2}_pass" id="{0}_pass" required>{3}</select>'
        ).format(field.id, hour, field.name, options)


class LocalDateTimeField(YearRangeMixin, DateTimeLocalField):
    """A wall-clock time in the facility's zone, read with ``clock.wall_to_instant``: the
    spring gap is refused, the autumn fold asks which pass (``<name>_pass``, an offset such as
    ``+01:00``; a posted ``2027-10-31T02:30+01:00`` names it too), and an unchanged time keeps
    the instant stored before (``keep``)."""

    widget = LocalTimeInput()
    not_a_date = _l("Not a valid date and time (year-month-day hours:minutes).")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"])
        super().__init__(*args, **kwargs)
        self.offset: str | None = None
        self.pass_options: list[tuple[str, str]] = []

    def process(self, formdata, *args, **kwargs):
        self.offset, self.pass_options = None, []
        super().process(formdata, *args, **kwargs)
        if formdata is not None and not self.offset:
            self.offset = (formdata.get(f"{self.name}_pass") or "").strip()[:12] or None

    def process_formdata(self, valuelist):
        raw = " ".join(valuelist).strip()
        if m := _WITH_OFFSET.match(raw):
            raw, self.offset = m.group(1), m.group(2).upper()
        super().process_formdata([raw] if valuelist else valuelist)

    def _value(self):
        if self.data and self.offset:
            return self.data.strftime(self.format[0])
        return super()._value()

    def instant(self, zone: str, keep: Iterable[datetime | None] = ()) -> datetime | None:
        """The submitted time as an aware UTC instant (``None`` when empty); ``keep``: the
        instants stored before. Raises ``DomainError`` on this field's name (gap, fold without a
        choice, wrong offset); the page then offers both passes."""
        found = self.resolve(zone, keep)
        if isinstance(found, Problem):
            raise DomainError(found)
        return found

    def resolve(self, zone: str, keep: Iterable[datetime | None] = ()) -> datetime | Problem | None:
        """``instant`` that returns its problem (``clock.resolve_wall``) instead of raising it,
        for a boundary that gathers every problem of several fields."""
        if self.data is None:
            return None
        found = clock.resolve_wall(self.data, zone, self.short_name, offset=self.offset, keep=keep)
        self._offer(zone, None if isinstance(found, Problem) else found)
        return found

    def show(self, instant: datetime, zone: str) -> None:
        """Prefill with ``instant``'s wall-clock time in ``zone`` (and its pass, if repeated)."""
        self.data = instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        self._offer(zone, instant)

    def _offer(self, zone: str, chosen: datetime | None) -> None:
        tz = ZoneInfo(zone)
        found = clock.passes(self.data, zone)
        if len(found) < 2:
            self.pass_options = []
            return
        self.pass_options = [
            (clock.offset_text(p.astimezone(tz)), clock.pass_label(p, zone)) for p in found
        ]
        known = {v for v, _ in self.pass_options}
        if chosen is not None:
            self.offset = clock.offset_text(chosen.astimezone(tz))
        elif self.offset not in known:
            self.offset = None


class AmountField(wtforms.Field):
    """A decimal number typed in the reader's language ("150,50" in Italian, "150.50" in
    English; the plain ``.`` form is read in every language), parsed with Babel's strict mode
    (``innocore.amounts.parse_amount``). Text that is no number gets "Not a number: write it
    like 1234,50" (never the range message of a ``NumberRange``); more than ``places`` decimal
    places is refused rather than rounded. The value shows again in the reader's format.

    ``data``: a ``Decimal`` or ``None`` (empty). Use it for every decimal form input; money
    inputs use ``MoneyField`` (cents)."""

    widget = widgets.TextInput()

    def __init__(self, label=None, validators=None, places: int | None = None, **kwargs):
        kwargs.setdefault("render_kw", {}).setdefault("inputmode", "decimal")
        super().__init__(label, validators, **kwargs)
        self.places = places

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        from innocore.amounts import show_amount

        return show_amount(self.data, clock.reader_locale(), places=self.places)

    def process_formdata(self, valuelist):
        from innocore.amounts import AmountError, parse_amount
        from innocore.marks import message_text

        if not valuelist:
            return
        try:
            self.data = parse_amount(valuelist[0], clock.reader_locale(), places=self.places)
        except AmountError as err:
            self.data = None
            raise ValueError(message_text(err.message)) from None


class MoneyField(AmountField):
    """An amount of money in euros: ``AmountField`` with at most two decimal places (cents)."""

    def __init__(self, label=None, validators=None, **kwargs):
        from innocore.amounts import MONEY_PLACES

        kwargs["places"] = MONEY_PLACES
        super().__init__(label, validators, **kwargs)
