"""Training pages for managers, staff and trainers: modules, sessions, lists, attendance, results."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from innocore.competences.models import Competence
from innocore.confirm import Confirmation, irreversible
from innocore.errors import DomainError, Forbidden, Problem
from innocore.extensions import db
from innocore.facilities.models import Facility, FacilityRole
from innocore.facilities.services import get_facility_by_slug
from innocore.forms import attempt, choices, form_status
from innocore.marks import N_, T_
from innocore.permissions import is_network_admin, managed_facility_ids, require
from innocore.template_helpers import local_time
from innocore.vocab import Technology
from training import bp, queries
from training.forms import (
    AssessmentForm,
    CancelForm,
    MaterialForm,
    ModuleForm,
    SessionForm,
    SettingsForm,
    parse_parts,
    parse_prerequisite_codes,
    parts_text,
)
from training.models import (
    AssessmentOutcome,
    AssessmentType,
    AttendanceStatus,
    Audience,
    ModuleKind,
    ModuleStatus,
    ParticipationForm,
    TrainingModule,
)
from training.permissions import (
    can_manage_module,
    can_manage_session,
    can_schedule_at,
    can_see_facility_training,
    can_teach_session,
    may_create_any_module,
    may_teach_anywhere,
)
from training.services import parts, planning, records
from training.services.enrolment import get_enrolment

FACILITY_PAGE = 25


def _module_choices(form: ModuleForm) -> None:
    ids = managed_facility_ids(current_user)
    stmt = sa.select(Facility).order_by(Facility.name)
    if not is_network_admin(current_user):
        stmt = stmt.where(Facility.id.in_(ids))
    form.facility_id.choices = choices(
        ([(0, N_("The whole network"))] if is_network_admin(current_user) else [])
        + [(f.id, f.name) for f in db.session.scalars(stmt)]
    )
    form.competence_id.choices = choices(
        (c.id, f"{c.code} · {c.title}")
        for c in db.session.scalars(sa.select(Competence).order_by(Competence.code))
    )
    form.prerequisite_modules.choices = choices(
        (m.id, m.title)
        for m in db.session.scalars(sa.select(TrainingModule).order_by(TrainingModule.title))
    )


def _module_data(form: ModuleForm) -> planning.ModuleData:
    codes = parse_prerequisite_codes(form.prerequisite_competences.data)
    by_code = dict(
        db.session.execute(
            sa.select(Competence.code, Competence.id).where(
                Competence.code.in_([c for c, _ in codes])
            )
        ).all()
    )
    unknown = [c for c, _ in codes if c not in by_code]
    if unknown:
        raise DomainError(
            Problem(
                "prerequisite_unknown",
                T_("Unknown competence code %(unknown)s.", unknown=unknown[0]),
                "prerequisite_competences",
            )
        )
    return planning.ModuleData(
        title=form.title.data,
        technology=Technology(form.technology.data),
        competence_id=form.competence_id.data,
        level_awarded=form.level_awarded.data,
        learning_outcomes=form.learning_outcomes.data.splitlines(),
        ects=form.ects.data,
        notional_hours=form.notional_hours.data,
        assessment_type=AssessmentType(form.assessment_type.data),
        participation_form=ParticipationForm(form.participation_form.data),
        quality_assurance=form.quality_assurance.data,
        facility_id=form.facility_id.data or None,
        description=form.description.data or "",
        eqf_level=form.eqf_level.data,
        language=form.language.data,
        fee_internal=form.fee_internal.data,
        fee_academic=form.fee_academic.data,
        fee_industry=form.fee_industry.data,
        status=ModuleStatus(form.status.data),
        kind=ModuleKind(form.kind.data),
        prerequisite_competences=[(by_code[c], lvl) for c, lvl in codes],
        prerequisite_modules=list(form.prerequisite_modules.data or []),
    )


def _save_module(form: ModuleForm, module: TrainingModule | None):
    def save():
        data = _module_data(form)
        if module is None:
            return planning.create_module(current_user, data)
        planning.update_module(current_user, module, data)
        return module

    ok, saved = attempt(form, save)
    if not ok:
        return None
    flash(_("Module saved."), "success")
    return redirect(url_for("training.module_page", module_id=saved.id))


@bp.route("/modules/new", methods=["GET", "POST"])
@require(may_create_any_module, N_("Only facility managers and network admins define modules."))
def new_module():
    form = ModuleForm()
    _module_choices(form)
    if form.validate_on_submit() and (done := _save_module(form, None)):
        return done
    return render_template("training/module_form.html", form=form, module=None), form_status(form)


@bp.route("/modules/<int:module_id>/edit", methods=["GET", "POST"])
@login_required
def edit_module(module_id: int):
    module = planning.get_module(module_id)
    if not can_manage_module(current_user, module):
        raise Forbidden(N_("You may not edit this module."))
    # Only a GET starts from the module: a POST is read from the form alone, so a missing field
    # is a form error rather than the model's list leaking into a text field.
    form = ModuleForm(obj=module if request.method == "GET" else None)
    _module_choices(form)
    if request.method == "GET":
        form.facility_id.data = module.facility_id or 0
        form.learning_outcomes.data = "\n".join(module.learning_outcomes)
        form.prerequisite_competences.data = "\n".join(
            f"{p.competence.code} {p.min_level}" for p in module.prerequisites if p.competence
        )
        form.prerequisite_modules.data = [
            p.required_module_id for p in module.prerequisites if p.required_module_id
        ]
    if form.validate_on_submit() and (done := _save_module(form, module)):
        return done
    return render_template("training/module_form.html", form=form, module=module), form_status(form)


@bp.route("/modules/<int:module_id>/materials", methods=["POST"])
@login_required
def add_material(module_id: int):
    module = planning.get_module(module_id)
    form = MaterialForm()
    upload = form.file.data if form.validate_on_submit() else None
    data = upload.read() if upload and upload.filename else None
    planning.add_material(
        current_user,
        module,
        title=form.title.data or "",
        url=form.url.data,
        filename=upload.filename if data is not None else None,
        content_type=upload.mimetype if data is not None else None,
        data=data,
    )
    db.session.commit()
    flash(_("Material added."), "success")
    return redirect(url_for("training.module_page", module_id=module.id))


def _session_form_choices(form: SessionForm, facility: Facility) -> None:
    rows = db.session.execute(
        sa.select(FacilityRole.user_id, sa.func.min(Facility.name))
        .join(Facility, Facility.id == FacilityRole.facility_id)
        .where(FacilityRole.facility_id == facility.id)
        .group_by(FacilityRole.user_id)
    ).all()
    from innocore.accounts.models import User

    users = db.session.scalars(
        sa.select(User).where(User.id.in_([r[0] for r in rows])).order_by(User.name)
    ).all()
    form.trainer_ids.choices = choices((u.id, u.name) for u in users)


def _session_data(form: SessionForm, facility: Facility, session=None) -> planning.SessionData:
    """The form's session; when editing, a local time the person left unchanged keeps the
    instant stored (the second pass of a repeated hour stays the second)."""
    zone = facility.timezone
    instruments = {i.name: i.id for i in parts.instruments_of(facility.id)}
    kept = _stored_instants(session)
    return planning.SessionData(
        capacity=form.capacity.data,
        audience=Audience(form.audience.data),
        parts=parse_parts(form.parts.data, zone, instruments, keep=kept),
        enrol_opens_at=form.enrol_opens_at.instant(zone, kept),
        enrol_closes_at=form.enrol_closes_at.instant(zone, kept),
        trainer_ids=list(form.trainer_ids.data or []),
        location=form.location.data or "",
        online_url=form.online_url.data or None,
        withdraw_days_before=form.withdraw_days_before.data,
        notes=form.notes.data or "",
    )


def _stored_instants(session) -> list:
    if session is None:
        return []
    stored = [session.enrol_opens_at, session.enrol_closes_at]
    return stored + [t for p in session.parts for t in (p.starts_at, p.ends_at)]


@bp.route("/modules/<int:module_id>/sessions/new", methods=["GET", "POST"])
@login_required
def new_session(module_id: int):
    module = planning.get_module(module_id)
    slug = request.args.get("facility")
    facility = module.facility or (get_facility_by_slug(slug) if slug else None)
    if facility is None:
        facilities = _schedulable()
        if not facilities:
            raise Forbidden(N_("Only facility managers and staff schedule sessions."))
        return render_template("training/pick_facility.html", module=module, facilities=facilities)
    if not can_schedule_at(current_user, facility):
        raise Forbidden(N_("Only the facility's managers and staff schedule its sessions."))
    form = SessionForm()
    _session_form_choices(form, facility)
    if form.validate_on_submit():
        ok, session = attempt(
            form,
            lambda: planning.create_session(
                current_user, module, facility, _session_data(form, facility)
            ),
        )
        if ok:
            flash(_("Session scheduled."), "success")
            return redirect(url_for("training.session_page", session_id=session.id))
    return render_template(
        "training/session_form.html",
        form=form,
        module=module,
        facility=facility,
        session=None,
        instruments=parts.instruments_of(facility.id),
    ), form_status(form)


def _schedulable() -> list[Facility]:
    facilities = db.session.scalars(sa.select(Facility).order_by(Facility.name)).all()
    return [f for f in facilities if can_schedule_at(current_user, f)]


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit_session(session_id: int):
    session = planning.get_session(session_id)
    if not can_manage_session(current_user, session):
        raise Forbidden(N_("Only the facility's managers and staff edit its sessions."))
    facility, zone = session.facility, session.facility.timezone
    form = SessionForm(obj=session if request.method == "GET" else None)
    _session_form_choices(form, facility)
    if request.method == "GET":
        form.parts.data = parts_text(session, zone)
        form.enrol_opens_at.show(session.enrol_opens_at, zone)
        form.enrol_closes_at.show(session.enrol_closes_at, zone)
        form.trainer_ids.data = [t.id for t in session.trainers]
    if form.validate_on_submit():
        ok, _result = attempt(
            form,
            lambda: planning.update_session(
                current_user, session, _session_data(form, facility, session)
            ),
        )
        if ok:
            flash(_("Session saved; participants received the updated invitation."), "success")
            return redirect(url_for("training.session_page", session_id=session.id))
    return render_template(
        "training/session_form.html",
        form=form,
        module=session.module,
        facility=facility,
        session=session,
        cancel=CancelForm(),
        instruments=parts.instruments_of(facility.id),
    ), form_status(form)


def _confirm_cancel_session(session_id: int) -> Confirmation | None:
    session = planning.get_session(session_id)
    if not can_manage_session(current_user, session):
        raise Forbidden(N_("Only the facility's managers and staff cancel its sessions."))
    reason = (request.form.get("reason") or "").strip()
    if session.status.value != "scheduled" or not reason:
        return None  # the action says why it is refused
    from training.models import Enrolment

    people = db.session.scalar(
        sa.select(sa.func.count(Enrolment.id)).where(
            Enrolment.session_id == session.id,
            Enrolment.status.in_(("enrolled", "waitlisted", "offered")),
        )
    )
    when = local_time(session.starts_at, session.facility.timezone)
    return Confirmation(
        _("Cancel this training session?"),
        [
            _(
                "“%(module_title)s” on %(when)s (%(timezone)s time) is "
                "cancelled for good; it cannot be rescheduled, you would "
                "create a new session.",
                module_title=session.module.title,
                when=when,
                timezone=session.facility.timezone,
            ),
            _(
                "%(people)s people on its list are told by e-mail (with a "
                "calendar cancellation), with your reason: “%(reason)s”.",
                people=people,
                reason=reason,
            ),
            _("The instrument time held for its hands-on parts is given back."),
        ],
        _("Cancel the session"),
        url_for("training.session_page", session_id=session_id),
    )


@bp.route("/sessions/<int:session_id>/cancel", methods=["POST"])
@login_required
@irreversible(_confirm_cancel_session)
def cancel_session(session_id: int):
    session = planning.get_session(session_id)
    form = CancelForm()
    form.validate()
    people = planning.cancel_session(current_user, session, form.reason.data or "")
    db.session.commit()
    flash(
        _(
            "Session cancelled: %(number)s people were told by e-mail and its instrument time "
            "is free again.",
            number=len(people),
        ),
        "success",
    )
    return redirect(url_for("training.session_page", session_id=session_id))


def _teaching(session_id: int):
    session = planning.get_session(session_id)
    if not can_teach_session(current_user, session):
        raise Forbidden(N_("Only this session's trainers and the facility's staff see this list."))
    return session


@bp.route("/sessions/<int:session_id>/participants")
@login_required
def participants(session_id: int):
    session = _teaching(session_id)
    return render_template(
        "training/participants.html", session=session, listing=queries.participants(session)
    )


@bp.route("/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
@login_required
def attendance(session_id: int):
    session = _teaching(session_id)
    listing = queries.participants(session)
    if request.method == "POST":
        marks = {}
        for key, value in request.form.items():
            if key.startswith("a-") and value in AttendanceStatus._value2member_map_:
                try:
                    e, p = (int(x) for x in key[2:].split("-"))
                except ValueError:
                    continue
                marks[(e, p)] = AttendanceStatus(value)
        changed = records.record_attendance(current_user, session, marks)
        db.session.commit()
        flash(
            ngettext(
                "Attendance saved (%(num)d change).", "Attendance saved (%(num)d changes).", changed
            ),
            "success",
        )
        return redirect(url_for("training.attendance", session_id=session_id))
    return render_template(
        "training/attendance.html",
        session=session,
        listing=listing,
        statuses=list(AttendanceStatus),
    )


@bp.route("/enrolments/<int:enrolment_id>/assessment", methods=["GET", "POST"])
@login_required
def assessment(enrolment_id: int):
    row = get_enrolment(enrolment_id)
    session = _teaching(row.session_id)
    form = AssessmentForm()
    if form.validate_on_submit():
        upload = form.evidence_file.data
        blob = upload.read() if upload and upload.filename else None
        data = records.AssessmentData(
            outcome=AssessmentOutcome(form.outcome.data),
            level_reached=form.level_reached.data,
            notes=form.notes.data or "",
            evidence_text=form.evidence_text.data or "",
            evidence_filename=upload.filename if blob else None,
            evidence_content_type=upload.mimetype if blob else None,
            evidence_data=blob,
        )
        ok, _result = attempt(form, lambda: records.record_assessment(current_user, row, data))
        if ok:
            flash(_("Assessment of %(user_name)s recorded.", user_name=row.user.name), "success")
            return redirect(url_for("training.participants", session_id=session.id))
    return render_template(
        "training/assessment.html",
        form=form,
        enrolment=row,
        session=session,
        history=records.history(row.id),
    ), form_status(form)


@bp.route("/teaching")
@require(may_teach_anywhere, N_("This page is for trainers and facility staff."))
def teaching():
    from innocore.permissions import staffed_facility_ids

    sessions = queries.teaching_sessions(current_user.id, staffed_facility_ids(current_user))
    return render_template(
        "training/teaching.html",
        sessions=sessions,
        fills=queries.fill_for([s.id for s in sessions]),
    )


@bp.route("/facilities/<slug>", methods=["GET", "POST"])
@login_required
def facility_training(slug: str):
    facility = get_facility_by_slug(slug)
    if not can_see_facility_training(current_user, facility):
        raise Forbidden(N_("Only the facility's managers and staff see its training overview."))
    settings = queries.settings_for(facility.id)
    form = SettingsForm(obj=settings)
    if form.validate_on_submit():
        planning.update_settings(
            current_user,
            facility,
            offer_hours=form.offer_hours.data,
            reminder_hours=form.reminder_hours.data,
        )
        db.session.commit()
        flash(_("Training settings saved."), "success")
        return redirect(url_for("training.facility_training", slug=slug))
    page = db.paginate(
        queries.facility_sessions_stmt(facility.id), per_page=FACILITY_PAGE, error_out=False
    )
    ids = [s.id for s in page.items]
    return render_template(
        "training/facility.html",
        facility=facility,
        page=page,
        sessions=page.items,
        fills=queries.fill_for(ids),
        waiting=queries.waiting_lists(ids),
        form=form,
    ), form_status(form)
