"""Training e-mails and iCalendar: one stable UID per session part, SEQUENCE from the session."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import current_app
from flask_babel import lazy_gettext as _l

from innocore import clock
from innocore.calendar import CalendarEvent, build_calendar, invitation
from innocore.clock import to_zone
from innocore.links import absolute_url
from innocore.notifications import kinds
from innocore.notifications.services import queue_email
from training.models import Enrolment, TrainingSession


def part_uid(part_id: int) -> str:
    host = urlparse(current_app.config["BASE_URL"]).hostname or "innocore.invalid"
    return f"training-part-{part_id}@{host}"


def session_events(session: TrainingSession, *, cancelled: bool = False) -> list[CalendarEvent]:
    """One event per part. DTSTAMP is the session's own (its cancellation, else its creation), so
    a feed's text, and its ETag, change only when the session does; invitations restamp it."""
    module = session.module
    where = session.location or session.online_url or ""
    events = []
    for n, part in enumerate(session.parts, 1):
        suffix = f" ({n}/{len(session.parts)})" if len(session.parts) > 1 else ""
        instrument = f"Instrument: {part.instrument.name}. " if part.instrument else ""
        events.append(
            CalendarEvent(
                uid=part_uid(part.id),
                sequence=session.sequence,
                starts_at=part.starts_at,
                ends_at=part.ends_at,
                summary=f"{module.title}{suffix}" + (f": {part.title}" if part.title else ""),
                timezone=session.facility.timezone,
                stamp=session.cancelled_at or session.created_at,
                description=f"{session.facility.name}. {instrument}{session.online_url or ''}".strip(),
                location=f"{where} · {part.instrument.name}".strip(" ·")
                if part.instrument
                else where,
                url=absolute_url("training.session_page", session_id=session.id),
                cancelled=cancelled or session.status.value == "cancelled",
                organizer_email=session.facility.contact_email,
                organizer_name=session.facility.name,
                categories=["Training"],
            )
        )
    return events


def session_ics(session: TrainingSession, *, method: str | None, cancelled: bool = False) -> str:
    """The session's parts as a calendar (``method=None``)."""
    return build_calendar(session_events(session, cancelled=cancelled), method=method)


def session_invitation(session: TrainingSession, user, method: str, *, cancelled=False) -> str:
    """The session as an invitation to ``user`` (REQUEST/CANCEL, RFC 5546), through the same
    kernel ``invitation`` as bookings: ORGANIZER is the facility, ATTENDEE the person."""
    return invitation(
        session_events(session, cancelled=cancelled),
        method,
        attendee=(user.email, user.name),
        organizer=(session.facility.contact_email, session.facility.name),
        stamp=clock.now(),
    )


def when(session: TrainingSession) -> list[str]:
    zone = session.facility.timezone
    out = []
    for part in session.parts:
        at = f" ({part.instrument.name})" if part.instrument else ""
        out.append(clock.span_text(part.starts_at, part.ends_at, zone) + at)
    return out


def _send(
    user,
    subject,
    session,
    paragraphs,
    *,
    kind,
    ics_method=None,
    cancelled=False,
    key=None,
    link=None,
):
    ics = session_invitation(session, user, ics_method, cancelled=cancelled) if ics_method else None
    return queue_email(
        user,
        subject,
        "training_notice",
        kind=kind,
        link=link or absolute_url("training.session_page", session_id=session.id),
        ics=ics,
        ics_method=ics_method,
        dedupe_key=key,
        paragraphs=paragraphs,
        session=session,
        dates=when(session),
    )


def enrolled(enrolment: Enrolment) -> None:
    s = enrolment.session
    _send(
        enrolment.user,
        _l("Enrolled: %(module_title)s", module_title=s.module.title),
        s,
        [
            _l(
                "You have a place in “%(module_title)s” at %(facility_name)s.",
                module_title=s.module.title,
                facility_name=s.facility.name,
            ),
            _l("The invitation attached adds every part of the course to your calendar."),
        ],
        ics_method="REQUEST",
        kind=kinds.TRAINING,
    )


def waitlisted(enrolment: Enrolment, position: int) -> None:
    s = enrolment.session
    _send(
        enrolment.user,
        _l("Waiting list: %(module_title)s", module_title=s.module.title),
        s,
        [
            _l(
                "“%(module_title)s” is full. You are number %(position)s on the waiting list.",
                module_title=s.module.title,
                position=position,
            ),
            _l("When a place frees up and it is your turn, we e-mail you an offer to accept."),
        ],
        kind=kinds.WAITLIST,
    )


def offered(enrolment: Enrolment) -> None:
    s = enrolment.session
    zone = enrolment.user.timezone or "UTC"
    until = to_zone(enrolment.offer_expires_at, zone)
    _send(
        enrolment.user,
        _l("A place is free for you: %(module_title)s", module_title=s.module.title),
        s,
        [
            _l(
                "A place in “%(module_title)s” has become free and it is offered to you.",
                module_title=s.module.title,
            ),
            _l(
                "Accept it before %(until)s; after that it goes to the next person on the "
                "waiting list.",
                until=f"{until:%Y-%m-%d %H:%M} {until.tzname()}",
            ),
        ],
        key=f"training-offer-{enrolment.id}-{enrolment.offers_made}",
        link=absolute_url("training.my_training"),
        kind=kinds.WAITLIST,
    )


def offer_lapsed(enrolment: Enrolment) -> None:
    s = enrolment.session
    _send(
        enrolment.user,
        _l("Offer expired: %(module_title)s", module_title=s.module.title),
        s,
        [
            _l(
                "The place offered to you in “%(module_title)s” was not "
                "accepted in time and has gone to the next person on the "
                "waiting list.",
                module_title=s.module.title,
            )
        ],
        key=f"training-offer-lapsed-{enrolment.id}-{enrolment.offers_made}",
        kind=kinds.WAITLIST,
    )


def withdrawn(enrolment: Enrolment) -> None:
    s = enrolment.session
    _send(
        enrolment.user,
        _l("Withdrawn: %(module_title)s", module_title=s.module.title),
        s,
        [_l("You are no longer on the list of “%(module_title)s”.", module_title=s.module.title)],
        ics_method="CANCEL",
        cancelled=True,
        kind=kinds.TRAINING,
    )


def cancelled(session: TrainingSession, enrolments: list[Enrolment], reason: str) -> None:
    for e in enrolments:
        had_seat = e.status.value in ("enrolled", "offered")
        _send(
            e.user,
            _l("Cancelled: %(module_title)s", module_title=session.module.title),
            session,
            [
                _l(
                    "The session of “%(module_title)s” at %(facility_name)s has been cancelled.",
                    module_title=session.module.title,
                    facility_name=session.facility.name,
                ),
                _l("Reason: %(reason)s", reason=reason),
            ],
            ics_method="CANCEL" if had_seat else None,
            cancelled=True,
            key=f"training-cancelled-{session.id}-{e.id}",
            kind=kinds.STAFF_CHANGES,
        )


def changed(session: TrainingSession, enrolments: list[Enrolment]) -> None:
    for e in enrolments:
        _send(
            e.user,
            _l("Changed: %(module_title)s", module_title=session.module.title),
            session,
            [
                _l(
                    "The session of “%(module_title)s” has changed. The dates "
                    "below and the attached invitation are up to date.",
                    module_title=session.module.title,
                )
            ],
            ics_method="REQUEST",
            key=f"training-changed-{session.id}-{session.sequence}-{e.id}",
            kind=kinds.STAFF_CHANGES,
        )


def awaiting_account_owner(enrolment: Enrolment, account) -> None:
    """Tell the learner their fee waits for the account owner's approval (their place is kept)."""
    s = enrolment.session
    _send(
        enrolment.user,
        _l("Awaiting the account owner's approval: %(module_title)s", module_title=s.module.title),
        s,
        [
            _l(
                "The fee of “%(module_title)s” is above the approval threshold of %(account)s, "
                "so it is awaiting the account owner's approval.",
                module_title=s.module.title,
                account=account.label,
            ),
            _l("Your place is kept meanwhile; we e-mail you when the owner decides."),
        ],
        key=f"fee-awaiting-{enrolment.id}",
        link=absolute_url("training.my_training"),
        kind=kinds.TRAINING,
    )


def fee_approved(enrolment: Enrolment) -> None:
    """The fee of a learner still on the waiting list was approved (a seated one gets the
    enrolment e-mail with its invitation instead)."""
    s = enrolment.session
    _send(
        enrolment.user,
        _l("Fee approved: %(module_title)s", module_title=s.module.title),
        s,
        [
            _l(
                "The account owner approved the fee of “%(module_title)s”. You keep your place "
                "on the waiting list.",
                module_title=s.module.title,
            )
        ],
        link=absolute_url("training.my_training"),
        kind=kinds.TRAINING,
    )


def fee_refused(enrolment: Enrolment, reason: str) -> None:
    """The account owner refused the fee: the enrolment is cancelled, nothing is charged."""
    s = enrolment.session
    _send(
        enrolment.user,
        _l("Fee refused: %(module_title)s", module_title=s.module.title),
        s,
        [
            _l(
                "The account owner did not approve the fee of “%(module_title)s”; your "
                "enrolment is cancelled and nothing is charged.",
                module_title=s.module.title,
            ),
            _l("Their reason: %(reason)s", reason=reason),
        ],
        link=absolute_url("training.my_training"),
        kind=kinds.TRAINING,
    )
