"""Recognition pages: my requests and imports, a facility's declarations and requests, the
network's trusted issuers. Refusals render the app-wide problem page (422) with every reason."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from innocore.competences.models import Competence
from innocore.confirm import Confirmation, irreversible
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.marks import N_
from training.certification import queries as cert_queries
from training.recognition import forms, imports, permissions, queries, services

bp = Blueprint("recognition", __name__, url_prefix="/recognition", template_folder="templates")
MAX_UPLOAD = 256 * 1024


@bp.route("/")
@login_required
def mine():
    return render_template(
        "recognition/mine.html",
        requests=queries.requests_of(current_user.id),
        certificates=[c for c in cert_queries.certificates_of(current_user.id) if c.competence_id],
        imported=imports.imports_of(current_user.id),
        facilities=db.session.scalars(sa.select(Facility).order_by(Facility.name)).all(),
        competences=db.session.scalars(
            sa.select(Competence)
            .where(Competence.facility_id.is_not(None))
            .order_by(Competence.title)
        ).all(),
    )


@bp.route("/ask", methods=["POST"])
@login_required
def ask():
    form = request.form
    kind, _sep, ident = form.get("source", "").partition(":")
    if kind not in ("certificate", "imported"):
        raise DomainError(Problem("missing", N_("Choose the certificate to recognise."), "source"))
    facility = forms.facility_by_id(form.get("facility_id"))
    cert = cert_queries.get_certificate(ident) if kind == "certificate" else None
    item = (
        imports.get_import(current_user, forms.as_int(ident) or 0) if kind == "imported" else None
    )
    services.request_recognition(
        current_user,
        facility,
        target=forms.competence(form.get("target_competence_id")),
        target_level=forms.as_int(form.get("target_level")),
        certificate=cert,
        imported=item,
        message=form.get("message", ""),
    )
    db.session.commit()
    flash(_("Your request was sent to the facility."), "success")
    return redirect(url_for("recognition.mine"))


@bp.route("/imports", methods=["POST"])
@login_required
def import_credential():
    upload = request.files.get("file")
    data = upload.read(MAX_UPLOAD + 1) if upload and upload.filename else None
    if data is not None and len(data) > MAX_UPLOAD:
        raise DomainError(Problem("too_large", N_("A credential file is at most 256 KiB."), "file"))
    item = imports.import_credential(current_user, data=data, url=request.form.get("url"))
    db.session.commit()
    flash(_("Verified and added: %(item_title)s.", item_title=item.title), "success")
    return redirect(url_for("recognition.mine"))


def _facility_page_allowed(facility) -> bool:
    return permissions.can_decide_recognition(
        current_user, facility
    ) or permissions.can_declare_equivalence(current_user, facility)


@bp.route("/facility/<slug>")
@login_required
def facility_requests(slug: str):
    facility = forms.facility_by_slug(slug)
    if not _facility_page_allowed(facility):
        raise Forbidden(N_("Only the facility's managers and trainers see its recognition work."))
    return render_template(
        "recognition/facility.html",
        facility=facility,
        declarations=[d for d in queries.declarations_in_force() if d.facility_id == facility.id],
        requests=db.session.scalars(queries.facility_requests_stmt(facility.id)).all(),
        own=db.session.scalars(
            sa.select(Competence)
            .where(Competence.facility_id == facility.id)
            .order_by(Competence.title)
        ).all(),
        foreign=db.session.scalars(
            sa.select(Competence)
            .where(Competence.facility_id.is_not(None), Competence.facility_id != facility.id)
            .order_by(Competence.title)
        ).all(),
    )


@bp.route("/facility/<slug>/declare", methods=["POST"])
@login_required
def declare(slug: str):
    facility = forms.facility_by_slug(slug)
    form = request.form
    services.declare_equivalence(
        current_user,
        facility,
        source=forms.competence(form.get("source_competence_id")),
        source_min_level=forms.as_int(form.get("source_min_level")),
        target=forms.competence(form.get("target_competence_id")),
        target_level=forms.as_int(form.get("target_level")),
        kind=form.get("kind", ""),
        note=form.get("note", ""),
    )
    db.session.commit()
    flash(_("Declaration recorded: it counts from now on."), "success")
    return redirect(url_for("recognition.facility_requests", slug=slug))


def _confirm_withdraw(decl_id: int) -> Confirmation | None:
    decl = services.get_declaration(decl_id)
    if not permissions.can_declare_equivalence(current_user, decl.facility):
        raise Forbidden(N_("Only the facility's managers withdraw its declarations."))
    if decl.withdrawn_at is not None:
        return None  # the action says why it is refused
    return Confirmation(
        _("Withdraw this equivalence declaration?"),
        [
            _(
                "From now on %(facility_name)s no longer counts "
                "“%(source_title)s” at level %(source_min_level)s as "
                "“%(target_title)s” at level %(target_level)s: bookings and "
                "enrolments that relied on it are refused.",
                facility_name=decl.facility.name,
                source_title=decl.source.title,
                source_min_level=decl.source_min_level,
                target_title=decl.target.title,
                target_level=decl.target_level,
            ),
            _("Its history is kept; it cannot be switched back on, you would declare it again."),
        ],
        _("Withdraw the declaration"),
        url_for("recognition.facility_requests", slug=decl.facility.slug),
    )


def _confirm_decide(request_id: int) -> Confirmation | None:
    req = services.get_request(request_id)
    if not permissions.can_decide_recognition(current_user, req.facility):
        raise Forbidden(N_("Only those who certify at the facility decide its requests."))
    if request.form.get("decision") != "refuse" or req.status.value != "pending":
        return None
    return Confirmation(
        _("Refuse %(person_name)s's recognition request?", person_name=req.person.name),
        [
            _(
                "The request is refused for good; %(person)s is told by e-mail, with your "
                "reason: “%(reason)s”.",
                person=req.person.name,
                reason=r,
            )
            if (r := request.form.get("reason", "").strip())
            else _(
                "The request is refused for good; %(person)s is told by e-mail.",
                person=req.person.name,
            ),
            _("To be recognised after all they would send a new request."),
        ],
        _("Refuse the request"),
        url_for("recognition.facility_requests", slug=req.facility.slug),
    )


def _confirm_remove_trusted(issuer_id: int) -> Confirmation | None:
    from training.recognition.models import TrustedIssuer

    if not permissions.can_manage_trust(current_user):
        raise Forbidden(N_("Only network administrators choose the issuers the network trusts."))
    issuer = db.session.get(TrustedIssuer, issuer_id)
    if issuer is None:
        raise NotFound(N_("No such trusted issuer."))
    return Confirmation(
        _("Stop trusting %(issuer_name)s?", issuer_name=issuer.name),
        [
            _(
                "Credentials from %(issuer_name)s (%(base_url)s) are no "
                "longer accepted on import; those already accepted keep "
                "their recorded decision.",
                issuer_name=issuer.name,
                base_url=issuer.base_url,
            ),
            _("To trust it again you would add it anew."),
        ],
        _("Stop trusting this issuer"),
        url_for("recognition.trusted"),
    )


@bp.route("/declarations/<int:decl_id>/withdraw", methods=["POST"])
@login_required
@irreversible(_confirm_withdraw)
def withdraw(decl_id: int):
    decl = services.withdraw_equivalence(current_user, services.get_declaration(decl_id))
    db.session.commit()
    flash(_("Declaration withdrawn: it no longer counts from now on."), "success")
    return redirect(url_for("recognition.facility_requests", slug=decl.facility.slug))


@bp.route("/requests/<int:request_id>/decide", methods=["POST"])
@login_required
@irreversible(_confirm_decide)
def decide(request_id: int):
    req = services.get_request(request_id)
    if not permissions.can_decide_recognition(current_user, req.facility):
        raise Forbidden(N_("Only those who certify at the facility decide its requests."))
    decision = request.form.get("decision")
    if decision not in ("grant", "refuse"):
        raise DomainError(Problem("invalid_decision", N_("Grant or refuse."), "decision"))
    services.decide_request(
        current_user, req, grant=decision == "grant", reason=request.form.get("reason", "")
    )
    db.session.commit()
    flash(
        _("Request granted; %(person_name)s is told by e-mail.", person_name=req.person.name)
        if req.status.value == "granted"
        else _("Request refused; %(person_name)s is told by e-mail.", person_name=req.person.name),
        "success",
    )
    return redirect(url_for("recognition.facility_requests", slug=req.facility.slug))


@bp.route("/trusted-issuers")
@login_required
def trusted():
    if not permissions.can_manage_trust(current_user):
        raise Forbidden(N_("Only network administrators see this list."))
    return render_template("recognition/trusted.html", issuers=imports.list_trusted())


@bp.route("/trusted-issuers", methods=["POST"])
@login_required
def add_trusted():
    imports.add_trusted(
        current_user, request.form.get("base_url", ""), request.form.get("name", "")
    )
    db.session.commit()
    flash(_("The network now trusts this issuer."), "success")
    return redirect(url_for("recognition.trusted"))


@bp.route("/trusted-issuers/<int:issuer_id>/remove", methods=["POST"])
@login_required
@irreversible(_confirm_remove_trusted)
def remove_trusted(issuer_id: int):
    imports.remove_trusted(current_user, issuer_id)
    db.session.commit()
    flash(
        _("The network no longer trusts this issuer: its credentials are refused on import."),
        "success",
    )
    return redirect(url_for("recognition.trusted"))
