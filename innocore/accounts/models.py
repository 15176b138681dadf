"""Accounts: organisations, users and their single-use e-mail tokens."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from innocore.db import UTCDateTime, enum_column
from innocore.extensions import db
from innocore.vocab import Locale, MembershipMethod, OrganisationKind, OrgRole, Position


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[OrganisationKind] = mapped_column(
        enum_column(OrganisationKind, "organisation_kind")
    )
    country: Mapped[str] = mapped_column(sa.String(2))  # ISO 3166-1 alpha-2
    city: Mapped[str | None] = mapped_column(sa.String(120))
    website: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.Index("uq_organisation_name_lower", sa.func.lower(name), unique=True),
        sa.CheckConstraint("length(country) = 2", name="country_iso2"),
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r} {self.kind.value}>"


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    org_role: Mapped[OrgRole] = mapped_column(
        enum_column(OrgRole, "org_role"), default=OrgRole.MEMBER
    )
    is_network_admin: Mapped[bool] = mapped_column(default=False)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    locale: Mapped[Locale] = mapped_column(enum_column(Locale, "locale"), default=Locale.EN)
    # Career stage stated by the person (None: not stated); reports count people by it.
    position: Mapped[Position | None] = mapped_column(enum_column(Position, "user_position"))
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(default=True)
    # Raised on password change: old sessions and remember-me cookies stop working.
    session_epoch: Mapped[int] = mapped_column(default=0)
    # A personal PIN (4 to 8 digits, hashed like a password) that proves who taps a booking on
    # an unattended facility kiosk tablet (instruments.kiosk_devices); None: not set.
    kiosk_pin_hash: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Membership of ``organisation`` is only claimed until verified (innocore.membership.membership);
    # an unverified member is priced and approved as an external user.
    membership_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    membership_method: Mapped[MembershipMethod | None] = mapped_column(
        enum_column(MembershipMethod, "membership_method")
    )
    membership_declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        sa.Index("uq_user_account_email_lower", sa.func.lower(email), unique=True),
        sa.CheckConstraint(
            "(membership_verified_at IS NULL) = (membership_method IS NULL)",
            name="membership_verified_with_method",
        ),
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch}"

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def membership_verified(self) -> bool:
        return self.membership_verified_at is not None

    @property
    def is_company_admin(self) -> bool:
        return (
            self.org_role == OrgRole.ADMIN
            and self.organisation.kind == OrganisationKind.COMPANY
            and self.membership_verified
        )


class OrganisationDomain(db.Model):
    """An e-mail domain an organisation's administrators registered: confirmed addresses in it
    (or its subdomains) verify membership of that organisation."""

    __tablename__ = "organisation_domain"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    domain: Mapped[str] = mapped_column(sa.String(253), unique=True)  # lower case, no dot at ends
    added_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()

    def __repr__(self) -> str:
        return f"<OrganisationDomain {self.domain} org={self.organisation_id}>"


class TokenPurpose(enum.StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105 (a purpose, not a secret)


class AccountToken(db.Model):
    """A single-use e-mailed token; only its SHA-256 is stored."""

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(enum_column(TokenPurpose, "token_purpose"))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<AccountToken {self.id} {self.purpose.value} user={self.user_id}>"
