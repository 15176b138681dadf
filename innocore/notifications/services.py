"""Queue notifications in the caller's transaction; deliver them over SMTP from a job."""

from __future__ import annotations

import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import sqlalchemy as sa
from flask import current_app, render_template
from sqlalchemy.exc import IntegrityError

from innocore import clock
from innocore.accounts.models import User
from innocore.errors import NotFound
from innocore.extensions import db
from innocore.notifications.models import DeliveryStatus, Notification

CLAIM_SECONDS = 120


def queue_email(
    recipient: User | str,
    subject: str,
    template: str,
    *,
    link: str | None = None,
    ics: str | None = None,
    ics_method: str | None = None,
    dedupe_key: str | None = None,
    **context,
) -> Notification | None:
    """Render ``notifications/<template>.txt`` (and ``.html``) and queue the e-mail.

    With a ``dedupe_key`` the message is queued at most once, ever; returns ``None`` if it
    already was (so jobs can be re-run, or run twice, safely).
    """
    user = recipient if isinstance(recipient, User) else None
    email = user.email if user else recipient
    ctx = {"user": user, "link": link, "subject": subject, **context}
    now = clock.now()
    note = Notification(
        user_id=user.id if user else None,
        to_email=email,
        subject=subject[:300],
        body_text=render_template(f"notifications/{template}.txt", **ctx),
        body_html=render_template(f"notifications/{template}.html", **ctx),
        ics=ics,
        ics_method=ics_method,
        link=link,
        dedupe_key=dedupe_key,
        created_at=now,
        next_attempt_at=now,
    )
    if dedupe_key is None:
        db.session.add(note)
        return note
    try:
        with db.session.begin_nested():
            db.session.add(note)
    except IntegrityError:
        return None
    return note


def backoff(attempts: int) -> timedelta:
    """Wait before retry number ``attempts``: 30 s, 1 min, 2 min, ... capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def build_message(note: Notification) -> EmailMessage:
    cfg = current_app.config
    msg = EmailMessage()
    msg["Subject"] = note.subject
    msg["From"] = cfg["MAIL_SENDER"]
    msg["To"] = note.to_email
    msg["Message-ID"] = make_msgid(idstring=f"n{note.id}")
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


def claim_due(now: datetime, limit: int) -> list[int]:
    """Claim due messages with compare-and-set, so two schedulers never send the same one."""
    candidates = db.session.scalars(
        sa.select(Notification.id)
        .where(Notification.status == DeliveryStatus.PENDING, Notification.next_attempt_at <= now)
        .where(sa.or_(Notification.claimed_until.is_(None), Notification.claimed_until < now))
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    ).all()
    claimed = []
    for note_id in candidates:
        result = db.session.execute(
            sa.update(Notification)
            .where(Notification.id == note_id, Notification.status == DeliveryStatus.PENDING)
            .where(sa.or_(Notification.claimed_until.is_(None), Notification.claimed_until < now))
            .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
        )
        if result.rowcount == 1:
            claimed.append(note_id)
    db.session.commit()
    return claimed


def deliver_due(limit: int = 100) -> dict:
    """Send due e-mails over SMTP; failures are retried later with backoff, nothing is lost."""
    now = clock.now()
    ids = claim_due(now, limit)
    counts = {"sent": 0, "retry": 0, "failed": 0}
    if not ids:
        return counts
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    try:
        conn = _smtp_connection()
    except (OSError, smtplib.SMTPException) as exc:
        for note in db.session.scalars(sa.select(Notification).where(Notification.id.in_(ids))):
            counts[_record_failure(note, exc, now, max_attempts)] += 1
        db.session.commit()
        return counts
    try:
        for note in db.session.scalars(sa.select(Notification).where(Notification.id.in_(ids))):
            try:
                conn.send_message(build_message(note))
            except (OSError, smtplib.SMTPException) as exc:
                counts[_record_failure(note, exc, now, max_attempts)] += 1
            else:
                note.status, note.sent_at, note.claimed_until = DeliveryStatus.SENT, now, None
                note.attempts += 1
                counts["sent"] += 1
            db.session.commit()  # one message at a time: a crash never re-sends a sent one
    finally:
        try:
            conn.quit()
        except (OSError, smtplib.SMTPException):
            conn.close()
    return counts


def _record_failure(note: Notification, exc: Exception, now: datetime, max_attempts: int) -> str:
    note.attempts += 1
    note.last_error = f"{type(exc).__name__}: {exc}"[:500]
    note.claimed_until = None
    if note.attempts >= max_attempts:
        note.status = DeliveryStatus.FAILED
        return "failed"
    note.next_attempt_at = now + backoff(note.attempts)
    return "retry"


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
            raise NotFound("No such notification.")
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
