"""One vocabulary for statuses: every page shows a status through ``status_badge`` (a Jinja global)
so the same state reads the same everywhere (a certificate in force is "Valid" on every page).

A status is an enumeration member (with ``.value`` and, usually, ``.label``) or a plain string.
Its tone (ok, warn, bad, info, neutral) picks the badge's colours (``.status-tone-*`` in
innocore.css); the tone never carries the meaning alone, the word always shows.
"""

from __future__ import annotations

from flask_babel import gettext
from markupsafe import Markup, escape

from innocore.marks import N_

TONES = ("ok", "warn", "bad", "info", "neutral")

# Tones by value, for every package's states (values are shared words: "cancelled", "pending").
_TONE = {
    **dict.fromkeys(
        (
            "valid",
            "active",
            "available",
            "confirmed",
            "accepted",
            "published",
            "enrolled",
            "awarded",
            "delivered",
            "completed",
            "passed",
            "approved",
            "attended",
            "paid",
            "open",
            "scheduled",
            "resolved",
            "equivalent",
        ),
        "ok",
    ),
    **dict.fromkeys(
        (
            "pending",
            "submitted",
            "quoted",
            "offered",
            "waitlisted",
            "suspended",
            "in_progress",
            "draft",
            "not yet valid",
            "maintenance",
            "limited",
            "requested",
            "bridging",
        ),
        "warn",
    ),
    **dict.fromkeys(
        (
            "revoked",
            "cancelled",
            "declined",
            "rejected",
            "expired",
            "lapsed",
            "no_show",
            "failed",
            "absent",
            "out_of_service",
            "retired",
            "withdrawn",
            "refused",
        ),
        "bad",
    ),
    **dict.fromkeys(("superseded", "closed", "archived", "ended", "finished"), "neutral"),
}
# The default words of the shared values (``value.replace("_", " ").capitalize()``), marked for the
# catalogs: ``describe`` translates whichever word it picks.
DEFAULT_WORDS = (
    N_("Absent"),
    N_("Accepted"),
    N_("Active"),
    N_("Approved"),
    N_("Archived"),
    N_("Attended"),
    N_("Available"),
    N_("Awarded"),
    N_("Bridging"),
    N_("Cancelled"),
    N_("Closed"),
    N_("Completed"),
    N_("Confirmed"),
    N_("Declined"),
    N_("Delivered"),
    N_("Draft"),
    N_("Ended"),
    N_("Enrolled"),
    N_("Equivalent"),
    N_("Expired"),
    N_("Failed"),
    N_("Finished"),
    N_("In progress"),
    N_("Lapsed"),
    N_("Limited"),
    N_("Maintenance"),
    N_("No show"),
    N_("Not yet valid"),
    N_("Offered"),
    N_("Open"),
    N_("Out of service"),
    N_("Paid"),
    N_("Passed"),
    N_("Pending"),
    N_("Published"),
    N_("Quoted"),
    N_("Refused"),
    N_("Rejected"),
    N_("Requested"),
    N_("Resolved"),
    N_("Retired"),
    N_("Revoked"),
    N_("Scheduled"),
    N_("Submitted"),
    N_("Superseded"),
    N_("Suspended"),
    N_("Valid"),
    N_("Waitlisted"),
    N_("Withdrawn"),
)
# Words for values whose enumeration label differs from what the public reads, by kind.
_WORDS: dict[tuple[str, str], tuple[str, str]] = {}


def register_words(kind: str, words: dict[str, tuple[str, str]]) -> None:
    """A package names its states: ``{value: (label, tone)}`` for statuses of ``kind``."""
    for value, (label, tone) in words.items():
        if tone not in TONES:
            raise ValueError(f"unknown tone {tone!r} for {kind}.{value}")
        _WORDS[(kind, value)] = (label, tone)


def describe(status, kind: str | None = None) -> tuple[str, str]:
    """(label, tone) of a status, the label in the reader's language: the package's words first,
    then the enumeration's label and the shared tone table; an unknown value reads as its words
    capitalised, in the info tone."""
    value = str(getattr(status, "value", status) or "")
    if kind and (kind, value) in _WORDS:
        label, tone = _WORDS[(kind, value)]
        return gettext(label), tone
    label = getattr(status, "label", None) or value.replace("_", " ").capitalize()
    return gettext(str(label)), _TONE.get(value, "info")


def status_badge(status, kind: str | None = None, large: bool = False) -> Markup:
    """The badge HTML of a status: ``<span class="status status-tone-ok">Valid</span>``."""
    label, tone = describe(status, kind)
    size = " status-large" if large else ""
    return Markup('<span class="status status-tone-{}{}">{}</span>').format(
        tone, size, escape(label)
    )


def status_label(status, kind: str | None = None) -> str:
    """The word of a status in the reader's language (the badge's word without the badge), for
    a status shown inside a sentence, a list or a PDF: ``status_label("no_show")`` -> "No show"
    in English, "Mancata presentazione" in Italian. Never the raw code."""
    return describe(status, kind)[0]


# Words of history and audit actions, by ``kind`` then code (``("booking", "checked_in")``), or
# by an audit event's whole action (``("", "certificate.revoke")``). Packages add theirs with
# ``register_actions``; labels are marked with ``N_`` where they are written.
_ACTIONS: dict[tuple[str, str], str] = {}


def register_actions(kind: str, words: dict[str, str]) -> None:
    """A package names the actions of its history: ``{code: N_("Label")}`` for ``kind``
    (``""`` for an audit event's full action code such as ``"certificate.revoke"``)."""
    for code, label in words.items():
        _ACTIONS[(kind, code)] = label


def action_label(action: str, kind: str = "") -> str:
    """The words of a history or audit action code in the reader's language: the registered
    words of ``(kind, action)``; else, for a code that names a status (``"cancelled"``,
    ``"booking.no_show"``), that status's word (``status_label``); else the code as written
    (a program's word, never a half-English sentence). The one mapping from action codes to
    words on pages, e-mails and PDFs."""
    value = str(action or "")
    if (kind, value) in _ACTIONS:
        return gettext(_ACTIONS[(kind, value)])
    tail = value.rpartition(".")[2]
    for key in ((kind, tail), ("", value)):
        if key in _ACTIONS:
            return gettext(_ACTIONS[key])
    if (kind, tail) in _WORDS or tail in _TONE:
        return status_label(tail, kind or None)
    return value


def status_word(status, kind: str | None = None):
    """The English word of a status as a marked message (``innocore.marks.Message``), for a value
    inside a sentence written with ``T_``: it reads English in logs and tests and is translated
    where the sentence is shown (``message_text``), in the reader's language, never in the
    language of whoever caused it. ``status_word(RequestStatus.QUOTED)`` -> "Quoted"."""
    from flask_babel import force_locale

    from innocore.marks import as_message

    with force_locale("en"):
        return as_message(describe(status, kind)[0])
