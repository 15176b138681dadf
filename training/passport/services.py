"""Passport use cases: the passport document of a person, and its revocable share links.

A link's raw token is shown once; only its SHA-256 is stored (like calendar feed tokens).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from innocore import audit, clock
from innocore.competences.models import Competence
from innocore.errors import DomainError, NotFound, Problem
from innocore.extensions import db
from innocore.links import absolute_url
from innocore.marks import N_, T_
from innocore.secret_links import digest, find_live
from training.certification import queries as cert_queries
from training.certification import rules as cert_rules
from training.certification.models import Certificate
from training.passport.models import PassportLink

MAX_LINKS = 20


@dataclass(frozen=True)
class Entry:
    """One competence held: the level, who vouches for it, until when, and how to check it."""

    competence: Competence
    level: int
    facility_name: str
    facility_id: int | None
    valid_until: datetime | None
    certificate: Certificate
    recognised: bool  # held through another facility's recognition of ``certificate``

    def as_json(self) -> dict:
        return {
            "competence_id": self.competence.id,
            "competence_code": self.competence.code,
            "competence": self.competence.title,
            "level": self.level,
            "level_name": self.competence.level_name(self.level),
            "facility_id": self.facility_id,
            "facility": self.facility_name,
            "valid_until": clock.api_instant(self.valid_until),
            "recognised": self.recognised,
            "certificate": self.certificate.public_id,
            "verify_url": absolute_url(
                "certification_public.verify_page", public_id=self.certificate.public_id
            ),
        }


def entries_for(user_id: int, now: datetime | None = None) -> list[Entry]:
    """Every competence the person holds now, highest level first: certificates of their own and
    what other facilities recognise of them. Four queries."""
    now = now or clock.now()
    facts = [f for f in cert_queries.facts_for([user_id], now)[user_id] if f.competence_id]
    facts = [f for f in facts if cert_rules.is_valid_at(f, now)]
    certs = _by_id(Certificate, {f.id for f in facts})
    competences = _by_id(Competence, {f.competence_id for f in facts})
    network = current_app.config["NETWORK_NAME"]
    out = []
    for f in facts:
        cert, comp = certs[f.id], competences[f.competence_id]
        recognised = cert.competence_id != f.competence_id
        owner = comp.facility if recognised else cert.facility
        out.append(
            Entry(
                comp,
                f.level or 0,
                owner.name if owner else network,
                owner.id if owner else None,
                f.valid_until,
                cert,
                recognised,
            )
        )
    return sorted(out, key=lambda e: (e.competence.title, -e.level, e.recognised))


def _by_id(model, ids: set[int]) -> dict:
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(sa.select(model).where(model.id.in_(ids)))}


def document(user, now: datetime | None = None) -> dict:
    """The passport as JSON: ``{holder, generated_at, competences: [...]}``."""
    now = now or clock.now()
    return {
        "holder": {"name": user.name},
        "network": current_app.config["NETWORK_NAME"],
        "generated_at": clock.api_instant(now),
        "competences": [e.as_json() for e in entries_for(user.id, now)],
    }


def active_links(user_id: int) -> list[PassportLink]:
    return list(
        db.session.scalars(
            sa.select(PassportLink)
            .where(PassportLink.holder_id == user_id, PassportLink.revoked_at.is_(None))
            .order_by(PassportLink.created_at, PassportLink.id)
        )
    )


def create_link(actor, label: str = "") -> tuple[PassportLink, str]:
    """A new secret address of the actor's passport; returns it and the raw token (shown once)."""
    label = (label or "").strip()
    if len(label) > 120:
        raise DomainError(
            Problem("label_too_long", N_("Keep the label under 120 characters."), "label")
        )
    if len(active_links(actor.id)) >= MAX_LINKS:
        raise DomainError(
            Problem(
                "too_many_links",
                T_(
                    "At most %(max_links)s links: revoke one you no longer use.",
                    max_links=MAX_LINKS,
                ),
            )
        )
    raw = secrets.token_urlsafe(24)
    link = PassportLink(
        holder_id=actor.id, token_hash=digest(raw), label=label, created_at=clock.now()
    )
    db.session.add(link)
    audit.record(actor, "passport.link_created", link, {"label": [None, label]})
    return link, raw


def revoke_link(actor, link_id: int) -> PassportLink:
    """Revoke one of the actor's links: whoever holds it sees nothing from now on."""
    link = db.session.get(PassportLink, link_id) if 0 < link_id < 2**31 else None
    if link is None or link.holder_id != actor.id:
        raise NotFound(N_("No such passport link."))
    if link.revoked_at is None:
        link.revoked_at = clock.now()
        audit.record(
            actor,
            "passport.link_revoked",
            link,
            {"revoked_at": [None, link.revoked_at.isoformat()]},
        )
    return link


def holder_for_token(raw: str):
    """The person whose passport a raw token shows; NotFound when unknown or revoked."""
    link = find_live(PassportLink, raw, unknown=N_("This passport link is unknown or was revoked."))
    from innocore.accounts.models import User

    return db.session.get(User, link.holder_id)


def shared_url(raw: str) -> str:
    return absolute_url("passport.shared", token=raw)
