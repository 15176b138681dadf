"""Certificate use cases: issue, renew, suspend, reinstate, revoke, expire. They flush, never commit."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from innocore import audit, clock
from innocore.clock import date_text
from innocore.errors import DomainError, Forbidden, NotFound, Problem, raise_problems
from innocore.extensions import db
from innocore.links import absolute_url
from innocore.marks import N_
from innocore.notifications import kinds
from innocore.notifications.services import queue_email
from instruments.services.attention import review_bookings_after_certificate_end
from training import rules as training_rules
from training.certification import permissions, queries, rules
from training.certification.models import Certificate, CertificateBasis, CertificateStatus
from training.models import Assessment, AssessmentOutcome, Enrolment, TrainingModule
from training.queries import present_parts

WARN_DAYS = (7, 30)  # the nearest warning first: each is sent once


def new_public_id() -> str:
    """26 lowercase base32 characters: 128 random bits, not guessable."""
    return base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=").lower()


def _free_index(issuer_key: str) -> int:
    """A random free slot in the issuer's status list (issuers SHOULD assign them randomly)."""
    for _ in range(50):
        index = secrets.randbelow(rules.STATUS_LIST_SIZE)
        taken = db.session.scalar(
            sa.select(Certificate.id).where(
                Certificate.issuer_key == issuer_key, Certificate.status_index == index
            )
        )
        if taken is None:
            return index
    raise DomainError(
        Problem("status_list_full", N_("The issuer's status list is full.")), status=409
    )


def _create(actor, *, facility, holder, basis, evidence, valid_until, **fields) -> Certificate:
    now = clock.now()
    key = rules.issuer_key_for(facility)
    cert = Certificate(
        public_id=new_public_id(),
        holder_id=holder.id,
        basis=basis,
        facility_id=facility.id if facility is not None else None,
        issued_by_id=actor.id if actor is not None else None,
        evidence=evidence.strip(),
        issued_at=now,
        valid_until=valid_until,
        status=CertificateStatus.ACTIVE,
        issuer_key=key,
        status_index=_free_index(key),
        **fields,
    )
    db.session.add(cert)
    db.session.flush()
    audit.record(
        actor, "certificate.issued", cert, audit.snapshot(cert), facility_id=cert.facility_id
    )
    _notify(holder, cert, "issued", _l("You hold a new certificate: %(title)s", title=_title(cert)))
    return cert


def _title(cert: Certificate) -> str:
    if cert.competence is not None:
        return f"{cert.competence.title}, level {cert.level}"
    return cert.path.title if cert.path else "qualification path"


# The holder cannot turn off hearing that staff suspended or revoked their certificate.
_EVENT_KINDS = {
    "suspended": kinds.STAFF_CHANGES,
    "revoked": kinds.STAFF_CHANGES,
    "expiring": kinds.REMINDERS,
}


def _notify(holder, cert: Certificate, event: str, subject: str, key: str | None = None):
    return queue_email(
        holder,
        subject,
        "certificate_notice",
        kind=_EVENT_KINDS.get(event, kinds.TRAINING),
        link=absolute_url("certification.show", public_id=cert.public_id),
        dedupe_key=key
        or f"certificate-{event}-{cert.id}-{cert.status_changed_at or cert.issued_at}",
        cert=cert,
        title=_title(cert),
        event=event,
    )


def notify_holder(cert: Certificate, event: str, subject: str):
    """Tell the holder about a change of their certificate (once per change)."""
    return _notify(cert.holder, cert, event, f"{subject}: {_title(cert)}")


def issue_prior_learning(
    actor, *, facility, holder, competence, level: int, evidence: str, valid_until=None
) -> Certificate:
    """Recognise prior learning: a certificate resting on the evidence the issuer describes."""
    if not permissions.can_issue_for(actor, facility, competence):
        raise Forbidden(N_("Your facility may not certify this competence."))
    now = clock.now()
    until = valid_until or rules.default_valid_until(now, competence.default_validity_months)
    levels = [x.level for x in competence.levels]
    problems = rules.issue_problems(
        level=level,
        levels=levels,
        evidence=evidence,
        valid_until=until,
        now=now,
        validity_months=competence.default_validity_months,
        zone=facility.timezone,
    )
    if level in levels:  # a level the competence lacks (say 10**20) has no certificates to clash
        problems += _duplicates(holder.id, competence.id, level, now)
    raise_problems(problems)
    return _create(
        actor,
        facility=facility,
        holder=holder,
        basis=CertificateBasis.PRIOR_LEARNING,
        evidence=evidence,
        valid_until=until,
        competence_id=competence.id,
        level=level,
    )


def issue_for_module(actor, *, module, facility, holder, evidence: str) -> Certificate:
    """A certificate for ``module`` resting on described evidence rather than a session's
    assessment (a challenge-based learning outcome, say): the module's competence at its level,
    and the module itself, so it counts toward paths (module leaves, ECTS pools). Basis: prior
    learning. Raises Forbidden (the actor may not certify the competence at ``facility``) and
    DomainError (evidence missing, the holder already holds it)."""
    competence = module.competence
    if not permissions.can_issue_for(actor, facility, competence):
        raise Forbidden(N_("Your facility may not certify this competence."))
    now = clock.now()
    until = rules.default_valid_until(now, competence.default_validity_months)
    _refuse_unless_issuable(
        holder.id, competence, module.level_awarded, evidence, until, now, zone=facility.timezone
    )
    return _create(
        actor,
        facility=facility,
        holder=holder,
        basis=CertificateBasis.PRIOR_LEARNING,
        evidence=evidence,
        valid_until=until,
        competence_id=competence.id,
        level=module.level_awarded,
        module_id=module.id,
    )


def _assessment_for_issue(assessment_id: int) -> tuple[Assessment, Enrolment, TrainingModule]:
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        raise NotFound(N_("No such assessment."))
    enrolment = db.session.get(Enrolment, assessment.enrolment_id)
    module = db.session.get(TrainingModule, assessment.module_id)
    return assessment, enrolment, module


def issue_from_assessment(actor, assessment_id: int, *, valid_until=None) -> Certificate:
    """Turn the latest, passed assessment of an enrolment into a certificate, once."""
    assessment, enrolment, module = _assessment_for_issue(assessment_id)
    facility = enrolment.session.facility
    competence = module.competence
    if not permissions.can_issue_for(actor, facility, competence):
        raise Forbidden(N_("You may not issue certificates for this facility and competence."))
    newer = db.session.scalar(
        sa.select(Assessment.id).where(
            Assessment.enrolment_id == assessment.enrolment_id, Assessment.id > assessment.id
        )
    )
    problems = []
    if assessment.outcome != AssessmentOutcome.PASSED or newer is not None:
        problems.append(
            Problem(
                "not_passed",
                N_("Only the latest assessment, and only a pass, leads to a certificate."),
            )
        )
    if db.session.scalar(
        sa.select(Certificate.id).where(Certificate.assessment_id == assessment.id)
    ):
        problems.append(
            Problem("already_issued", N_("A certificate was already issued for this assessment."))
        )
    parts = enrolment.session.parts
    problems += training_rules.assessment_attendance_problems(
        assessment.outcome,
        {p.id: p.starts_at for p in parts},
        present_parts(enrolment.id),
        clock.now(),
    )
    raise_problems(problems)
    now = clock.now()
    # The certificate's dates come from the training: the day its last part ended.
    trained_at = min(max(p.ends_at for p in parts), now)
    until = valid_until or rules.default_valid_until(trained_at, competence.default_validity_months)
    zone = facility.timezone
    evidence = (
        f"Passed the assessment of “{module.title}” after attending the session of "
        f"{_session_days(parts, zone)} (level {assessment.level_reached}; assessed on "
        f"{date_text(assessment.recorded_at, zone)})."
    )
    if assessment.evidence_text:
        evidence += "\n" + assessment.evidence_text
    _refuse_unless_issuable(
        enrolment.user_id, competence, assessment.level_reached, evidence, until, now, zone=zone
    )
    return _create(
        actor,
        facility=facility,
        holder=enrolment.user,
        basis=CertificateBasis.ASSESSMENT,
        evidence=evidence,
        valid_until=until,
        competence_id=competence.id,
        level=assessment.level_reached,
        module_id=module.id,
        assessment_id=assessment.id,
    )


def _refuse_unless_issuable(
    holder_id: int,
    competence,
    level: int,
    evidence: str,
    until,
    now,
    *,
    zone: str = "UTC",
    exclude_id=None,
) -> None:
    """Raise ``DomainError`` with every problem of issuing ``competence`` at ``level`` to the
    holder until ``until`` (UTC instant, or None): the issue rules on the level, evidence and
    dates, and the one-standing-certificate rule (``exclude_id``: the certificate a renewal
    replaces); ``zone``: the issuing facility's, for the dates of messages."""
    raise_problems(
        rules.issue_problems(
            level=level,
            levels=[x.level for x in competence.levels],
            evidence=evidence,
            valid_until=until,
            now=now,
            validity_months=competence.default_validity_months,
            zone=zone,
        )
        + _duplicates(holder_id, competence.id, level, now, exclude_id=exclude_id)
    )


def _duplicates(holder_id, competence_id, level, now, *, exclude_id=None) -> list[Problem]:
    """The one-standing-certificate rule, with the holder's current certificates read here."""
    if level is None:
        return []
    from innocore.accounts.models import User

    # Two issuers at once: the second waits for the first (PostgreSQL row lock on the holder).
    db.session.execute(sa.select(User.id).where(User.id == holder_id).with_for_update())
    standing = queries.standing_certificates(
        holder_id, competence_id, level, now, exclude_id=exclude_id
    )
    return rules.duplicate_problems(standing, level)


def _session_days(parts, zone: str) -> str:
    """``14 Dec 2026`` or ``14 Dec 2026 – 16 Dec 2026``: the days of the first and last part, as
    read in the facility's zone."""
    first, last = min(p.starts_at for p in parts), max(p.ends_at for p in parts)
    days = [date_text(first, zone), date_text(last, zone)]
    return days[0] if days[0] == days[1] else " – ".join(days)


def _lock(cert: Certificate) -> Certificate:
    """Lock the certificate's row (PostgreSQL; SQLite serialises writers) and reload it."""
    db.session.execute(sa.select(Certificate.id).where(Certificate.id == cert.id).with_for_update())
    db.session.refresh(cert)
    return cert


def _transition(actor, cert, action: str, reason: str | None, new_status, **fields) -> Certificate:
    if not permissions.can_manage_certificate(actor, cert):
        raise Forbidden(N_("Only the issuing facility's managers may change this certificate."))
    _lock(cert)
    raise_problems(rules.transition_problems(action, cert.status, reason))
    now = clock.now()
    cert.status = new_status
    cert.status_reason = (reason or "").strip() or None
    cert.status_changed_at = now
    cert.status_changed_by_id = actor.id
    for name, value in fields.items():
        setattr(cert, name, now if value == "now" else value)
    audit.record(
        actor, f"certificate.{action}", cert, audit.changes_of(cert), facility_id=cert.facility_id
    )
    return cert


ENDED_HOOKS = "training.certificate_ended"  # app.extensions key: [fn(cert, actor, reason)]


def register_ended_hook(app, fn) -> None:
    """Plug in what else must be reviewed when a certificate stops being valid (create_app)."""
    app.extensions.setdefault(ENDED_HOOKS, []).append(fn)


def _ended(cert: Certificate, actor, reason: str) -> None:
    """A certificate stopped being valid (suspended, revoked, expired, lapsed): the holder's
    bookings that needed it are flagged or cancelled, then every plugged-in hook runs (path
    awards resting on it are reviewed)."""
    db.session.flush()
    if cert.competence_id is not None:
        review_bookings_after_certificate_end(
            cert.holder_id, cert.competence_id, f"{_title(cert)}: {reason}", actor
        )
    for hook in current_app.extensions.get(ENDED_HOOKS, []):
        hook(cert, actor, reason)


def suspend(actor, cert: Certificate, reason: str) -> Certificate:
    """Suspend (reversibly): the certificate stops counting until it is reinstated."""
    cert = _transition(actor, cert, "suspend", reason, CertificateStatus.SUSPENDED)
    _notify(
        cert.holder, cert, "suspended", _l("Certificate suspended: %(title)s", title=_title(cert))
    )
    _ended(cert, actor, f"suspended ({reason.strip()})")
    return cert


def reinstate(actor, cert: Certificate) -> Certificate:
    """Reinstate a suspended certificate; one whose validity ended meanwhile becomes expired."""
    ended = cert.valid_until is not None and cert.valid_until <= clock.now()
    status = CertificateStatus.EXPIRED if ended else CertificateStatus.ACTIVE
    return _transition(actor, cert, "reinstate", "Reinstated", status)


def revoke(actor, cert: Certificate, reason: str) -> Certificate:
    """Revoke for good, with the reason; the status list shows it at once."""
    cert = _transition(
        actor, cert, "revoke", reason, CertificateStatus.REVOKED, revoked_at="now", listed_at="now"
    )
    _notify(cert.holder, cert, "revoked", _l("Certificate revoked: %(title)s", title=_title(cert)))
    _ended(cert, actor, f"revoked ({reason.strip()})")
    return cert


def renew(
    actor, cert: Certificate, *, valid_until=None, evidence: str | None = None
) -> Certificate:
    """A new certificate replacing this one (linked by ``replaces_id``); the old one ends now."""
    competence = cert.competence
    if competence is None or cert.facility is None:
        raise DomainError(
            Problem("cannot_renew", N_("Path awards are not renewed; they do not expire."))
        )
    if not permissions.can_manage_certificate(actor, cert):
        raise Forbidden(N_("Only the issuing facility's managers may renew this certificate."))
    _lock(cert)
    problems = rules.transition_problems("renew", cert.status, None)
    if queries.replacement_of(cert) is not None:
        problems.append(Problem("already_renewed", N_("This certificate was already renewed.")))
    raise_problems(problems)
    now = clock.now()
    until = valid_until or rules.default_valid_until(now, competence.default_validity_months)
    text = evidence or f"Renewal of certificate {cert.public_id}.\n{cert.evidence}"
    _refuse_unless_issuable(
        cert.holder_id,
        competence,
        cert.level,
        text,
        until,
        now,
        zone=cert.timezone,
        exclude_id=cert.id,
    )
    if cert.status == CertificateStatus.ACTIVE:
        _end(cert, f"Renewed on {date_text(now, cert.timezone)}", now, actor, review=False)
    return _create(
        actor,
        facility=cert.facility,
        holder=cert.holder,
        basis=cert.basis,
        evidence=text,
        valid_until=until,
        competence_id=competence.id,
        level=cert.level,
        module_id=cert.module_id,
        replaces_id=cert.id,
    )


def _end(
    cert: Certificate,
    reason: str,
    now: datetime,
    actor=None,
    *,
    listed: bool = False,
    review: bool = True,
) -> None:
    cert.status = CertificateStatus.EXPIRED
    cert.status_reason = reason
    cert.status_changed_at = now
    cert.status_changed_by_id = actor.id if actor is not None else None
    if listed:
        cert.listed_at = now
    audit.record(
        actor, "certificate.expired", cert, audit.changes_of(cert), facility_id=cert.facility_id
    )
    if review:  # a renewal ends the old certificate with the new one already on its way
        _ended(cert, actor, reason)


def set_sharing(actor, cert: Certificate, show_name: bool) -> Certificate:
    """The holder decides whether the public verification page shows their name."""
    if actor.id != cert.holder_id:
        raise Forbidden(N_("Only the holder decides what the verification page shows."))
    cert.show_holder_name = bool(show_name)
    audit.record(
        actor, "certificate.sharing", cert, audit.changes_of(cert), facility_id=cert.facility_id
    )
    return cert


def expire_due() -> int:
    """Job: certificates whose validity ended, or that lapsed for lack of use, become expired."""
    now = clock.now()
    ended = 0
    for cert in db.session.scalars(
        sa.select(Certificate).where(
            Certificate.status == CertificateStatus.ACTIVE,
            Certificate.valid_until.is_not(None),
            Certificate.valid_until <= now,
        )
    ):
        _end(cert, "The period of validity ended.", now)
        ended += 1
    ended += _lapse_unused(now)
    return ended


def _lapse_unused(now: datetime) -> int:
    from innocore.competences.models import Competence

    rows = db.session.execute(
        sa.select(Certificate, Competence.lapse_after_days)
        .join(Competence, Competence.id == Certificate.competence_id)
        .where(
            Certificate.status == CertificateStatus.ACTIVE, Competence.lapse_after_days.is_not(None)
        )
    ).all()
    uses = queries.last_uses(
        {c.holder_id for c, _ in rows}, {c.competence_id for c, _ in rows}, now
    )
    lapsed = 0
    for cert, days in rows:
        when = rules.lapse_at(cert.issued_at, uses.get((cert.holder_id, cert.competence_id)), days)
        if when is not None and when <= now:
            _end(cert, f"Lapsed: not used for {days} days.", now, listed=True)
            lapsed += 1
    return lapsed


def send_expiry_warnings() -> int:
    """Job: one e-mail 30 days and one 7 days before a certificate's validity ends, ever."""
    now = clock.now()
    sent = 0
    for cert in db.session.scalars(
        sa.select(Certificate).where(
            Certificate.status == CertificateStatus.ACTIVE,
            Certificate.valid_until > now,
            Certificate.valid_until <= now + timedelta(days=max(WARN_DAYS)),
        )
    ):
        days_left = cert.valid_until - now
        for days in WARN_DAYS:
            if days_left <= timedelta(days=days):
                subject = lazy_ngettext(
                    "Your certificate ends in %(num)d day or less: %(title)s",
                    "Your certificate ends in %(num)d days or less: %(title)s",
                    days,
                    title=_title(cert),
                )
                key = f"certificate-expiry-{days}-{cert.id}-{cert.valid_until.isoformat()}"
                sent += _notify(cert.holder, cert, "expiring", subject, key=key) is not None
                break
    return sent
