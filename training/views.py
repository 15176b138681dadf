"""Training pages for everyone: catalog, module and session pages, enrolment, my training."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from innocore import clock
from innocore.accounts.models import User
from innocore.accounts.rules import category_for
from innocore.confirm import Confirmation, irreversible
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db
from innocore.marks import N_
from innocore.template_helpers import local_time
from innocore.vocab import Technology
from training import bp, queries, rules
from training.forms import EnrolForm
from training.holdings import holdings_for
from training.models import (
    CURRENT_ENROLMENT,
    EnrolmentStatus,
    ModuleMaterial,
    TrainingModule,
)
from training.permissions import can_enrol_for, can_manage_module, can_teach_session
from training.services import enrolment
from training.services.planning import get_module, get_session, get_visible_module


def _signed_in() -> bool:
    return current_user.is_authenticated


@bp.route("/")
def catalog():
    tech = request.args.get("technology") or None
    technology = Technology(tech) if tech in Technology._value2member_map_ else None
    q = (request.args.get("q") or "").strip()[:100]
    stmt = queries.list_modules(technology=technology, q=q or None).options(
        selectinload(TrainingModule.facility)
    )
    page = db.paginate(stmt, per_page=24, error_out=False)
    counts = queries.upcoming_count_by_module([m.id for m in page.items])
    return render_template(
        "training/catalog.html",
        page=page,
        counts=counts,
        q=q,
        technology=technology,
        technologies=list(Technology),
    )


def _missing(module, held) -> list[Problem]:
    return rules.missing_prerequisites(
        enrolment.prerequisites_of(module), held.competences, held.modules
    )


def _leads(module, held):
    """Modules (and their upcoming sessions) that lead to what the person still lacks."""
    need_c = {
        p.competence_id: p.min_level
        for p in module.prerequisites
        if p.competence_id and held.competences.get(p.competence_id, 0) < p.min_level
    }
    need_m = {
        p.required_module_id
        for p in module.prerequisites
        if p.required_module_id and p.required_module_id not in held.modules
    }
    leads = queries.modules_leading_to(need_c, need_m)
    sessions = queries.upcoming_for_modules([m.id for m in leads])
    return [(m, [s for s in sessions if s.module_id == m.id]) for m in leads]


@bp.route("/modules/<int:module_id>")
def module_page(module_id: int):
    module = get_visible_module(current_user, module_id)
    held = holdings_for(current_user)
    sessions = queries.upcoming_for_modules([module.id])
    fills = queries.fill_for([s.id for s in sessions])
    sees_materials = _signed_in() and (
        can_manage_module(current_user, module)
        or queries.participates_in_module(current_user.id, module.id)
    )
    return render_template(
        "training/module.html",
        module=module,
        sessions=sessions,
        fills=fills,
        missing=_missing(module, held) if _signed_in() else [],
        leads=_leads(module, held) if _signed_in() else [],
        category=category_for(current_user, sessions[0].facility)
        if _signed_in() and sessions
        else None,
        categories=_categories(sessions),
        audience_admits=rules.audience_admits,
        materials=queries.materials_of(module.id) if sees_materials else None,
    )


def _categories(sessions) -> dict[int, object]:
    if not _signed_in():
        return {}
    return {s.id: category_for(current_user, s.facility) for s in sessions}


def _eligibility(session) -> list[Problem]:
    if not _signed_in():
        return []
    held = holdings_for(current_user)
    current = enrolment.current_enrolment(session.id, current_user.id)
    return rules.enrolment_problems(
        enrolment.session_facts(session),
        category=category_for(current_user, session.facility),
        prerequisites=enrolment.prerequisites_of(session.module),
        holdings=held.competences,
        passed_modules=held.modules,
        current=current.status if current else None,
        now=clock.now(),
    )


@bp.route("/sessions/<int:session_id>")
def session_page(session_id: int):
    session = get_session(session_id)
    mine = enrolment.current_enrolment(session.id, current_user.id) if _signed_in() else None
    teaches = can_teach_session(current_user, session)
    return render_template(
        "training/session.html",
        session=session,
        mine=mine,
        fill=queries.fill_for([session.id])[session.id],
        problems=_eligibility(session),
        category=category_for(current_user, session.facility) if _signed_in() else None,
        position=enrolment.waitlist_position(mine) if mine else None,
        cutoff=rules.withdrawal_cutoff(
            session.starts_at, session.withdraw_days_before, session.facility.timezone
        )
        if session.parts
        else None,
        listing=queries.participants(session) if teaches else None,
        teaches=teaches,
        form=EnrolForm(),
        now=clock.now(),
    )


def _learner(form: EnrolForm) -> User:
    if not form.email.data:
        return current_user
    from innocore.accounts.services import get_user_by_email

    user = get_user_by_email(form.email.data)
    if user is None or user.organisation_id != current_user.organisation_id:
        raise DomainError(
            Problem(
                "unknown_employee",
                N_("No employee of your company has this e-mail address."),
                "email",
            )
        )
    return user


@bp.route("/sessions/<int:session_id>/enrol", methods=["POST"])
@login_required
def enrol(session_id: int):
    form = EnrolForm()
    if not form.validate():
        errors = [("email", e) for e in form.email.errors]
        errors += [
            ("account_id", N_("Choose an account from the list.")) for _e in form.account.errors
        ]
        raise DomainError([Problem("invalid", e, field) for field, e in errors])
    account_id = int(form.account.data) if form.account.data else None
    row = enrolment.enrol(current_user, session_id, _learner(form), account_id)
    db.session.commit()
    me, name = row.user_id == current_user.id, row.user.name
    if row.status == EnrolmentStatus.ENROLLED:
        done = (
            _("You are enrolled. An invitation is on its way by e-mail.")
            if me
            else _("%(name)s is enrolled. An invitation is on its way by e-mail.", name=name)
        )
        flash(done, "success")
    else:
        full = (
            _("The session is full: you are on the waiting list.")
            if me
            else _("The session is full: %(name)s is on the waiting list.", name=name)
        )
        flash(full, "info")
    return redirect(url_for("training.session_page", session_id=session_id))


def _enrolment_for(enrolment_id: int, may) -> object:
    row = enrolment.get_enrolment(enrolment_id)
    if not may(current_user, row):
        raise NotFound(N_("No such enrolment."))
    return row


def _session_values(row) -> dict:
    """The values of the sentences that name an enrolment's session: its module's title, its
    start in the facility's zone, and the zone."""
    session = row.session
    zone = session.facility.timezone
    return {
        "title": session.module.title,
        "when": local_time(session.starts_at, zone),
        "zone": zone,
    }


def _confirm_withdraw(enrolment_id: int) -> Confirmation | None:
    row = _enrolment_for(enrolment_id, enrolment.may_act_for)
    if row.status.value not in ("enrolled", "waitlisted", "offered"):
        return None  # the action says why it is refused
    values = _session_values(row)
    if row.user_id == current_user.id:
        lines = [_("You leave the session “%(title)s” on %(when)s (%(zone)s time).", **values)]
    else:
        lines = [
            _(
                "%(name)s leaves the session “%(title)s” on %(when)s (%(zone)s time).",
                name=row.user.name,
                **values,
            )
        ]
    if row.status.value == "waitlisted":
        lines.append(
            N_("The place on the waiting list is given up; enrolling again joins the end.")
        )
    else:
        lines.append(
            N_(
                "The seat is offered to the next person waiting; enrolling "
                "again later may find the session full."
            )
        )
    return Confirmation(
        _("Withdraw from this session?"),
        lines,
        _("Withdraw"),
        url_for("training.session_page", session_id=row.session_id),
    )


def _confirm_decline(enrolment_id: int) -> Confirmation | None:
    row = _enrolment_for(enrolment_id, lambda actor, e: can_enrol_for(actor, e.user))
    if row.status.value != "offered":
        return None
    return Confirmation(
        _("Decline the offered place?"),
        [
            _(
                "The place in the session “%(title)s” on %(when)s (%(zone)s time) goes to the "
                "next person waiting.",
                **_session_values(row),
            ),
            _("You leave the waiting list; the offer cannot be taken back."),
        ],
        _("Decline the place"),
        url_for("training.my_training"),
    )


@bp.route("/enrolments/<int:enrolment_id>/withdraw", methods=["POST"])
@login_required
@irreversible(_confirm_withdraw)
def withdraw(enrolment_id: int):
    row = enrolment.withdraw(current_user, enrolment_id)
    db.session.commit()
    flash(
        _(
            "Withdrawn from the session “%(title)s” on %(when)s (%(zone)s time): the seat is "
            "offered to the next person waiting.",
            **_session_values(row),
        ),
        "success",
    )
    return redirect(
        request.form.get("next_page") == "my"
        and url_for("training.my_training")
        or url_for("training.session_page", session_id=row.session_id)
    )


@bp.route("/enrolments/<int:enrolment_id>/accept", methods=["POST"])
@login_required
def accept(enrolment_id: int):
    enrolment.accept_offer(current_user, enrolment_id)
    db.session.commit()
    flash(_("Place accepted: you are enrolled."), "success")
    return redirect(url_for("training.my_training"))


@bp.route("/enrolments/<int:enrolment_id>/decline", methods=["POST"])
@login_required
@irreversible(_confirm_decline)
def decline(enrolment_id: int):
    enrolment.decline_offer(current_user, enrolment_id)
    db.session.commit()
    flash(_("Offer declined; the place goes to the next person."), "info")
    return redirect(url_for("training.my_training"))


@bp.route("/my")
@login_required
def my_training():
    rows = queries.sessions_of_user(current_user.id)
    from training.models import Assessment

    results = db.session.scalars(
        db.select(Assessment)
        .where(Assessment.user_id == current_user.id)
        .order_by(Assessment.id.desc())
    ).all()
    return render_template(
        "training/my.html",
        offers=[e for e in rows if e.status == EnrolmentStatus.OFFERED],
        current=[e for e in rows if e.status in CURRENT_ENROLMENT],
        history=[e for e in rows if e.status not in CURRENT_ENROLMENT],
        positions=queries.waitlist_positions(rows),
        results=results,
        now=clock.now(),
    )


@bp.route("/materials/<int:material_id>")
@login_required
def material(material_id: int):
    row = db.session.get(ModuleMaterial, material_id)
    if row is None:
        raise NotFound(N_("No such material."))
    module = get_module(row.module_id)
    if not (
        can_manage_module(current_user, module)
        or queries.participates_in_module(current_user.id, module.id)
    ):
        raise Forbidden(N_("Materials are for people enrolled in the module."))
    if row.url:
        return redirect(row.url)
    return Response(
        row.data,
        mimetype=row.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{_safe_name(row.filename)}"',
        },
    )


def _safe_name(name: str | None) -> str:
    return "".join(c for c in (name or "file") if c.isalnum() or c in "._-")[:100] or "file"
