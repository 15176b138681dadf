"""The demo network: fictional institutions, facilities, companies and a person for every role.

Feature packages add their own demo data through ``register_seeder`` (instruments, training, ...).
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import current_app

from innocore import clock
from innocore.accounts.models import Organisation, User
from innocore.accounts.services import hash_password
from innocore.competences.models import Competence, CompetenceLevel
from innocore.extensions import db
from innocore.facilities.models import Facility, FacilityRole, FacilityTechnology
from innocore.groups import create_group, decide_member
from innocore.vocab import (
    FacilityRoleKind,
    MembershipMethod,
    OrganisationKind,
    OrgRole,
    Position,
    Technology,
)

DEMO_PASSWORD = "demo-InnoCore-2026"  # noqa: S105 (printed for the demo on purpose)

ORGANISATIONS = [
    # name, kind, country, city
    ("University of Valmonte", OrganisationKind.UNIVERSITY, "IT", "Valmonte"),
    (
        "Nordhafen Institute of Life Sciences",
        OrganisationKind.RESEARCH_INSTITUTE,
        "DE",
        "Nordhafen",
    ),
    ("Universidade de Porto Alto", OrganisationKind.UNIVERSITY, "PT", "Porto Alto"),
    ("Helixa Biotech", OrganisationKind.COMPANY, "IT", "Valmonte"),
    ("Cellaris Therapeutics", OrganisationKind.COMPANY, "DE", "Nordhafen"),
]

FACILITIES = [
    # slug, name, institution, zone, technology, location
    (
        "valmonte-light-imaging",
        "Advanced Light Imaging Facility",
        0,
        "Europe/Rome",
        [Technology.LIGHT_MICROSCOPY],
        "Building C, Valmonte",
    ),
    (
        "valmonte-flow",
        "Flow Cytometry Core",
        0,
        "Europe/Rome",
        [Technology.FLOW_CYTOMETRY],
        "Building A, Valmonte",
    ),
    (
        "nordhafen-genomics",
        "Genomics and Sequencing Platform",
        1,
        "Europe/Berlin",
        [Technology.SEQUENCING, Technology.BIOINFORMATICS],
        "Labor 2, Nordhafen",
    ),
    (
        "nordhafen-proteomics",
        "Proteomics and Mass Spectrometry Core",
        1,
        "Europe/Berlin",
        [Technology.MASS_SPECTROMETRY],
        "Labor 4, Nordhafen",
    ),
    (
        "portoalto-cryoem",
        "Cryo-EM Centre",
        2,
        "Europe/Lisbon",
        [Technology.CRYO_EM, Technology.ELECTRON_MICROSCOPY],
        "Edifício B, Porto Alto",
    ),
]

COMPETENCES = [
    ("IMG.CLSM", "Confocal laser scanning microscopy", Technology.LIGHT_MICROSCOPY, 0, 24),
    ("IMG.LASER", "Laser safety for imaging", Technology.LIGHT_MICROSCOPY, None, 36),
    ("FCM.ANALYSER", "Flow cytometry analysis", Technology.FLOW_CYTOMETRY, 1, 24),
    ("FCM.SORT", "Cell sorting", Technology.FLOW_CYTOMETRY, 1, 12),
    ("SEQ.NGS", "Next-generation sequencing library preparation", Technology.SEQUENCING, 2, None),
    ("MS.LCMS", "LC-MS/MS operation", Technology.MASS_SPECTROMETRY, 3, 24),
    ("EM.CRYO", "Cryo-EM grid preparation and screening", Technology.CRYO_EM, 4, 24),
]
LEVELS = ["Assisted use", "Independent use", "Can train others"]

# email, name, organisation index, role description, setter
PEOPLE = [
    ("admin@demo.innocore.test", "Ada Network", 0, "network administrator"),
    ("manager.imaging@demo.innocore.test", "Marco Rossi", 0, "manager, Advanced Light Imaging"),
    ("staff.imaging@demo.innocore.test", "Giulia Bianchi", 0, "staff, Advanced Light Imaging"),
    ("trainer.flow@demo.innocore.test", "Luca Ferri", 0, "trainer, Flow Cytometry Core"),
    ("manager.flow@demo.innocore.test", "Sara Conti", 0, "manager, Flow Cytometry Core"),
    ("manager.genomics@demo.innocore.test", "Jonas Weber", 1, "manager, Genomics (and Proteomics)"),
    ("manager.cryoem@demo.innocore.test", "Inês Costa", 2, "manager, Cryo-EM Centre"),
    ("phd@demo.innocore.test", "Paula Student", 0, "member: PhD student (internal in Valmonte)"),
    (
        "postdoc@demo.innocore.test",
        "Piet Postdoc",
        1,
        "member: postdoc (external academic in Valmonte)",
    ),
    ("admin@helixa.demo.innocore.test", "Hana Helixa", 3, "company administrator, Helixa Biotech"),
    ("scientist@helixa.demo.innocore.test", "Omar Helixa", 3, "member: company scientist"),
    ("admin@cellaris.demo.innocore.test", "Clara Cellaris", 4, "company administrator, Cellaris"),
    (
        "newcomer@demo.innocore.test",
        "Nora Newcomer",
        0,
        "member: claims Valmonte, not yet verified (priced as external until approved)",
    ),
]
UNVERIFIED = {12}  # people whose membership waits for an administrator's approval

ROLES = [  # person index, facility index, role
    (1, 0, FacilityRoleKind.MANAGER),
    (2, 0, FacilityRoleKind.STAFF),
    (2, 0, FacilityRoleKind.TRAINER),
    (4, 1, FacilityRoleKind.MANAGER),
    (3, 1, FacilityRoleKind.TRAINER),
    (5, 2, FacilityRoleKind.MANAGER),
    (5, 3, FacilityRoleKind.MANAGER),
    (6, 4, FacilityRoleKind.MANAGER),
]

Seeder = Callable[[dict], None]


def register_seeder(app, fn: Seeder) -> None:
    """Add demo data of a feature package; ``fn`` receives the kernel objects created here."""
    app.extensions.setdefault("innocore.demo_seeders", []).append(fn)


def demo_accounts() -> list[tuple[str, str]]:
    return [(email, role) for email, _, _, role in PEOPLE]


def seed_demo() -> bool:
    """Create the demo network unless it exists; returns whether it was created."""
    if db.session.scalar(sa.select(User.id).where(User.email == PEOPLE[0][0])) is not None:
        return False
    now = clock.now()
    orgs = [
        Organisation(name=n, kind=k, country=c, city=city, created_at=now)
        for n, k, c, city in ORGANISATIONS
    ]
    db.session.add_all(orgs)
    pw = hash_password(DEMO_PASSWORD)
    people = [
        User(
            email=e,
            name=n,
            organisation=orgs[o],
            password_hash=pw,
            created_at=now,
            email_verified_at=now,
            timezone=_zone(orgs[o]),
        )
        for e, n, o, _ in PEOPLE
    ]
    people[0].is_network_admin = True
    # Positions stated on the profiles (the reports count students, staff and industry by them).
    for i, position in (
        (1, Position.ACADEMIC_STAFF),
        (2, Position.TECHNICAL_STAFF),
        (3, Position.TECHNICAL_STAFF),
        (7, Position.DOCTORAL_CANDIDATE),
        (8, Position.POSTDOC),
        (10, Position.INDUSTRY),
    ):
        people[i].position = position
    people[9].org_role = people[11].org_role = OrgRole.ADMIN
    for i, person in enumerate(people):
        if i not in UNVERIFIED:
            person.membership_verified_at = now
            person.membership_method = (
                MembershipMethod.FOUNDER
                if person.org_role == OrgRole.ADMIN
                else MembershipMethod.INVITATION
                if person.organisation.kind == OrganisationKind.COMPANY
                else MembershipMethod.ADMIN_APPROVAL
            )
    db.session.add_all(people)
    facilities = []
    for slug, name, inst, zone, techs, location in FACILITIES:
        f = Facility(
            slug=slug,
            name=name,
            institution=orgs[inst],
            timezone=zone,
            location=location,
            contact_email=f"{slug}@demo.innocore.test",
            created_at=now,
            description=f"The {name} of {orgs[inst].name} serves researchers across the network "
            "and industry partners with instruments, training and expert services.",
            technology_rows=[FacilityTechnology(technology=t) for t in techs],
        )
        facilities.append(f)
    db.session.add_all(facilities)
    db.session.flush()
    for person, fac, role in ROLES:
        db.session.add(
            FacilityRole(
                facility_id=facilities[fac].id,
                user_id=people[person].id,
                role=role,
                granted_at=now,
                granted_by_id=people[0].id,
            )
        )
    _seed_preferences(people, now)
    competences = []
    for code, title, tech, fac, months in COMPETENCES:
        c = Competence(
            code=code,
            title=title,
            technology=tech,
            created_at=now,
            facility_id=facilities[fac].id if fac is not None else None,
            default_validity_months=months,
            description=f"Operating {title.lower()} equipment safely and to facility standards.",
            levels=[CompetenceLevel(level=i, name=n) for i, n in enumerate(LEVELS, 1)],
        )
        competences.append(c)
    db.session.add_all(competences)
    db.session.flush()
    group, accounts = _seed_group(people, now)
    context = {
        "organisations": orgs,
        "people": people,
        "facilities": facilities,
        "competences": competences,
        "group": group,
        "accounts": accounts,
    }
    for seeder in current_app.extensions.get("innocore.demo_seeders", []):
        seeder(context)
    return True


def _seed_preferences(people: list[User], now) -> None:
    """Omar (a company scientist) wants no reminders and no confirmations of his own bookings
    (his notifications page shows those as not e-mailed); changes by staff still reach him."""
    from innocore.notifications.kinds import BOOKINGS, REMINDERS
    from innocore.notifications.models import NotificationPreference

    omar = next(p for p in people if p.email.startswith("scientist@helixa."))
    db.session.add_all(
        NotificationPreference(user_id=omar.id, kind=k, email=False, updated_at=now)
        for k in (REMINDERS, BOOKINGS)
    )


def _seed_group(people, now):
    """Marco Rossi's lab at Valmonte: Paula is a member, Nora asks to join; a grant with a budget
    and an open cost centre whose charges above 50 EUR wait for Marco's approval."""
    from datetime import date
    from decimal import Decimal

    from innocore.groups import request_to_join
    from innocore.ledger.accounts import AccountInput, AccountKind, create_account

    pi, phd, newcomer = people[1], people[7], people[12]
    group = create_group(pi, "Rossi Imaging Lab")
    request_to_join(phd, group.id)
    decide_member(pi, group.id, phd.id, "approved")
    request_to_join(newcomer, group.id)
    year = now.year
    grant = AccountInput(
        AccountKind.GRANT,
        f"ERC-{year}-STG-1042",
        "ERC Starting Grant LIGHTPATH",
        date(year - 1, 1, 1),
        date(year + 3, 12, 31),
        Decimal("20000"),
        group_id=group.id,
    )
    centre = AccountInput(
        AccountKind.COST_CENTRE,
        "CC-BIO-042",
        "Department core budget",
        date(year, 1, 1),
        approval_threshold=Decimal("50"),  # more than 50 EUR waits for Marco (his approvals)
        group_id=group.id,
    )
    return group, [create_account(pi, grant), create_account(pi, centre)]


def _zone(org: Organisation) -> str:
    return {"IT": "Europe/Rome", "DE": "Europe/Berlin", "PT": "Europe/Lisbon"}.get(
        org.country, "UTC"
    )
