"""Training forms. Wall-clock inputs are read in the facility's time zone."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from innocore.accounts.addresses import AcceptedEmail
from innocore.clock import offset_text, passes, resolve_wall
from innocore.errors import DomainError, Problem
from innocore.forms import (
    AmountField,
    EmailAddressField,
    LocalDateTimeField,
    MoneyField,
    choices,
    strip,
)
from innocore.marks import T_, TN_
from innocore.vocab import Technology
from training.models import (
    AssessmentOutcome,
    AssessmentType,
    Audience,
    ModuleKind,
    ParticipationForm,
)

# A time, optionally naming its pass of a repeated hour: 02:30, 02:30 (CET), 02:30 (UTC+01:00).
_TIME = r"(\d{1,2}:\d{2})(?:\s*\(\s*((?:UTC)?[+-]\d{2}:\d{2}|[A-Za-z]{2,5}|Z)\s*\))?"
PART_LINE = re.compile(rf"^\s*(\d{{4}}-\d{{2}}-\d{{2}})\s+{_TIME}\s*[-–]\s*{_TIME}\s*(.*)$")

AT_INSTRUMENT = re.compile(r"^(.*?)(?:^|\s)@\s*(\S.*)$")


class ModuleForm(FlaskForm):
    title = StringField(_l("Title"), [DataRequired(), Length(max=200)], filters=[strip])
    facility_id = SelectField(_l("Offered by"), coerce=int)
    technology = SelectField(
        _l("Technology"), choices=choices((t.value, t.label) for t in Technology)
    )
    description = TextAreaField(_l("Description"), [Optional(), Length(max=20000)], filters=[strip])
    learning_outcomes = TextAreaField(
        _l("Learning outcomes (one per line)"), [DataRequired(), Length(max=5000)], filters=[strip]
    )
    competence_id = SelectField(_l("Competence awarded"), coerce=int)
    level_awarded = IntegerField(_l("Level awarded on success"), [NumberRange(1, 9)], default=1)
    ects = AmountField(_l("ECTS credits"), [NumberRange(0, 60)], places=1, default=Decimal("0.5"))
    notional_hours = IntegerField(
        _l("Notional workload (hours)"), [NumberRange(1, 2000)], default=8
    )
    eqf_level = IntegerField(_l("EQF level (1–8, optional)"), [Optional(), NumberRange(1, 8)])
    assessment_type = SelectField(
        _l("Type of assessment"), choices=choices((a.value, a.label) for a in AssessmentType)
    )
    participation_form = SelectField(
        _l("Form of participation"), choices=choices((p.value, p.label) for p in ParticipationForm)
    )
    kind = SelectField(
        _l("Kind of learning"),
        choices=choices((k.value, k.label) for k in ModuleKind),
        default="course",
    )
    language = StringField(_l("Language (ISO code)"), [DataRequired(), Length(max=8)], default="en")
    quality_assurance = TextAreaField(
        _l("Quality assurance"), [DataRequired(), Length(max=5000)], filters=[strip]
    )
    fee_internal = MoneyField(_l("Fee, internal users (EUR)"), [NumberRange(0)], default=0)
    fee_academic = MoneyField(_l("Fee, external academic users (EUR)"), [NumberRange(0)], default=0)
    fee_industry = MoneyField(_l("Fee, industry (EUR)"), [NumberRange(0)], default=0)
    prerequisite_competences = TextAreaField(
        _l("Prerequisite competences (one per line: CODE LEVEL, e.g. IMG.LASER 1)"),
        [Optional(), Length(max=2000)],
        filters=[strip],
    )
    prerequisite_modules = SelectMultipleField(_l("Prerequisite modules"), coerce=int)
    status = SelectField(
        _l("Status"),
        choices=choices(
            [("published", _l("Published")), ("draft", _l("Draft")), ("retired", _l("Retired"))]
        ),
    )


class SessionForm(FlaskForm):
    parts = TextAreaField(
        _l(
            "Dates (one part per line, local time: 2026-12-03 09:00-12:30 Optional title"
            " @ Instrument for a hands-on part)"
        ),
        [DataRequired(), Length(max=4000)],
    )
    location = StringField(_l("Place"), [Optional(), Length(max=200)], filters=[strip])
    online_url = StringField(_l("Online link"), [Optional(), Length(max=500)], filters=[strip])
    capacity = IntegerField(_l("Capacity (places)"), [NumberRange(1, 1000)], default=10)
    audience = SelectField(
        _l("Who may enrol"), choices=choices((a.value, a.label) for a in Audience)
    )
    enrol_opens_at = LocalDateTimeField(_l("Enrolment opens (local time)"), [InputRequired()])
    enrol_closes_at = LocalDateTimeField(_l("Enrolment closes (local time)"), [InputRequired()])
    withdraw_days_before = IntegerField(
        _l("Withdrawal possible until (days before the first part)"),
        [NumberRange(0, 90)],
        default=2,
    )
    trainer_ids = SelectMultipleField(_l("Trainers"), coerce=int)
    notes = TextAreaField(_l("Notes for participants"), [Optional(), Length(max=5000)])


class MaterialForm(FlaskForm):
    title = StringField(_l("Title"), [DataRequired(), Length(max=200)], filters=[strip])
    url = StringField(
        _l("Link (or upload a file below)"), [Optional(), Length(max=500)], filters=[strip]
    )
    file = FileField(_l("File (PDF, text, image, MP4, ZIP, Office; at most 10 MB)"))


class EnrolForm(FlaskForm):
    email = EmailAddressField(
        _l("Employee's e-mail (company administrators)"),
        [Optional(), AcceptedEmail(), Length(max=254)],
    )
    account = StringField(_l("Account to charge"), [Optional(), Regexp(r"^[0-9]{1,9}$")])


class CancelForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (sent to everyone on the list)"),
        [DataRequired(), Length(max=500)],
        filters=[strip],
    )


class SettingsForm(FlaskForm):
    offer_hours = IntegerField(_l("Hours a waiting-list offer stays open"), [NumberRange(1, 336)])
    reminder_hours = IntegerField(
        _l("Hours before each part the reminder is sent"), [NumberRange(1, 336)]
    )


class AssessmentForm(FlaskForm):
    outcome = SelectField(
        _l("Result"),
        choices=choices((o.value, o.label) for o in AssessmentOutcome),
    )
    level_reached = IntegerField(_l("Level reached (for a pass)"), [Optional(), NumberRange(1, 9)])
    notes = TextAreaField(_l("Notes"), [Optional(), Length(max=5000)])
    evidence_text = TextAreaField(_l("Evidence (narrative)"), [Optional(), Length(max=10000)])
    evidence_file = FileField(_l("Evidence file (optional)"))


def parse_parts(
    text: str,
    zone: str,
    instruments: dict[str, int] | None = None,
    keep: Iterable[datetime] = (),
) -> list[tuple[datetime, datetime, str, int | None]]:
    """Lines "YYYY-MM-DD HH:MM-HH:MM title @ instrument" in the facility's zone, as aware UTC
    instants; ``instruments`` maps the facility's instrument names (any case) to their ids.

    A time the clocks skip is refused; a time that happens twice names its pass after it,
    "02:30 (CET)" or "02:30 (UTC+01:00)" (``parts_text`` writes it so), or keeps the pass it had
    among ``keep`` (the session's stored instants); else ``DomainError`` ``ambiguous_local_time``
    on ``parts`` saying how to write each pass.
    """
    tz = ZoneInfo(zone)
    names = {k.casefold(): v for k, v in (instruments or {}).items()}
    out, bad, unknown = [], [], []
    for n, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        m = PART_LINE.match(line)
        try:
            day = date.fromisoformat(m.group(1)) if m else None
            start = time.fromisoformat(m.group(2).zfill(5)) if m else None
            end = time.fromisoformat(m.group(4).zfill(5)) if m else None
        except ValueError:
            day = None
        if day is None:
            bad.append(n)
            continue
        end_wall, end_mark, rest = datetime.combine(day, end), m.group(5), m.group(6)
        if end_mark and not _names_a_pass(end_wall, zone, end_mark):
            rest, end_mark = f"({end_mark}) {rest}", None  # "(Lab) Hands-on" is a title
        title, name = _split_instrument(rest)
        instrument_id = names.get(name.casefold()) if name else None
        if name and instrument_id is None:
            unknown.append(name[:60])
        out.append(
            (
                _part_instant(datetime.combine(day, start), m.group(3), tz, keep, n),
                _part_instant(end_wall, end_mark, tz, keep, n),
                title.strip()[:200],
                instrument_id,
            )
        )
    if unknown:
        known = ", ".join(sorted(instruments or {})) or "none"
        raise DomainError(
            Problem(
                "instrument_unknown",
                T_(
                    "No instrument “%(unknown)s” here; choose one of: %(known)s.",
                    unknown=unknown[0],
                    known=known,
                ),
                "parts",
            )
        )
    if bad:
        raise DomainError(
            Problem(
                "parts_format",
                TN_(
                    "Line %(lines)s: write 2026-12-03 09:00-12:30 (then a title).",
                    "Lines %(lines)s: write 2026-12-03 09:00-12:30 (then a title).",
                    len(bad),
                    lines=", ".join(map(str, bad)),
                ),
                "parts",
            )
        )
    return out


def _names_a_pass(wall: datetime, zone: str, mark: str) -> bool:
    """Whether ``mark`` ("CET", "UTC+01:00") names a pass of ``wall`` in ``zone``, or looks like
    an offset at all (a wrong offset is then refused, not read as a title)."""
    if not mark.isalpha():
        return True
    zones = {p.astimezone(ZoneInfo(zone)).tzname().upper() for p in passes(wall, zone)}
    return mark.upper() in zones | {"Z", "UTC"}


def _part_instant(
    wall: datetime, mark: str | None, tz: ZoneInfo, keep: Iterable[datetime], line: int
) -> datetime:
    found = resolve_wall(wall, tz.key, "parts", offset=mark, keep=keep)
    if not isinstance(found, Problem):
        return found
    if found.code != "ambiguous_local_time":
        raise DomainError(found)
    first, second = (p.astimezone(tz) for p in passes(wall, tz.key))
    message = (
        f"Line {line}: {wall:%H:%M} on {wall:%a %d %b %Y} happens twice in {tz.key}: write "
        f"{wall:%H:%M} ({_mark(first, second)}) for the first, UTC{offset_text(first)}, or "
        f"{wall:%H:%M} ({_mark(second, first)}) for the second, UTC{offset_text(second)}."
    )
    raise DomainError(Problem("ambiguous_local_time", message, "parts"))


def _mark(local: datetime, other: datetime) -> str:
    """How a part line names this pass of a repeated time: the zone's abbreviation ("CET") when
    it tells the two passes apart, else the offset ("UTC+01:00")."""
    if local.tzname() != other.tzname() and local.tzname().isalpha():
        return local.tzname()
    return f"UTC{offset_text(local)}"


def _split_instrument(rest: str) -> tuple[str, str | None]:
    """ "Hands-on @ Confocal" -> ("Hands-on", "Confocal"); no "@" -> (rest, None)."""
    m = AT_INSTRUMENT.match(rest)
    return (m.group(1).strip(), m.group(2).strip()) if m else (rest.strip(), None)


def parts_text(session, zone: str) -> str:
    tz = ZoneInfo(zone)
    lines = []
    for p in session.parts:
        s, e = p.starts_at.astimezone(tz), p.ends_at.astimezone(tz)
        at = f" @ {p.instrument.name}" if p.instrument else ""
        lines.append(f"{s:%Y-%m-%d} {_hhmm(s)}-{_hhmm(e)} {p.title}".rstrip() + at)
    return "\n".join(lines)


def _hhmm(local: datetime) -> str:
    """A part's time as its line shows it: with its pass when the hour happens twice."""
    other = local.replace(fold=1 - local.fold)
    if other.utcoffset() == local.utcoffset():
        return f"{local:%H:%M}"
    return f"{local:%H:%M} ({_mark(local, other)})"


def parse_prerequisite_codes(text: str) -> list[tuple[str, int]]:
    out, bad = [], []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        bits = line.split()
        if len(bits) != 2 or not bits[1].isdigit():
            bad.append(line.strip()[:40])
            continue
        out.append((bits[0], int(bits[1])))
    if bad:
        raise DomainError(
            Problem(
                "prerequisites_format",
                T_("Write CODE LEVEL per line (not “%(bad)s”).", bad=bad[0]),
                "prerequisite_competences",
            )
        )
    return out
