"""An organisation's institutional sign-in through /api/v1 (network administrators)."""

from __future__ import annotations

from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field

from innocore.api.core import api_blueprint, operation, paginated
from innocore.errors import NotFound
from innocore.extensions import db
from innocore.permissions import is_network_admin
from innocore.sso import services
from innocore.sso.models import SsoProtocol

bp = api_blueprint("sso_api", __name__, "/organisations")


class SsoConnectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    protocol: SsoProtocol = SsoProtocol.OIDC
    issuer: str = Field(..., min_length=1, max_length=500)
    client_id: str = Field("", max_length=200, description="OpenID Connect")
    client_secret: str | None = Field(
        None, max_length=500, description="omit to keep; stored encrypted, never returned"
    )
    email_claim: str = Field("email", min_length=1, max_length=100)
    name_claim: str = Field("name", min_length=1, max_length=100)
    affiliation_claim: str = Field("", max_length=100)
    affiliations: str = Field("", max_length=500)
    local_passwords: bool = True
    enabled: bool = Field(True, description="false: no sign-in button, passwords keep working")
    idp_metadata: str = Field("", max_length=200_000, description="SAML: the IdP's metadata XML")
    idp_metadata_url: str = Field(
        "", max_length=1000, description="SAML: where the IdP publishes its metadata (https)"
    )


class SsoConnectionOut(BaseModel):
    organisation_id: int
    protocol: SsoProtocol
    issuer: str
    client_id: str
    client_secret_set: bool
    email_claim: str
    name_claim: str
    affiliation_claim: str
    affiliations: str
    local_passwords: bool
    enabled: bool
    idp_metadata: str
    idp_metadata_url: str
    login_url: str
    saml_metadata_url: str


def connection_json(c) -> dict:
    from innocore.links import absolute_url

    return {
        "organisation_id": c.organisation_id,
        "protocol": c.protocol.value,
        "issuer": c.issuer,
        "client_id": c.client_id,
        "client_secret_set": c.has_client_secret,
        "email_claim": c.email_claim,
        "name_claim": c.name_claim,
        "affiliation_claim": c.affiliation_claim,
        "affiliations": c.affiliations,
        "local_passwords": c.local_passwords,
        "enabled": c.enabled,
        "idp_metadata": c.idp_metadata,
        "idp_metadata_url": c.idp_metadata_url,
        "login_url": absolute_url("sso.login", organisation_id=c.organisation_id),
        "saml_metadata_url": absolute_url("sso.saml_metadata"),
    }


def _admin(user, **_) -> bool:
    return is_network_admin(user)


@operation(
    bp,
    "/sso",
    "GET",
    summary="Every organisation's sign-in provider (switched on or off)",
    tags=["sign-in"],
    paginated=True,
    response=SsoConnectionOut,
    permission=_admin,
)
def list_sso():
    return paginated(services.connections_query(), connection_json)


@operation(
    bp,
    "/<int:organisation_id>/sso",
    "GET",
    summary="An organisation's sign-in provider",
    tags=["sign-in"],
    response=SsoConnectionOut,
    permission=_admin,
)
def get_sso(organisation_id: int):
    row = services.get_connection(organisation_id)
    if row is None:
        raise NotFound("This organisation has no institutional sign-in.")
    return connection_json(row)


@operation(
    bp,
    "/<int:organisation_id>/sso",
    "PUT",
    summary="Set an organisation's sign-in provider",
    tags=["sign-in"],
    body=SsoConnectionIn,
    response=SsoConnectionOut,
    permission=_admin,
)
def put_sso(organisation_id: int, body: SsoConnectionIn):
    row = services.save_connection(
        current_user, organisation_id, services.ConnectionData(**body.model_dump())
    )
    db.session.commit()
    return connection_json(row)
