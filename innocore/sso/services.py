"""Single sign-on use cases: configure an organisation's provider, sign a person in from the
claims a provider vouched for. Services flush; the boundaries commit."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa

from innocore import audit, clock
from innocore.accounts.membership import record_verified_membership
from innocore.accounts.models import Organisation, User
from innocore.accounts.services import get_user_by_email, hasher
from innocore.db import begin_serialised_write
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db
from innocore.marks import N_
from innocore.permissions import is_network_admin
from innocore.sso import cache
from innocore.sso.models import SsoAssertionUse, SsoConnection, SsoIdentity, SsoProtocol


@dataclass(frozen=True)
class ConnectionData:
    """What a network administrator sets; ``client_secret=None`` keeps the stored one."""

    protocol: SsoProtocol
    issuer: str
    client_id: str = ""
    client_secret: str | None = None
    email_claim: str = "email"
    name_claim: str = "name"
    affiliation_claim: str = ""
    affiliations: str = ""
    local_passwords: bool = True
    enabled: bool = True
    idp_metadata: str = ""
    idp_metadata_url: str = ""


def get_connection(organisation_id: int) -> SsoConnection | None:
    return db.session.scalar(
        sa.select(SsoConnection).where(SsoConnection.organisation_id == organisation_id)
    )


def get_saml_connection_by_issuer(issuer: str) -> SsoConnection | None:
    """The SAML connection whose IdP entity id is ``issuer`` (the first, should two share it)."""
    return db.session.scalar(
        sa.select(SsoConnection)
        .where(SsoConnection.protocol == SsoProtocol.SAML, SsoConnection.issuer == issuer)
        .order_by(SsoConnection.id)
        .limit(1)
    )


def list_connections() -> list[SsoConnection]:
    """Every provider switched on, by organisation name (the sign-in page lists them)."""
    return list(
        db.session.scalars(
            sa.select(SsoConnection)
            .join(SsoConnection.organisation)
            .where(SsoConnection.enabled.is_(True))
            .order_by(Organisation.name)
        )
    )


def enabled_connection(organisation_id: int) -> SsoConnection:
    """``organisation_id``'s provider when it is switched on; else ``NotFound``."""
    row = get_connection(organisation_id)
    if row is None or not row.enabled:
        raise NotFound(N_("This organisation's institutional sign-in is not switched on."))
    return row


def connections_query() -> sa.Select:
    """Every configured provider, switched on or off, by organisation name."""
    return sa.select(SsoConnection).join(SsoConnection.organisation).order_by(Organisation.name)


def organisations_overview(viewer: User) -> list[tuple[Organisation, SsoConnection | None]]:
    """Network administrators: every organisation by name with its provider (or ``None``).
    Raises ``Forbidden`` for anyone else."""
    if not is_network_admin(viewer):
        raise Forbidden(N_("Only network administrators set up institutional sign-in."))
    rows = db.session.execute(
        sa.select(Organisation, SsoConnection)
        .outerjoin(SsoConnection, SsoConnection.organisation_id == Organisation.id)
        .order_by(Organisation.name)
    )
    return [(org, conn) for org, conn in rows]


def _web_address(value: str) -> bool:
    """https; plain http only to a host named in the setting ``SSO_PLAIN_HTTP_HOSTS`` (empty
    by default: a provider's traffic carries sign-in secrets, RFC 6749 section 3.1 and
    SAML2Int ask for TLS)."""
    from flask import current_app

    url = urlsplit(value or "")
    allowed = {h.strip() for h in current_app.config["SSO_PLAIN_HTTP_HOSTS"].split(",")}
    plain = url.scheme == "http" and url.hostname in allowed - {""}
    return bool(url.hostname) and (url.scheme == "https" or plain)


def _provider_problems(data: ConnectionData) -> list[Problem]:
    """OpenID Connect, when switched on: the issuer must publish its discovery document, naming
    itself (OpenID Connect Discovery 1.0 section 4); otherwise the sign-in button would only
    fail."""
    if data.protocol != SsoProtocol.OIDC or not data.enabled:
        return []
    from innocore.sso.oidc import discover

    try:
        discover(data.issuer)
    except DomainError:
        msg = N_(
            "The provider does not answer at this issuer address; check it, or save the "
            "set-up switched off until the provider is ready."
        )
        return [Problem("unreachable_provider", msg, "issuer")]
    return []


def _problems(data: ConnectionData) -> list[Problem]:
    problems = []
    if not _web_address(data.issuer):
        msg = N_("Give the provider's https address (its issuer or entity id).")
        problems.append(Problem("invalid_issuer", msg, "issuer"))
    else:
        problems += _provider_problems(data)
    if data.protocol == SsoProtocol.OIDC and not data.client_id.strip():
        problems.append(
            Problem("missing", N_("Give the client id the provider issued."), "client_id")
        )
    if data.protocol == SsoProtocol.SAML:
        problems += _metadata_problems(data)
    return problems


def _metadata_problems(data: ConnectionData) -> list[Problem]:
    """SAML: the IdP metadata (pasted, or fetched now from ``idp_metadata_url``) must be XML
    describing ``issuer`` (its entity id)."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    field, xml = "idp_metadata", data.idp_metadata
    if data.idp_metadata_url:
        field = "idp_metadata_url"
        if not _web_address(data.idp_metadata_url):
            return [Problem("invalid_url", N_("Give the metadata's https address."), field)]
        try:
            xml = cache.document(data.idp_metadata_url, refresh=True)
        except DomainError:
            msg = N_("The metadata address does not answer; check it, or paste the XML instead.")
            return [Problem("unreachable_metadata", msg, field)]
    try:
        root = fromstring(xml or "")
    except (ParseError, DefusedXmlException):
        msg = N_("Give the IdP's SAML metadata: its address, or paste the XML.")
        return [Problem("invalid_metadata", msg, field)]
    ids = {root.get("entityID")} | {e.get("entityID") for e in root.iter() if e.get("entityID")}
    if data.issuer not in ids:
        msg = N_("The metadata does not describe this entity id; check the issuer.")
        return [Problem("invalid_metadata", msg, field)]
    return []


def save_connection(actor: User, organisation_id: int, data: ConnectionData) -> SsoConnection:
    """Create or change ``organisation_id``'s provider. Raises ``Forbidden`` (not a network
    administrator), ``NotFound`` (no such organisation), ``DomainError`` (invalid issuer, no
    client id). Audited without the secret."""
    if not is_network_admin(actor):
        raise Forbidden(N_("Only network administrators set up institutional sign-in."))
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(N_("No such organisation."))
    if problems := _problems(data):
        raise DomainError(problems)
    now = clock.now()
    row = get_connection(organisation_id) or SsoConnection(
        organisation_id=organisation_id, created_at=now
    )
    for name in (
        "protocol",
        "issuer",
        "client_id",
        "email_claim",
        "name_claim",
        "affiliation_claim",
        "affiliations",
        "local_passwords",
        "enabled",
        "idp_metadata",
        "idp_metadata_url",
    ):
        setattr(row, name, getattr(data, name))
    if data.client_secret is not None:
        row.client_secret = data.client_secret
    row.updated_at = now
    db.session.add(row)
    db.session.flush()
    changes = {
        "issuer": [None, row.issuer],
        "local_passwords": [None, row.local_passwords],
        "enabled": [None, row.enabled],
    }
    audit.record(actor, "sso.configured", row, changes, organisation_id=organisation_id)
    return row


def _claim(claims: dict, name: str) -> str:
    value = claims.get(name) if name else None
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    return str(value).strip() if value is not None else ""


def _refused(message: str) -> DomainError:
    return DomainError(Problem("sso_refused", message, None), status=401)


def sign_in(connection: SsoConnection, subject: str, claims: dict) -> User:
    """The account for a person the provider vouched for (claims already verified: signature,
    issuer, audience, expiry, nonce). Links the identity to the account with the same e-mail
    in the connection's organisation,
    else creates a verified account in the organisation; records the verified membership
    (``accounts.membership``). Raises ``DomainError`` 401 when the provider gives no verified
    e-mail or an affiliation outside the ones that count, when the account with that e-mail
    belongs to another organisation, or the account is disabled."""
    email = _claim(claims, connection.email_claim).lower()
    if not email or "@" not in email or claims.get("email_verified") is False:
        raise _refused(N_("Your institution did not give a verified e-mail address."))
    affiliation = _claim(claims, connection.affiliation_claim)
    wanted = {a.strip().lower() for a in connection.affiliations.split(",") if a.strip()}
    held = {a.split("@")[0].lower() for a in affiliation.split()}
    if wanted and not wanted & held:
        raise _refused(
            N_("Your institution's account does not show a membership that counts here.")
        )
    begin_serialised_write(db.session())  # a GET that writes (the provider's redirect)
    identity = db.session.scalar(
        sa.select(SsoIdentity).where(
            SsoIdentity.connection_id == connection.id, SsoIdentity.subject == subject[:255]
        )
    )
    user = identity.user if identity else get_user_by_email(email)
    if identity is None and user is not None and user.organisation_id != connection.organisation_id:
        # An identity provider speaks for its own organisation's accounts only: linking another
        # organisation's account on its word would let it take that account over.
        raise _refused(
            N_(
                "An account with this e-mail belongs to another organisation: sign in with its "
                "password, or ask the network administrators to move it."
            )
        )
    now = clock.now()
    if user is None:
        user = _new_user(connection, email, _claim(claims, connection.name_claim) or email)
    if not user.active:
        raise _refused(N_("This account is disabled."))
    if user.email_verified_at is None:
        user.email_verified_at = now  # the provider verified the address
    if identity is None:
        identity = SsoIdentity(connection_id=connection.id, subject=subject[:255], user=user)
        db.session.add(identity)
    identity.affiliation, identity.verified_at = affiliation[:500], now
    user.last_login_at = now
    source = f"{connection.protocol.value} {connection.issuer}"
    record_verified_membership(
        user, connection.organisation, source=source, affiliation=affiliation
    )
    return user


def _new_user(connection: SsoConnection, email: str, name: str) -> User:
    # No usable password: a random one nobody knows (the person may set one by reset).
    user = User(
        email=email[:254],
        name=name[:200],
        organisation_id=connection.organisation_id,
        password_hash=hasher().hash(secrets.token_urlsafe(24)),
        created_at=clock.now(),
        email_verified_at=clock.now(),
        timezone="UTC",
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        user, "user.created_by_sso", user, {"organisation_id": [None, user.organisation_id]}
    )
    return user


def consume_response(connection: SsoConnection, response_id: str) -> None:
    """Mark a SAML response used; one seen before is a replay: ``DomainError`` 401."""
    seen = db.session.scalar(
        sa.select(SsoAssertionUse.id).where(SsoAssertionUse.response_id == response_id[:200])
    )
    if seen is not None or not response_id:
        raise _refused(N_("This sign-in was already used."))
    use = SsoAssertionUse(
        response_id=response_id[:200], connection_id=connection.id, consumed_at=clock.now()
    )
    db.session.add(use)
    db.session.flush()  # the unique index refuses a concurrent replay


def password_sign_in_allowed(user: User) -> bool:
    """False when the person's organisation switched local passwords off (its provider only)."""
    row = get_connection(user.organisation_id)
    return row is None or not row.enabled or row.local_passwords


def verified_organisation_ids(user: User) -> set[int]:
    """The organisations whose providers verified ``user`` (pricing reads membership here)."""
    return set(
        db.session.scalars(
            sa.select(SsoConnection.organisation_id)
            .join(SsoIdentity, SsoIdentity.connection_id == SsoConnection.id)
            .where(SsoIdentity.user_id == user.id)
        )
    )


# SAML responses older than this are refused by their issue instant (pysaml2 accepts an
# IssueInstant within a day, plus the leeway), so the record of their use can go.
REPLAY_MEMORY = timedelta(days=2)


def prune_assertion_uses() -> int:
    """Scheduled job ``sso_prune_assertions``: forget SAML responses consumed more than
    ``REPLAY_MEMORY`` (2 days) ago; a replay of one is refused by its age by then. Returns the
    number of records deleted."""
    cutoff = clock.now() - REPLAY_MEMORY
    stale = sa.delete(SsoAssertionUse).where(SsoAssertionUse.consumed_at < cutoff)
    return db.session.execute(stale).rowcount or 0


def reseal_client_secrets() -> int:
    """Seal every stored client secret again under the key file's newest key (for a key
    rotation); returns how many were sealed again. Raises ``DomainError`` 502 when one cannot
    be opened by any key."""
    from innocore.sso.vault import reseal

    count = 0
    for row in db.session.scalars(sa.select(SsoConnection).order_by(SsoConnection.id)):
        if row.sealed_secret:
            row.sealed_secret = reseal(row.sealed_secret)
            count += 1
    db.session.flush()
    return count
