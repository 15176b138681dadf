"""Demo services, expertise and a few requests (one quoted, one delivered) for the demo network."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from innocore import clock
from innocore.extensions import db
from innocore.vocab import UserCategory
from instruments.models import Instrument
from instruments.requests import rules, services
from instruments.requests.models import ServiceUnit
from instruments.requests.offerings import ServiceData, add_expertise, create_service

# facility index, name, unit, turnaround days, prices (internal, external academic, industry)
SERVICES = [
    (0, "Confocal imaging of fixed samples", ServiceUnit.SAMPLE, 10, (40, 70, 180)),
    (1, "Cell sorting on request", ServiceUnit.HOUR, 5, (70, 110, 240)),
    (2, "Whole-genome sequencing (30x)", ServiceUnit.SAMPLE, 21, (450, 600, 1200)),
    (3, "Label-free proteomics run", ServiceUnit.SAMPLE, 14, (120, 180, 420)),
    (4, "Single-particle cryo-EM feasibility study", ServiceUnit.PROJECT, 45, (2500, 4000, 9500)),
]
EXPERTISE = [
    (0, "Super-resolution imaging", "Airyscan and structured illumination on fixed cells."),
    (2, "Long-read assembly", "Hybrid assemblies of bacterial genomes."),
    (3, "Quantitative proteomics", "TMT and label-free quantification, PTM enrichment."),
    (4, "Membrane-protein structures", "Sample optimisation for cryo-EM of membrane proteins."),
]


def seed_requests(context: dict) -> None:
    """Services, expertise and two requests (with their notices) of the demo network."""
    facilities, people = context["facilities"], context["people"]
    managers = {0: people[1], 1: people[4], 2: people[5], 3: people[5], 4: people[6]}
    created = []
    for fac, name, unit, days, prices in SERVICES:
        facility = facilities[fac]
        instrument_ids = db.session.scalars(
            sa.select(Instrument.id).where(Instrument.facility_id == facility.id).limit(2)
        ).all()
        created.append(
            create_service(
                managers[fac],
                facility.id,
                ServiceData(
                    name=name,
                    unit=unit,
                    turnaround_days=days,
                    description=f"{name}, performed by the staff of the {facility.name}.",
                    deliverables="Raw data, processed results and a short report.",
                    expertise="Staff scientists with ten years of experience.",
                    prices=dict(zip(UserCategory, (Decimal(p) for p in prices), strict=True)),
                    instrument_ids=list(instrument_ids),
                ),
            )
        )
    for fac, topic, text in EXPERTISE:
        add_expertise(managers[fac], facilities[fac].id, topic=topic, description=text)
    helixa_admin, helixa_scientist = people[9], people[10]
    proteomics = created[3]
    first = services.submit_request(
        helixa_scientist,
        proteomics.facility_id,
        proteomics.id,
        services.RequestInput(
            "Proteome of treated cell lines", "Twelve samples of HepG2 lysate.", samples=12
        ),
    )
    today = clock.now().date()
    lines = rules.draft_lines(
        service_name=proteomics.name,
        unit=proteomics.unit,
        price=proteomics.price_for(first.category),
        samples=12,
    )
    services.issue_quote(
        managers[3],
        first.id,
        lines,
        valid_until_on=today + timedelta(days=30),
        terms="Payment within 30 days of delivery.",
    )
    services.submit_request(
        helixa_admin,
        facilities[4].id,
        None,
        services.RequestInput(
            "Collaboration on a membrane transporter",
            "We would like to explore a joint project on the structure of a transporter.",
        ),
    )
