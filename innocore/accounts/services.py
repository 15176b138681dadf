"""Account use cases: register, verify, authenticate, reset and change passwords, edit profile."""

from __future__ import annotations

import secrets
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import lazy_gettext as _l

from innocore import audit, clock
from innocore.accounts.models import AccountToken, Organisation, TokenPurpose, User
from innocore.accounts.rules import password_problems
from innocore.db import begin_serialised_write
from innocore.errors import DomainError, Problem
from innocore.extensions import db
from innocore.links import absolute_url
from innocore.marks import N_, T_
from innocore.notifications import kinds
from innocore.notifications.services import queue_email
from innocore.secret_links import digest
from innocore.vocab import MembershipMethod, OrganisationKind, OrgRole

# Hashing a throw-away password keeps the time of a login for an unknown e-mail the same.
_DUMMY_HASH: list[str] = []


def hasher() -> PasswordHasher:
    """Argon2id at the library's recommended cost (RFC 9106's second choice)."""
    return PasswordHasher()


def hash_password(password: str) -> str:
    return hasher().hash(password)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(
        sa.select(User).where(sa.func.lower(User.email) == normalise_email(email))
    )


@dataclass
class NewOrganisation:
    name: str
    kind: OrganisationKind
    country: str
    city: str | None = None


def get_or_create_organisation(new: NewOrganisation) -> tuple[Organisation, bool]:
    """Organisation names are unique regardless of case; an existing one is reused."""
    name = " ".join(new.name.split())
    org = db.session.scalar(
        sa.select(Organisation).where(sa.func.lower(Organisation.name) == name.lower())
    )
    if org is not None:
        return org, False
    org = Organisation(
        name=name, kind=new.kind, country=new.country.upper(), city=new.city, created_at=clock.now()
    )
    db.session.add(org)
    return org, True


def register(
    *,
    name: str,
    email: str,
    password: str,
    organisation: Organisation | NewOrganisation,
    timezone: str = "UTC",
) -> User:
    """Create an unverified account and e-mail a verification link.

    The person only *claims* an existing institution: the membership is verified later (e-mail
    domain, administrator's approval; see ``innocore.membership.membership``), until then they are
    external. An existing company is refused (``company_needs_invitation``): companies admit people
    by invitation only. The first person to register a new company becomes its administrator.
    """
    email = normalise_email(email)
    problems = password_problems(password, email=email, name=name)
    if isinstance(organisation, Organisation) and organisation.kind == OrganisationKind.COMPANY:
        problems.append(
            Problem(
                "company_needs_invitation",
                T_(
                    "%(organisation_name)s admits people by invitation only: ask its "
                    "administrator for an invitation, or register with your own organisation.",
                    organisation_name=organisation.name,
                ),
                "organisation",
            )
        )
    if get_user_by_email(email) is not None:
        problems.append(
            Problem("email_taken", N_("An account with this e-mail already exists."), "email")
        )
    if problems:
        raise DomainError(problems)
    created = False
    if isinstance(organisation, NewOrganisation):
        organisation, created = get_or_create_organisation(organisation)
        if not created and organisation.kind == OrganisationKind.COMPANY:
            raise DomainError(
                Problem(
                    "company_needs_invitation",
                    T_(
                        "%(organisation_name)s already has an account and admits people by "
                        "invitation only: ask its administrator for an invitation.",
                        organisation_name=organisation.name,
                    ),
                    "new_org_name",
                )
            )
    role = (
        OrgRole.ADMIN
        if created and organisation.kind == OrganisationKind.COMPANY
        else OrgRole.MEMBER
    )
    user = User(
        name=" ".join(name.split()),
        email=email,
        password_hash=hash_password(password),
        organisation=organisation,
        org_role=role,
        timezone=timezone,
        created_at=clock.now(),
    )
    if role == OrgRole.ADMIN:  # founded the company account
        user.membership_verified_at = user.created_at
        user.membership_method = MembershipMethod.FOUNDER
    db.session.add(user)
    db.session.flush()
    audit.record(
        user, "user.registered", user, audit.snapshot(user), organisation_id=organisation.id
    )
    send_verification(user)
    return user


def _issue_token(user: User, purpose: TokenPurpose, hours: int) -> str:
    raw = secrets.token_urlsafe(32)
    now = clock.now()
    db.session.add(
        AccountToken(
            user=user,
            purpose=purpose,
            token_hash=digest(raw),
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    return raw


def send_verification(user: User) -> None:
    raw = _issue_token(user, TokenPurpose.VERIFY_EMAIL, current_app.config["TOKEN_HOURS_VERIFY"])
    link = absolute_url("accounts.verify_email", token=raw)
    queue_email(
        user,
        _l("Confirm your e-mail address"),
        "verify_email",
        kind=kinds.SECURITY,
        link=link,
        hours=current_app.config["TOKEN_HOURS_VERIFY"],
    )


def consume_token(raw: str, purpose: TokenPurpose) -> User:
    """Use a single-use token once; expired, used or unknown tokens are refused plainly."""
    token = db.session.scalar(
        sa.select(AccountToken)
        .where(AccountToken.token_hash == digest(raw or ""), AccountToken.purpose == purpose)
        .with_for_update()
    )
    now = clock.now()
    if token is None:
        raise DomainError(
            Problem("token_invalid", N_("This link is not valid. Ask for a new one."))
        )
    if token.used_at is not None:
        raise DomainError(
            Problem("token_used", N_("This link was already used. Ask for a new one."))
        )
    if token.expires_at <= now:
        raise DomainError(Problem("token_expired", N_("This link has expired. Ask for a new one.")))
    # Compare-and-set: of two simultaneous uses only one wins.
    won = db.session.execute(
        sa.update(AccountToken)
        .where(AccountToken.id == token.id, AccountToken.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if won != 1:
        raise DomainError(
            Problem("token_used", N_("This link was already used. Ask for a new one."))
        )
    return token.user


def verify_email(raw: str) -> User:
    user = consume_token(raw, TokenPurpose.VERIFY_EMAIL)
    if user.email_verified_at is None:
        user.email_verified_at = clock.now()
        audit.record(user, "user.email_verified", user, {"email_verified_at": [None, "now"]})
    from innocore.accounts.membership import verify_by_domain

    verify_by_domain(user)
    return user


def _local_passwords_allowed(user: User) -> bool:
    """False when the person's organisation switched local passwords off (its provider only,
    while that provider is switched on). The ``sso_connection`` table (``innocore.sso``) is read
    by name: single sign-on builds on accounts, so accounts do not import it."""
    conn = db.metadata.tables["sso_connection"]
    allowed = db.session.scalar(
        sa.select(conn.c.local_passwords).where(
            conn.c.organisation_id == user.organisation_id, conn.c.enabled.is_(True)
        )
    )
    return allowed is None or bool(allowed)


def authenticate(email: str, password: str) -> User:
    """The user with these credentials, or a DomainError that does not reveal which part was wrong."""
    user = get_user_by_email(email or "")
    ph = hasher()
    wrong = DomainError(
        Problem("login_failed", N_("Wrong e-mail or password."), "password"), status=401
    )
    if user is None:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(ph.hash(secrets.token_hex(8)))
        with suppress(VerificationError, InvalidHashError):
            ph.verify(_DUMMY_HASH[0], password or "x")
        raise wrong
    try:
        ph.verify(user.password_hash, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise wrong from None
    if not user.active:
        raise DomainError(
            Problem("account_disabled", N_("This account is disabled."), "email"), status=403
        )
    if user.email_verified_at is None:
        raise DomainError(
            Problem(
                "email_unverified",
                N_("Please confirm your e-mail address first: we sent you a link."),
                "email",
            ),
            status=403,
        )
    if not _local_passwords_allowed(user):
        msg = T_(
            "%(organisation_name)s signs its members in with its own account: use the button below.",
            organisation_name=user.organisation.name,
        )
        raise DomainError(Problem("sso_required", msg, "email"), status=403)
    begin_serialised_write(db.session())  # after the slow check: SQLite's lock is not held in it
    if ph.check_needs_rehash(user.password_hash):
        user.password_hash = ph.hash(password)
    user.last_login_at = clock.now()
    return user


def request_password_reset(email: str) -> None:
    """E-mail a reset link if the account exists; say the same either way (no account probing)."""
    user = get_user_by_email(email or "")
    if user is None or not user.active:
        return
    hours = current_app.config["TOKEN_HOURS_RESET"]
    raw = _issue_token(user, TokenPurpose.RESET_PASSWORD, hours)
    queue_email(
        user,
        _l("Reset your InnoCore password"),
        "reset_password",
        kind=kinds.SECURITY,
        link=absolute_url("accounts.reset_password", token=raw),
        hours=hours,
    )


def reset_password(raw: str, new_password: str) -> User:
    # Check the password before spending the token, so a weak choice does not burn the link.
    token = db.session.scalar(
        sa.select(AccountToken).where(AccountToken.token_hash == digest(raw or ""))
    )
    if token is not None:
        problems = password_problems(new_password, email=token.user.email, name=token.user.name)
        if problems:
            raise DomainError(problems)
    user = consume_token(raw, TokenPurpose.RESET_PASSWORD)
    _set_password(user, new_password, action="user.password_reset")
    if user.email_verified_at is None:  # the link proved the address
        user.email_verified_at = clock.now()
        from innocore.accounts.membership import verify_by_domain

        verify_by_domain(user)
    return user


def change_password(user: User, current: str, new_password: str) -> None:
    try:
        hasher().verify(user.password_hash, current or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise DomainError(
            Problem(
                "wrong_password", N_("Your current password is not correct."), "current_password"
            )
        ) from None
    problems = password_problems(new_password, email=user.email, name=user.name)
    if problems:
        raise DomainError([Problem(p.code, p.message, "new_password") for p in problems])
    _set_password(user, new_password, action="user.password_changed")


def _set_password(user: User, password: str, *, action: str) -> None:
    user.password_hash = hash_password(password)
    user.session_epoch += 1  # every other session of this account is signed out
    audit.record(
        user, action, user, {"session_epoch": [user.session_epoch - 1, user.session_epoch]}
    )


KIOSK_PIN_LENGTHS = (4, 8)


def set_kiosk_pin(user: User, pin: str | None) -> None:
    """Set (or, with an empty ``pin``, remove) the person's kiosk PIN: 4 to 8 digits, stored as
    an Argon2id hash, never shown again. Raises ``DomainError`` (``invalid_pin``). Audited without
    the value (``user.kiosk_pin_set`` / ``user.kiosk_pin_removed``)."""
    pin = (pin or "").strip()
    if not pin:
        if user.kiosk_pin_hash is not None:
            user.kiosk_pin_hash = None
            audit.record(user, "user.kiosk_pin_removed", user)
        return
    low, high = KIOSK_PIN_LENGTHS
    if not (pin.isascii() and pin.isdigit() and low <= len(pin) <= high):
        raise DomainError(
            Problem(
                "invalid_pin",
                T_("A kiosk PIN has %(low)s to %(high)s digits.", low=low, high=high),
                "pin",
            )
        )
    user.kiosk_pin_hash = hash_password(pin)
    audit.record(user, "user.kiosk_pin_set", user)


def kiosk_pin_matches(user: User, pin: str | None) -> bool:
    """Whether ``pin`` is the person's kiosk PIN (False when they have none)."""
    if user.kiosk_pin_hash is None or not pin or len(pin) > 32:
        return False
    try:
        return hasher().verify(user.kiosk_pin_hash, pin)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


_KEEP = object()


def update_profile(user: User, *, name: str, timezone: str, locale, position=_KEEP) -> dict:
    """Set the profile's name, time zone, language and (when given) position (a
    :class:`innocore.vocab.Position` or ``None`` for "not stated"); audited as
    ``user.profile_updated`` with the changes, which are returned."""
    user.name = " ".join(name.split())
    user.timezone = timezone
    user.locale = locale
    if position is not _KEEP:
        user.position = position
    changes = audit.changes_of(user)
    if changes:
        audit.record(user, "user.profile_updated", user, changes)
    return changes


def load_user_from_session_id(value: str) -> User | None:
    """Flask-Login loader: ``<id>:<epoch>``; a stale epoch (password changed) signs the session out."""
    try:
        user_id, epoch = (int(part) for part in value.split(":"))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_epoch != epoch or not user.active:
        return None
    return user
