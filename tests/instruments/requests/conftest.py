"""Factories of the service-request tests: services, requests, and a two-company world."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from innocore import clock as clock_module
from innocore.vocab import OrganisationKind, OrgRole, UserCategory
from instruments.requests import rules, services
from instruments.requests.models import ServiceUnit
from instruments.requests.offerings import ServiceData, create_service

PDF = b"%PDF-1.4\n% test\n"


@pytest.fixture
def make_service(db_session, make_facility, make_user, grant):
    def make(facility=None, **kw):
        facility = facility or make_facility()
        manager = kw.pop("manager", None) or make_user(is_network_admin=True)
        prices = kw.pop("prices", {"internal": 10, "external_academic": 20, "industry": 50})
        service = create_service(
            manager,
            facility.id,
            ServiceData(
                name=kw.pop("name", "Proteomics run"),
                unit=kw.pop("unit", ServiceUnit.SAMPLE),
                description="Label-free quantification.",
                turnaround_days=14,
                prices={UserCategory(k): Decimal(v) for k, v in prices.items()},
                **kw,
            ),
        )
        db_session.commit()
        return service

    return make


@pytest.fixture
def world(make_user, make_org, make_facility, grant, make_service):
    """Facility X (with staff) and Y; company A (admin + scientist), company B (admin)."""
    x, y = make_facility(), make_facility()
    company_a = make_org(kind=OrganisationKind.COMPANY, name="Company A")
    company_b = make_org(kind=OrganisationKind.COMPANY, name="Company B")
    people = {
        "x_staff": make_user(),
        "y_staff": make_user(),
        "a_admin": make_user(organisation=company_a, org_role=OrgRole.ADMIN),
        "a_sci": make_user(organisation=company_a),
        "a_sci2": make_user(organisation=company_a),
        "b_admin": make_user(organisation=company_b, org_role=OrgRole.ADMIN),
        "academic": make_user(),
    }
    grant(people["x_staff"], x, "staff")
    grant(people["y_staff"], y, "staff")
    service = make_service(x)
    return {"x": x, "y": y, "service": service, **people}


@pytest.fixture
def submit(db_session):
    def run(user, facility, service=None, **kw):
        data = services.RequestInput(
            title=kw.pop("title", "Proteome of 12 samples"),
            description=kw.pop("description", "HepG2 lysates."),
            samples=kw.pop("samples", 12),
            **kw,
        )
        row = services.submit_request(user, facility.id, service.id if service else None, data)
        db_session.commit()
        return row

    return run


@pytest.fixture
def quote(db_session):
    def run(staff, request, lines=None, valid_days=30, today=None):
        today = today or clock_module.now().date()
        lines = lines or [rules.LineInput("Run", "sample", 12, Decimal("50"))]
        row = services.issue_quote(
            staff, request.id, lines, valid_until_on=today + timedelta(days=valid_days)
        )
        db_session.commit()
        return row

    return run
