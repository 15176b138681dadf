"""What each e-mail is about, and which of them a person may turn off.

Every message queued in the outbox carries one kind (``queue_email(..., kind=...)``); a person's
preferences say, per optional kind, whether they want it by e-mail. Mandatory kinds (account and
security, cancellations and changes made by staff) are always e-mailed: they are how a person
learns that something was done to their account or their plans. Pure: no database, no Flask.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    description: str
    mandatory: bool


SECURITY = "security"
STAFF_CHANGES = "staff_changes"
BOOKINGS = "bookings"
REMINDERS = "reminders"
WAITLIST = "waitlist"
TRAINING = "training"
REQUESTS = "requests"
STAFF_WORK = "staff_work"
KNOWLEDGE_TRANSFER = "knowledge_transfer"
DOCUMENTS = "documents"
USAGE = "usage"
GENERAL = "general"  # messages queued before kinds existed (never queued any more)

KINDS: dict[str, Kind] = {
    k.code: k
    for k in (
        Kind(
            SECURITY,
            "Account and security",
            "Confirming your e-mail, password resets, invitations and roles you are given.",
            True,
        ),
        Kind(
            STAFF_CHANGES,
            "Cancellations and changes by staff",
            "A facility cancels, declines, moves or flags your booking; a training session is "
            "cancelled or changed; a certificate is suspended or revoked.",
            True,
        ),
        Kind(
            BOOKINGS,
            "Your own bookings",
            "Confirmation (with its calendar invitation) when you book, move, cancel or end a "
            "booking, and approvals.",
            False,
        ),
        Kind(
            USAGE,
            "No-shows and logged use",
            "A booking recorded as a no-show because nobody checked in (the time is released and "
            "may be charged), and instrument use that staff logged for you.",
            False,
        ),
        Kind(
            REMINDERS,
            "Reminders",
            "Before your bookings and training sessions, and before a certificate expires.",
            False,
        ),
        Kind(
            WAITLIST,
            "Waiting lists",
            "Your place on a waiting list, a place offered to you, an offer that lapsed.",
            False,
        ),
        Kind(
            TRAINING,
            "Training and certificates",
            "Enrolments, withdrawals, certificates issued or renewed, recognition decisions.",
            False,
        ),
        Kind(
            REQUESTS,
            "Service requests",
            "Messages, quotes and progress of your service requests.",
            False,
        ),
        Kind(
            DOCUMENTS,
            "Facility rules and safety documents",
            "A new version of a document you accepted, to accept before your next booking.",
            False,
        ),
        Kind(
            KNOWLEDGE_TRANSFER,
            "Mentoring, placements and challenges",
            "Mentorship requests and answers, placement applications, challenge updates, "
            "companies that would like to hear from you.",
            False,
        ),
        Kind(
            STAFF_WORK,
            "Work for facility staff",
            "Participant lists when enrolment closes, recognition requests to decide.",
            False,
        ),
    )
}


def is_known(code: str) -> bool:
    """Whether ``code`` names a kind a message may be queued with."""
    return code in KINDS


def sends_email(code: str, turned_off: set[str] | frozenset[str]) -> bool:
    """Whether a message of kind ``code`` is e-mailed to someone who turned off ``turned_off``.

    A mandatory kind is always e-mailed, whatever the preferences say (an old preference row, or
    one written before the kind became mandatory, cannot silence it). Raises ``KeyError`` for an
    unknown kind.
    """
    kind = KINDS[code]
    return kind.mandatory or code not in turned_off
