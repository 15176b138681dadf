"""Pydantic shapes of the kernel's JSON API (request bodies and responses)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from innocore.accounts.addresses import AccountEmail
from innocore.accounts.models import Organisation
from innocore.api.core import Strict
from innocore.vocab import FacilityRoleKind, Locale, OrganisationKind, Position, Technology


class OrganisationOut(BaseModel):
    id: int
    name: str
    kind: OrganisationKind
    country: str
    city: str | None


class MeOut(BaseModel):
    id: int
    name: str
    email: str
    organisation: OrganisationOut
    timezone: str
    locale: Locale
    position: Position | None = None
    is_network_admin: bool
    is_company_admin: bool
    facility_roles: dict[str, list[FacilityRoleKind]]
    has_kiosk_pin: bool = Field(False, description="whether a kiosk PIN is set (never its value)")


class ProfileIn(Strict):
    name: str | None = Field(None, min_length=1, max_length=200)
    timezone: str | None = Field(None, max_length=64)
    locale: Locale | None = None
    # Absent: unchanged; null: "not stated".
    position: Position | None = None


class KioskPinIn(Strict):
    pin: str = Field(
        max_length=8,
        description="4 to 8 digits, typed at a facility kiosk tablet to check in and out; "
        "empty: remove the PIN",
    )


class TokenIn(Strict):
    name: str = Field(min_length=1, max_length=80)


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    token: str | None = Field(
        None, description="The secret; present only in the creation response."
    )


class NotificationOut(BaseModel):
    id: int
    subject: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None
    delivery: str
    kind: str


class NotificationPreferenceOut(BaseModel):
    kind: str
    label: str
    description: str
    mandatory: bool
    email: bool


class NotificationPreferencesIn(Strict):
    """Which optional kinds of e-mail to receive: ``{"reminders": false, ...}``; kinds left out
    keep their setting; mandatory kinds may only be ``true``."""

    email: dict[str, bool] = Field(max_length=20)


class FacilityIn(Strict):
    slug: str = Field(max_length=80)
    name: str = Field(min_length=1, max_length=200)
    institution_id: int
    timezone: str = Field(max_length=64)
    contact_email: AccountEmail
    description: str = Field("", max_length=20000)
    contact_phone: str | None = Field(None, max_length=40)
    location: str | None = Field(None, max_length=200)
    technologies: list[Technology] = Field(default_factory=list, max_length=20)


class FacilityOut(BaseModel):
    id: int
    slug: str
    name: str
    institution: OrganisationOut
    timezone: str
    description: str
    contact_email: str
    contact_phone: str | None
    location: str | None
    technologies: list[Technology]
    url: str


class RoleIn(Strict):
    email: AccountEmail
    role: FacilityRoleKind


class RoleOut(BaseModel):
    id: int
    user_id: int
    name: str
    email: str
    role: FacilityRoleKind
    granted_at: datetime


class LevelOut(BaseModel):
    level: int
    name: str


class CompetenceIn(Strict):
    code: str = Field(max_length=40)
    title: str = Field(min_length=1, max_length=200)
    technology: Technology
    levels: list[str] = Field(min_length=1, max_length=9, description="Level names, level 1 first.")
    description: str = Field("", max_length=20000)
    facility_id: int | None = Field(None, description="Owning facility; empty for network-wide.")
    esco_uri: str | None = Field(None, max_length=300)
    default_validity_months: int | None = None
    lapse_after_days: int | None = None


class CompetenceOut(BaseModel):
    id: int
    code: str
    title: str
    description: str
    technology: Technology
    facility_id: int | None
    levels: list[LevelOut]
    esco_uri: str | None
    default_validity_months: int | None
    lapse_after_days: int | None
    retired: bool


class AuditOut(BaseModel):
    id: int
    occurred_at: datetime
    actor_id: int | None
    actor: str | None
    action: str
    object_type: str
    object_id: str
    facility_id: int | None
    changes: dict


def organisation_json(org: Organisation) -> dict:
    """An organisation as the API shows it (id, name, kind, country, city)."""
    return {
        "id": org.id,
        "name": org.name,
        "kind": org.kind.value,
        "country": org.country,
        "city": org.city,
    }
