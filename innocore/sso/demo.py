"""Demo data of institutional sign-in: the University of Valmonte's provider, set up but
switched off, because the demo has no identity provider to sign anyone in."""

from __future__ import annotations

from innocore import clock
from innocore.extensions import db
from innocore.sso.models import SsoConnection, SsoProtocol

DEMO_ISSUER = "https://login.valmonte.example/realms/staff"  # RFC 2606: nobody answers there


def seed_sso(context: dict) -> None:
    """An OpenID Connect provider for the first demo organisation (University of Valmonte),
    visible on the set-up page with its attribute mapping; switched off so the sign-in page
    shows no button that could only fail, and local passwords stay on."""
    university = context["organisations"][0]
    now = clock.now()
    db.session.add(
        SsoConnection(
            organisation_id=university.id,
            protocol=SsoProtocol.OIDC,
            issuer=DEMO_ISSUER,
            client_id="innocore-demo",
            email_claim="email",
            name_claim="name",
            affiliation_claim="eduperson_scoped_affiliation",
            affiliations="staff,member,student",
            local_passwords=True,
            enabled=False,
            created_at=now,
            updated_at=now,
        )
    )
    db.session.flush()
