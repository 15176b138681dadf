"""Single sign-on: an organisation's identity provider and the identities it vouched for."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from innocore.accounts.models import Organisation, User
from innocore.db import UTCDateTime, enum_column
from innocore.extensions import db


class SsoProtocol(enum.StrEnum):
    OIDC = "oidc"  # OpenID Connect
    SAML = "saml"  # SAML 2.0 Web Browser SSO


class SsoConnection(db.Model):
    """One organisation's identity provider, set up by a network administrator. The client
    secret is stored sealed (``innocore.sso.vault``) for the token request and never shown
    back: ``client_secret`` reads and writes the plain value, the column holds ciphertext."""

    __tablename__ = "sso_connection"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), unique=True)
    protocol: Mapped[SsoProtocol] = mapped_column(enum_column(SsoProtocol, "sso_protocol"))
    issuer: Mapped[str] = mapped_column(sa.String(500))  # OIDC issuer / SAML IdP entity id
    idp_metadata: Mapped[str] = mapped_column(sa.Text(), default="")  # SAML IdP metadata XML
    # SAML: where the IdP publishes its metadata (fetched and kept); "" = the pasted XML above
    idp_metadata_url: Mapped[str] = mapped_column(sa.String(1000), default="")
    client_id: Mapped[str] = mapped_column(sa.String(200), default="")
    sealed_secret: Mapped[str] = mapped_column("client_secret", sa.String(1000), default="")
    email_claim: Mapped[str] = mapped_column(sa.String(100), default="email")
    name_claim: Mapped[str] = mapped_column(sa.String(100), default="name")
    affiliation_claim: Mapped[str] = mapped_column(sa.String(100), default="")
    # Comma-separated affiliations that count as membership ("staff,member"); empty: any.
    affiliations: Mapped[str] = mapped_column(sa.String(500), default="")
    local_passwords: Mapped[bool] = mapped_column(default=True)
    # Switched off: members see no sign-in button and keep their passwords (the demo's is off).
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()

    @property
    def client_secret(self) -> str:
        """The plain client secret (``DomainError`` 502 when the key cannot open it)."""
        from innocore.sso.vault import unseal

        return unseal(self.sealed_secret or "")

    @client_secret.setter
    def client_secret(self, plain: str) -> None:
        from innocore.sso.vault import seal

        self.sealed_secret = seal(plain or "")

    @property
    def has_client_secret(self) -> bool:
        return bool(self.sealed_secret)


class SsoIdentity(db.Model):
    """A person as the provider knows them (``subject``), linked to one account; ``verified_at``
    is the last sign-in that verified their membership of the connection's organisation."""

    __tablename__ = "sso_identity"

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(sa.ForeignKey("sso_connection.id"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(255))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    affiliation: Mapped[str] = mapped_column(sa.String(500), default="")
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime())

    connection: Mapped[SsoConnection] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (sa.UniqueConstraint("connection_id", "subject"),)


class SsoAssertionUse(db.Model):
    """A SAML response already consumed (its id): the same response posted again is refused."""

    __tablename__ = "sso_assertion_use"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[str] = mapped_column(sa.String(200), unique=True)
    connection_id: Mapped[int] = mapped_column(sa.ForeignKey("sso_connection.id"), index=True)
    consumed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SsoProviderDocument(db.Model):
    """A provider's published document as last fetched, shared by every worker and host (the
    database is what they share): OpenID discovery documents and JWKS, SAML IdP metadata
    fetched by URL. ``expires_at`` ends its use (the provider's ``Cache-Control: max-age``,
    kept within ``innocore.sso.cache`` bounds); a JWKS is also fetched again when a token
    names a key it does not hold (key rotation)."""

    __tablename__ = "sso_provider_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(1000), unique=True)
    body: Mapped[str] = mapped_column(sa.Text())
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
