"""One vocabulary for statuses: every page shows a status through ``status_badge`` (a Jinja global)
so the same state reads the same everywhere (a certificate in force is "Valid" on every page).

A status is an enumeration member (with ``.value`` and, usually, ``.label``) or a plain string.
Its tone (ok, warn, bad, info, neutral) picks the badge's colours (``.status-tone-*`` in
innocore.css); the tone never carries the meaning alone, the word always shows.
"""

from __future__ import annotations

from markupsafe import Markup, escape

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
# Words for values whose enumeration label differs from what the public reads, by kind.
_WORDS: dict[tuple[str, str], tuple[str, str]] = {}


def register_words(kind: str, words: dict[str, tuple[str, str]]) -> None:
    """A package names its states: ``{value: (label, tone)}`` for statuses of ``kind``."""
    for value, (label, tone) in words.items():
        if tone not in TONES:
            raise ValueError(f"unknown tone {tone!r} for {kind}.{value}")
        _WORDS[(kind, value)] = (label, tone)


def describe(status, kind: str | None = None) -> tuple[str, str]:
    """(label, tone) of a status: the package's words first, then the enumeration's label and
    the shared tone table; an unknown value reads as its words capitalised, in the info tone."""
    value = str(getattr(status, "value", status) or "")
    if kind and (kind, value) in _WORDS:
        return _WORDS[(kind, value)]
    label = getattr(status, "label", None) or value.replace("_", " ").capitalize()
    return label, _TONE.get(value, "info")


def status_badge(status, kind: str | None = None, large: bool = False) -> Markup:
    """The badge HTML of a status: ``<span class="status status-tone-ok">Valid</span>``."""
    label, tone = describe(status, kind)
    size = " status-large" if large else ""
    return Markup('<span class="status status-tone-{}{}">{}</span>').format(
        tone, size, escape(label)
    )
