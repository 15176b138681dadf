"""Certificate pages: the holder's, the facility's, issuing and the lifecycle; the public page."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.routing import BaseConverter
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from innocore import clock
from innocore.accounts.addresses import AcceptedEmail
from innocore.accounts.services import get_user_by_email
from innocore.audit import AuditEvent
from innocore.competences.models import Competence
from innocore.confirm import Confirmation, irreversible
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db, limiter
from innocore.facilities.models import Facility
from innocore.forms import (
    DateField,
    EmailAddressField,
    attempt,
    attempt_action,
    choices,
    form_status,
)
from innocore.links import absolute_url
from innocore.marks import N_
from innocore.status import describe
from training.certification import permissions, queries, rules, services
from training.certification.models import Certificate

bp = Blueprint("certification", __name__, url_prefix="/certificates", template_folder="templates")
public = Blueprint("certification_public", __name__, template_folder="templates")
EXPIRING_DAYS = 30


class PublicIdConverter(BaseConverter):
    """A certificate's public id (26 base32 letters); other /verify/<token> URLs go elsewhere."""

    regex = "[A-Za-z2-7]{26}"  # capitals too: the page answers with the canonical address
    weight = 50


def _facility(slug: str) -> Facility:
    facility = db.session.scalar(sa.select(Facility).where(Facility.slug == slug))
    if facility is None:
        raise NotFound(N_("No such facility."))
    return facility


def _viewable(public_id: str) -> Certificate:
    cert = queries.get_certificate(public_id)
    if not permissions.can_view_certificate(current_user, cert):
        raise NotFound(N_("No certificate with this id."))
    return cert


def title_of(cert: Certificate) -> str:
    return services._title(cert)


def issuer_name(cert: Certificate) -> str:
    return cert.facility.name if cert.facility else current_app.config["NETWORK_NAME"]


def _public_certificate(public_id: str) -> Certificate | None:
    return db.session.scalar(sa.select(Certificate).where(Certificate.public_id == public_id))


def _public_state(cert: Certificate) -> tuple[str, Certificate | None]:
    return queries.state_now(cert), queries.replacement_of(cert)


@public.route("/verify/<cert_id:public_id>")
def verify_page(public_id: str):
    """Anyone: competence, level, issuer, dates, status; the holder's name only if allowed."""
    if public_id != public_id.lower():
        return redirect(url_for(".verify_page", public_id=public_id.lower()), 301)
    cert = _public_certificate(public_id)
    if cert is None:
        return _not_found(public_id)
    state, replacement = _public_state(cert)
    return render_template(
        "certification/verify.html",
        cert=cert,
        state=state,
        title=title_of(cert),
        issuer=issuer_name(cert),
        replacement=replacement,
    )


@public.route("/verify/<path:text>")
def verify_lookup(text: str):
    """Any other ``/verify/...`` address: a clear "not found", with the certificate meant when
    the text is one misread or cut short (see ``rules.lookup_candidates``)."""
    return _not_found(text)


def _not_found(text: str):
    candidate = None
    normalised, prefix = rules.lookup_candidates(text)
    if normalised and normalised != text:
        candidate = _public_certificate(normalised)
    if candidate is None and prefix:
        found = db.session.scalars(
            sa.select(Certificate.public_id)
            .where(Certificate.public_id.startswith(prefix))
            .limit(2)
        ).all()
        candidate = _public_certificate(found[0]) if len(found) == 1 else None
    return render_template("certification/verify_missing.html", text=text, candidate=candidate), 404


# Anyone may ask, so the work a request costs (a PDF, a signature, a proof check) is rationed
# per address.
PUBLIC_LIMIT = "60 per minute"


@public.route("/verify/<cert_id:public_id>/certificate.pdf")
@limiter.limit(PUBLIC_LIMIT)
def public_pdf(public_id: str):
    """The PDF of a certificate for whoever holds its id; the holder's name only if shared."""
    cert = _public_certificate(public_id.lower())
    if cert is None:
        return _not_found(public_id)
    holder = None if cert.show_holder_name else "(name not disclosed by the holder)"
    return _pdf_response(cert, holder)


@bp.route("/")
@login_required
def mine():
    certs = queries.certificates_of(current_user.id)
    states = queries.states_now(certs)
    titles = {c.id: title_of(c) for c in certs}
    return render_template("certification/mine.html", certs=certs, states=states, titles=titles)


@bp.route("/<public_id>")
@login_required
def show(public_id: str):
    return _show_page(public_id)


def _show_page(public_id: str, *, refusal=None, status: int = 200):
    """The certificate with its history; a refused action shows its reasons here."""
    cert = _viewable(public_id)
    history = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == "certificate", AuditEvent.object_id == str(cert.id))
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    ).all()
    replacement = queries.replacement_of(cert)
    state = queries.state_now(cert)
    return render_template(
        "certification/show.html",
        cert=cert,
        state=state,
        title=title_of(cert),
        issuer=issuer_name(cert),
        history=history,
        replacement=replacement,
        share_url=absolute_url("certification_public.verify_page", public_id=cert.public_id),
        refusal=refusal,
    ), status


@bp.route("/<public_id>/certificate.pdf")
@login_required
def pdf(public_id: str):
    return _pdf_response(_viewable(public_id))


def _pdf_response(cert: Certificate, holder_name: str | None = None) -> Response:
    from training.certification.pdf import certificate_pdf

    body = certificate_pdf(
        cert,
        title=title_of(cert),
        issuer=issuer_name(cert),
        verify_url=absolute_url("certification_public.verify_page", public_id=cert.public_id),
        network=current_app.config["NETWORK_NAME"],
        holder_name=holder_name,
        state=describe(queries.state_now(cert), "certificate")[0],
    )
    headers = {"Content-Disposition": f'attachment; filename="certificate-{cert.public_id}.pdf"'}
    return Response(body, mimetype="application/pdf", headers=headers)


@bp.route("/<public_id>/sharing", methods=["POST"])
@login_required
def sharing(public_id: str):
    cert = _viewable(public_id)
    services.set_sharing(current_user, cert, request.form.get("show_name") == "1")
    db.session.commit()
    flash(_("Your choice for the verification page is saved."), "success")
    return redirect(url_for(".show", public_id=public_id))


def _managed(public_id: str) -> Certificate:
    cert = queries.get_certificate(public_id)
    if not permissions.can_manage_certificate(current_user, cert):
        raise Forbidden(N_("Only the issuing facility's managers may change this certificate."))
    return cert


def _reason_action(public_id: str, action, done: str):
    cert = _managed(public_id)
    reason = (request.form.get("reason") or "").strip()
    result, err = attempt_action(lambda: action(cert, reason))
    if err is not None:
        return _show_page(public_id, refusal=err.problems, status=err.status)
    flash(done, "success")
    return redirect(url_for(".show", public_id=result.public_id))


def _confirm_revoke(public_id: str) -> Confirmation | None:
    """Revoking is for good: say what follows before doing it (no reason: the action refuses)."""
    cert = _managed(public_id)
    reason = (request.form.get("reason") or "").strip()
    if not reason:
        return None
    lines = [
        _(
            "%(title)s, held by %(holder)s, is revoked for good: it cannot be reinstated or "
            "renewed; a new certificate would have to be issued.",
            title=title_of(cert),
            holder=cert.holder.name,
        ),
        _(
            "Its verification page and the issuer's status list say “Revoked”, with your "
            "reason: “%(reason)s”.",
            reason=reason,
        ),
        _("Its signed credential is no longer issued, and bookings that need it are refused."),
        _("%(holder)s is told by e-mail.", holder=cert.holder.name),
    ]
    return Confirmation(
        _("Revoke this certificate for good?"),
        lines,
        _("Revoke for good"),
        url_for(".show", public_id=cert.public_id),
    )


@bp.route("/<public_id>/suspend", methods=["POST"])
@login_required
def suspend(public_id: str):
    done = _("Certificate suspended: it shows “Suspended” until reinstated; the holder is told.")
    return _reason_action(public_id, lambda c, r: services.suspend(current_user, c, r), done)


@bp.route("/<public_id>/reinstate", methods=["POST"])
@login_required
def reinstate(public_id: str):
    done = _("Certificate reinstated: it is valid again and its verification page says so.")
    return _reason_action(public_id, lambda c, r: services.reinstate(current_user, c), done)


@bp.route("/<public_id>/revoke", methods=["POST"])
@login_required
@irreversible(_confirm_revoke)
def revoke(public_id: str):
    done = _("Certificate revoked for good: its verification page and status list say “Revoked”.")
    return _reason_action(public_id, lambda c, r: services.revoke(current_user, c, r), done)


@bp.route("/<public_id>/renew", methods=["POST"])
@login_required
def renew(public_id: str):
    done = _(
        "Certificate renewed: this is the new certificate; the earlier one shows “Superseded”."
    )
    return _reason_action(public_id, lambda c, r: services.renew(current_user, c), done)


@bp.route("/facility/<slug>")
@login_required
def facility(slug: str):
    fac = _facility(slug)
    if not permissions.can_see_facility_certificates(current_user, fac):
        raise Forbidden(
            N_("Only the facility's managers, staff and trainers see its certificates.")
        )
    expiring = request.args.get("expiring") == "1"
    before = clock.now() + timedelta(days=EXPIRING_DAYS) if expiring else None
    page = db.paginate(
        queries.facility_certificates_stmt(fac.id, expiring_before=before),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    titles = {c.id: title_of(c) for c in page.items}
    pending = (
        queries.assessments_awaiting(fac.id) if permissions.can_issue_at(current_user, fac) else []
    )
    return render_template(
        "certification/facility.html",
        facility=fac,
        page=page,
        titles=titles,
        states=queries.states_now(page.items),
        expiring=expiring,
        pending=pending,
    )


@bp.route("/facility/<slug>/assessments/<int:assessment_id>/issue", methods=["POST"])
@login_required
def issue_from_assessment(slug: str, assessment_id: int):
    fac = _facility(slug)
    if not permissions.can_issue_at(current_user, fac):
        raise Forbidden(N_("Only the facility's managers and trainers issue certificates."))
    cert = services.issue_from_assessment(current_user, assessment_id)
    db.session.commit()
    flash(_("Certificate issued to %(holder_name)s.", holder_name=cert.holder.name), "success")
    return redirect(url_for(".show", public_id=cert.public_id))


class IssueForm(FlaskForm):
    email = EmailAddressField(
        _l("Holder's e-mail address"), validators=[DataRequired(), AcceptedEmail(), Length(max=254)]
    )
    competence_id = SelectField(_l("Competence"), validators=[DataRequired()])
    level = IntegerField(_l("Level"), validators=[InputRequired()])
    evidence = TextAreaField(
        _l("Evidence of prior learning"), validators=[DataRequired(), Length(max=10_000)]
    )
    valid_until = DateField(
        _l("Valid until (empty: the competence's default)"), validators=[Optional()]
    )


def issuable_competences(fac: Facility) -> list[Competence]:
    return list(
        db.session.scalars(
            sa.select(Competence)
            .where(
                sa.or_(Competence.facility_id.is_(None), Competence.facility_id == fac.id),
                Competence.retired.is_(False),
            )
            .order_by(Competence.code)
        )
    )


@bp.route("/facility/<slug>/issue", methods=["GET", "POST"])
@login_required
def issue(slug: str):
    """Recognition of prior learning: a certificate resting on evidence the issuer describes."""
    fac = _facility(slug)
    if not permissions.can_issue_at(current_user, fac):
        raise Forbidden(N_("Only the facility's managers and trainers issue certificates."))
    form = IssueForm()
    form.competence_id.choices = choices(
        (c.id, f"{c.code}: {c.title}") for c in issuable_competences(fac)
    )
    if not form.validate_on_submit():
        return render_template("certification/issue.html", form=form, facility=fac), form_status(
            form
        )
    holder = get_user_by_email(form.email.data)
    competence = db.session.get(Competence, int(form.competence_id.data))

    def issue():
        if holder is None:
            raise DomainError(
                Problem("unknown_holder", N_("No account has this address."), "email")
            )
        return services.issue_prior_learning(
            current_user,
            facility=fac,
            holder=holder,
            competence=competence,
            level=form.level.data,
            evidence=form.evidence.data,
            valid_until=(
                clock.day_end(form.valid_until.data, fac.timezone)
                if form.valid_until.data
                else None
            ),
        )

    ok, cert = attempt(form, issue, on_form=(422,))
    if not ok:
        return render_template("certification/issue.html", form=form, facility=fac), form_status(
            form
        )
    flash(_("Certificate issued to %(holder_name)s.", holder_name=holder.name), "success")
    return redirect(url_for(".show", public_id=cert.public_id))


@bp.route("/requirements/<int:competence_id>")
def requirements(competence_id: int):
    """Which modules, and which of their upcoming sessions, lead to a competence at a level."""
    competence = db.session.get(Competence, competence_id)
    if competence is None:
        raise NotFound(N_("No such competence."))
    level = request.args.get("level", type=int) or 1
    routes = queries.routes_to({competence_id: level}, clock.now())
    return render_template(
        "certification/requirements.html",
        competence=competence,
        level=level,
        routes=routes.get(competence_id, []),
    )
