"""Import every kernel model so metadata (and Alembic) sees all kernel tables."""

from innocore.accounts.models import AccountToken, Organisation, OrganisationDomain, User  # noqa: F401
from innocore.accounts.tokens import ApiToken  # noqa: F401
from innocore.audit import AuditEvent  # noqa: F401
from innocore.competences.models import Competence, CompetenceLevel  # noqa: F401
from innocore.facilities.models import Facility, FacilityRole, FacilityTechnology  # noqa: F401
from innocore.groups import GroupMembership, ResearchGroup  # noqa: F401, E402
from innocore.leases import JobLease  # noqa: F401
from innocore.ledger.accounts import BillingAccount  # noqa: F401, E402
from innocore.notifications.models import Notification, NotificationPreference  # noqa: F401
from innocore.sso.models import (  # noqa: F401
    SsoAssertionUse,
    SsoConnection,
    SsoIdentity,
    SsoProviderDocument,
)
