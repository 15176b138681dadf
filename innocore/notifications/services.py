"""Queue notifications in the caller's transaction; deliver them over SMTP from a job."""

from __future__ import annotations

import logging
import smtplib
import ssl
from contextlib import nullcontext
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale, gettext
from flask_babel.speaklater import LazyString
from sqlalchemy.exc import IntegrityError

from innocore import audit, clock
from innocore.db import commit_retrying
from innocore.errors import DomainError, NotFound, Problem
from innocore.extensions import db
from innocore.marks import N_, T_, message_text
from innocore.notifications import kinds
from innocore.notifications.models import DeliveryStatus, Notification, NotificationPreference

if TYPE_CHECKING:  # named, not imported: accounts queue e-mails
    from innocore.accounts.models import User

log = logging.getLogger(__name__)


def _written(value):
    """``value`` with lazy strings (``flask_babel.lazy_gettext``) turned into text now."""
    if isinstance(value, LazyString):
        return str(value)
    if isinstance(value, list | tuple):
        return type(value)(_written(v) for v in value)
    return value


def queue_email(
    recipient: User | str,
    subject,
    template: str,
    *,
    kind: str,
    link: str | None = None,
    ics: str | None = None,
    ics_method: str | None = None,
    dedupe_key: str | None = None,
    **context,
) -> Notification | None:
    """Render ``notifications/<template>.txt`` (and ``.html``) and queue the e-mail, written in
    the recipient's profile language (``subject``: text, or a lazy ``_l(...)`` string).

    ``kind`` (a code of ``innocore.notifications.kinds``) says what the message is about. This is
    the one place preferences apply: a message of an optional kind that its recipient turned off
    is kept in their inbox with status ``skipped`` and never e-mailed; mandatory kinds and
    messages to bare addresses are always sent. With a ``dedupe_key`` the message is queued at
    most once, ever; returns ``None`` if it already was (so jobs can be re-run, or run twice,
    safely). Raises ``ValueError`` for an unknown kind (a programming error).
    """
    if not kinds.is_known(kind):
        raise ValueError(f"unknown notification kind {kind!r}")
    user = None if isinstance(recipient, str) else recipient
    email = user.email if user else recipient
    # Written in the recipient's language (their profile's; a bare address gets the current
    # page's): a subject that is a catalog entry (marked with N_ where it is written) and the
    # templates are translated.
    language = getattr(getattr(user, "locale", None), "value", None)
    with force_locale(language) if language else nullcontext():
        # A plain subject is looked up in the catalogs; a lazy one (``_l("...", name=...)``)
        # is written now, in the recipient's language.
        # A sentence written with T_ (its values may be status words, ``status_word``) is
        # translated with its values.
        if getattr(subject, "msgid", None) is not None:
            subject = message_text(subject)
        else:
            subject = gettext(subject) if isinstance(subject, str) and subject else str(subject)
        # Lazy strings (paragraphs written with _l) become text here, in this language; as
        # text they are escaped in the HTML part like any value.
        ctx = {"user": user, "link": link, "subject": subject}
        ctx.update({k: _written(v) for k, v in context.items()})
        body_text = render_template(f"notifications/{template}.txt", **ctx)
        body_html = render_template(f"notifications/{template}.html", **ctx)
    now = clock.now()
    note = Notification(
        user_id=user.id if user else None,
        to_email=email,
        subject=subject[:300],
        kind=kind,
        body_text=body_text,
        body_html=body_html,
        ics=ics,
        ics_method=ics_method,
        link=link,
        dedupe_key=dedupe_key,
        created_at=now,
        next_attempt_at=now,
    )
    if user is not None and not kinds.sends_email(kind, turned_off(user, kind)):
        note.status = DeliveryStatus.SKIPPED
    if dedupe_key is None:
        db.session.add(note)
        return note
    try:
        with db.session.begin_nested():
            db.session.add(note)
    except IntegrityError:
        return None
    return note


def turned_off(user: User, kind: str | None = None) -> frozenset[str]:
    """The optional kinds ``user`` does not want by e-mail (only ``kind``'s row when given)."""
    if kind is not None and kinds.KINDS[kind].mandatory:
        return frozenset()  # always sent: no need to ask the database
    stmt = sa.select(NotificationPreference.kind).where(
        NotificationPreference.user_id == user.id, NotificationPreference.email.is_(False)
    )
    if kind is not None:
        stmt = stmt.where(NotificationPreference.kind == kind)
    return frozenset(db.session.scalars(stmt))


def preferences(user: User) -> list[tuple[kinds.Kind, bool]]:
    """Every kind a person can receive, with whether they get it by e-mail (mandatory: always)."""
    off = turned_off(user)
    return [
        (k, kinds.sends_email(code, off)) for code, k in kinds.KINDS.items() if code != "general"
    ]


def set_preferences(actor: User, user: User, wanted: dict[str, bool]) -> list:
    """Record which optional e-mails ``user`` wants (``{kind: bool}``; kinds left out keep their
    setting); returns the new ``preferences(user)``.

    Only the person themselves may change them (``NotFound`` otherwise: whose inbox exists is not
    another's business). Raises ``DomainError`` (``unknown_kind``, ``mandatory_kind``,
    ``not_a_choice``) and changes nothing when any entry is wrong. Writes one audit event.
    """
    if actor.id != user.id:
        raise NotFound(N_("No such person."))
    problems = _preference_problems(wanted)
    if problems:
        raise DomainError(problems)
    before = {k.code: on for k, on in preferences(user)}
    rows = {
        r.kind: r
        for r in db.session.scalars(
            sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    now = clock.now()
    for code, on in wanted.items():
        row = rows.get(code) or NotificationPreference(user_id=user.id, kind=code)
        row.email, row.updated_at = on, now
        db.session.add(row)
    db.session.flush()
    changes = {c: [before[c], on] for c, on in wanted.items() if before[c] != on}
    if changes:
        audit.record(actor, "notification.preferences", user, changes)
    return preferences(user)


def _preference_problems(wanted: dict) -> list[Problem]:
    problems = []
    for code, on in wanted.items():
        kind = kinds.KINDS.get(code) if code != "general" else None
        if kind is None:
            problems.append(
                Problem(
                    "unknown_kind", T_("No kind of e-mail is called “%(code)s”.", code=code), code
                )
            )
        elif kind.mandatory and on is not True:
            problems.append(
                Problem(
                    "mandatory_kind",
                    T_("“%(kind)s” e-mails cannot be turned off.", kind=kind.label),
                    code,
                )
            )
        elif not isinstance(on, bool):
            problems.append(Problem("not_a_choice", N_("Say true or false."), code))
    return problems


def backoff(attempts: int) -> timedelta:
    """Wait before retry number ``attempts``: 30 s, 1 min, 2 min, ... capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def message_id(note: Notification) -> str:
    """The message's stable ``Message-ID`` (RFC 5322 3.6.4): the same on every attempt, so mail
    systems that see one message twice (a relay that accepted it just before a crash) can tell."""
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "innocore.invalid"
    return f"<innocore.n{note.id}.{int(note.created_at.timestamp())}@{host}>"


def build_message(note: Notification) -> EmailMessage:
    cfg = current_app.config
    msg = EmailMessage()
    msg["Subject"] = note.subject
    msg["From"] = cfg["MAIL_SENDER"]
    msg["To"] = note.to_email
    msg["Message-ID"] = message_id(note)
    msg.set_content(note.body_text)
    if note.body_html:
        msg.add_alternative(note.body_html, subtype="html")
    if note.ics:
        method = note.ics_method or "PUBLISH"
        # The calendar part lets mail clients offer "add to calendar" / update the event.
        msg.add_alternative(note.ics, subtype="calendar", params={"method": method})
        msg.add_attachment(
            note.ics.encode(),
            maintype="text",
            subtype="calendar",
            filename="invite.ics",
            params={"method": method},
        )
    return msg


def _smtp_connection() -> smtplib.SMTP:
    cfg = current_app.config
    host, port, timeout = cfg["MAIL_SERVER"], cfg["MAIL_PORT"], cfg["MAIL_TIMEOUT"]
    if cfg["MAIL_USE_SSL"]:
        conn: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        conn = smtplib.SMTP(host, port, timeout=timeout)
        if cfg["MAIL_USE_TLS"]:
            conn.starttls(context=ssl.create_default_context())
    if cfg.get("MAIL_USERNAME"):
        conn.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
    return conn


def _unclaimed(now: datetime):
    return sa.or_(Notification.claimed_until.is_(None), Notification.claimed_until < now)


def due_ids(now: datetime, limit: int) -> list[int]:
    """Ids of the messages due at ``now`` that no sender holds, oldest first (nothing claimed)."""
    return list(
        db.session.scalars(
            sa.select(Notification.id)
            .where(Notification.status == DeliveryStatus.PENDING)
            .where(Notification.next_attempt_at <= now, _unclaimed(now))
            .order_by(Notification.next_attempt_at, Notification.id)
            .limit(limit)
        )
    )


def claim(note_id: int, holder: str) -> tuple[EmailMessage, datetime] | None:
    """Claim one due message for ``MAIL_CLAIM_SECONDS`` with compare-and-set, just before it is
    sent; returns it ready to send with the claim's end, or ``None`` if another sender holds it
    or it is no longer due.

    The caller commits before sending, so no transaction (nor SQLite's write lock) is held while
    the relay takes its time. Claim a message, send it, record it, then claim the next: a claim
    only has to outlast one SMTP exchange, never a whole batch.
    """
    now = clock.now()
    until = now + timedelta(seconds=current_app.config["MAIL_CLAIM_SECONDS"])
    won = db.session.execute(
        sa.update(Notification)
        .where(Notification.id == note_id, Notification.status == DeliveryStatus.PENDING)
        .where(Notification.next_attempt_at <= now, _unclaimed(now))
        .values(claimed_until=until, claimed_by=holder)
    ).rowcount
    if won != 1:
        return None
    return build_message(db.session.get(Notification, note_id, populate_existing=True)), until


def record_sent(note_id: int, holder: str) -> None:
    """Record that the relay accepted a claimed message (the caller commits, retrying: a lost
    record would send the message again when its claim runs out)."""
    values = {
        "status": DeliveryStatus.SENT,
        "sent_at": clock.now(),
        "attempts": Notification.attempts + 1,
        "claimed_until": None,
        "claimed_by": None,
    }
    stmt = sa.update(Notification).where(
        Notification.id == note_id, Notification.status == DeliveryStatus.PENDING
    )
    if db.session.execute(stmt.where(Notification.claimed_by == holder).values(values)).rowcount:
        return
    log.warning(
        "e-mail %s was sent after its claim ran out (another sender may have sent it too): "
        "raise INNOCORE_MAIL_CLAIM_SECONDS above the relay's slowest exchange",
        note_id,
    )
    db.session.execute(stmt.values(values))


def record_failure(note_id: int, holder: str, exc: Exception) -> str:
    """Record a failed attempt of a claimed message: retry later with backoff, or give up after
    ``MAIL_MAX_ATTEMPTS``. Returns ``"retry"``, ``"failed"``, or ``"lost"`` (no longer ours)."""
    note = db.session.scalar(
        sa.select(Notification)
        .where(Notification.id == note_id, Notification.claimed_by == holder)
        .execution_options(populate_existing=True)
    )
    if note is None:
        return "lost"
    note.attempts += 1
    note.last_error = f"{type(exc).__name__}: {exc}"[:500]
    note.claimed_until = note.claimed_by = None
    if note.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        note.status = DeliveryStatus.FAILED
        return "failed"
    note.next_attempt_at = clock.now() + backoff(note.attempts)
    return "retry"


def deliver_due(limit: int = 100) -> dict:
    """Job: send due e-mails over SMTP, each exactly once, however many senders run and however
    slow the relay: every message is claimed (committed) just before it is sent and recorded
    (committed, retried when it loses a race) just after. Failures are retried later with
    backoff; nothing is lost. Returns counts ``{"sent", "retry", "failed"}``.
    """
    from innocore.leases import holder_id

    holder = holder_id()
    counts = {"sent": 0, "retry": 0, "failed": 0, "lost": 0}
    ids = due_ids(clock.now(), limit)
    db.session.commit()  # end the read: a job's transaction holds SQLite's write lock
    if not ids:
        return _counted(counts)
    try:
        conn: smtplib.SMTP | None = _smtp_connection()  # before any claim starts running out
    except (OSError, smtplib.SMTPException) as exc:
        _fail_all(ids, holder, exc, counts)  # the relay is unreachable: all wait with backoff
        return _counted(counts)
    try:
        for i, note_id in enumerate(ids):
            claimed = commit_retrying(db.session, lambda n=note_id: claim(n, holder))
            if claimed is None:
                continue
            msg, until = claimed
            if clock.now() >= until:  # stalled since the claim: leave it to whoever comes next
                continue
            try:
                conn = conn or _smtp_connection()
                conn.send_message(msg)
            except (OSError, smtplib.SMTPException) as exc:
                counts[_record_failure(note_id, holder, exc)] += 1
                if conn is None:  # reconnecting failed: the rest wait with backoff too
                    _fail_all(ids[i + 1 :], holder, exc, counts)
                    break
                conn = _close(conn) if _broken(exc) else conn
                continue
            commit_retrying(db.session, lambda n=note_id: record_sent(n, holder))
            counts["sent"] += 1
    finally:
        if conn is not None:
            _close(conn)
    return _counted(counts)


def _record_failure(note_id: int, holder: str, exc: Exception) -> str:
    return commit_retrying(db.session, lambda: record_failure(note_id, holder, exc))


def _counted(counts: dict) -> dict:
    counts.pop("lost", None)
    return counts


def _fail_all(ids: list[int], holder: str, exc: Exception, counts: dict) -> None:
    for note_id in ids:
        if commit_retrying(db.session, lambda n=note_id: claim(n, holder)) is not None:
            counts[_record_failure(note_id, holder, exc)] += 1


def _broken(exc: Exception) -> bool:
    """Whether the SMTP connection is unusable after this error (else it serves the next one)."""
    return isinstance(exc, OSError | smtplib.SMTPServerDisconnected)


def _close(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (OSError, smtplib.SMTPException):
        conn.close()


def list_for_user(user: User, *, page: int, per_page: int):
    return db.paginate(
        sa.select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def mark_read(user: User, note_id: int | None = None) -> int:
    """Mark one (or all) of the user's notifications read; returns how many changed.

    Raises ``NotFound`` for a ``note_id`` that is not one of the user's: whether someone else's
    notification exists is not theirs to learn."""
    if note_id is not None:
        owner = db.session.scalar(sa.select(Notification.user_id).where(Notification.id == note_id))
        if owner != user.id:
            raise NotFound(N_("No such notification."))
    stmt = sa.update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if note_id is not None:
        stmt = stmt.where(Notification.id == note_id)
    return db.session.execute(stmt.values(read_at=clock.now())).rowcount


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )
