"""Training, certificate and knowledge-transfer report figures on known data, worked out by hand.

The clock reads 15 November 2026; the period is October 2026 in Europe/Rome.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

import pytest

from innocore.vocab import OrganisationKind, OrgRole, UserCategory
from training.certification.models import Certificate, CertificateBasis, CertificateStatus
from training.models import (
    Assessment,
    AssessmentOutcome,
    Enrolment,
    EnrolmentStatus,
    SessionStatus,
)
from training.paths.models import AwardMode, AwardStatus, PathAward, QualificationPath

ROME = ZoneInfo("Europe/Rome")
PERIOD = "from=2026-10-01&to=2026-10-31"
NOW = datetime(2026, 11, 15, 9, tzinfo=UTC)
_n = count()


def rome(m, d, h=9):
    return datetime(2026, m, d, h, tzinfo=ROME).astimezone(UTC)


@pytest.fixture
def world(db_session, clock, make_org, make_user, make_facility, make_module, make_session, grant):
    clock.set(NOW)
    uni, other_uni = make_org(name="Rome University"), make_org(name="Milan University")
    acme = make_org(name="Acme Bio", kind=OrganisationKind.COMPANY)
    facility = make_facility(institution=uni, timezone="Europe/Rome", name="Imaging Rome")
    make_facility(institution=other_uni, name="Milan Imaging")
    m1 = make_module(facility, title="Confocal basics", ects=Decimal("2.0"))
    m2 = make_module(facility, title="Light sheet", ects=Decimal("1.5"))
    trainer = make_user()
    grant(trainer, facility, "trainer")

    def session(module, start, capacity, **kw):
        return make_session(
            module=module,
            facility=facility,
            capacity=capacity,
            trainers=[trainer],
            starts_at=start,
            enrol_opens_at=start - timedelta(days=30),
            **kw,
        )

    s1 = session(m1, rome(10, 5), 10)
    session(m1, rome(10, 12), 5, status=SessionStatus.CANCELLED)
    s3 = session(m2, rome(10, 20), 4)
    session(m1, rome(11, 3), 8)  # November: outside the period
    p = {
        "i1": make_user(organisation=uni, name="Ida Internal"),
        "c1": make_user(organisation=acme, name="Carl Company"),
        "x1": make_user(organisation=other_uni, name="Xena External"),
        "admin": make_user(is_network_admin=True),
        "manager": make_user(),
        "company_admin": make_user(organisation=acme, org_role=OrgRole.ADMIN),
    }
    grant(p["manager"], facility, "manager")
    cat = {
        "i1": UserCategory.INTERNAL,
        "c1": UserCategory.INDUSTRY,
        "x1": UserCategory.EXTERNAL_ACADEMIC,
    }

    def enrol(sess, who, status):
        user = p[who] if who in p else make_user(organisation=uni)
        e = Enrolment(
            session_id=sess.id,
            user_id=user.id,
            status=status,
            enrolled_by_id=user.id,
            created_at=NOW,
            fee_category=cat.get(who, UserCategory.INTERNAL),
            fee_amount=Decimal(0),
        )
        db_session.add(e)
        db_session.flush()
        return e

    def assess(e, module, outcome):
        db_session.add(
            Assessment(
                enrolment_id=e.id,
                user_id=e.user_id,
                module_id=module.id,
                competence_id=module.competence_id,
                outcome=outcome,
                level_reached=2 if outcome == AssessmentOutcome.PASSED else None,
                recorded_by_id=trainer.id,
                recorded_at=rome(10, 28),
            )
        )

    assess(enrol(s1, "i1", EnrolmentStatus.COMPLETED), m1, AssessmentOutcome.PASSED)
    assess(enrol(s1, "c1", EnrolmentStatus.COMPLETED), m1, AssessmentOutcome.PASSED)
    assess(enrol(s1, "x1", EnrolmentStatus.COMPLETED), m1, AssessmentOutcome.FAILED)
    enrol(s1, "i2", EnrolmentStatus.ENROLLED)
    enrol(s1, "i3", EnrolmentStatus.WAITLISTED)
    enrol(s1, "i4", EnrolmentStatus.WITHDRAWN)
    assess(enrol(s3, "i1", EnrolmentStatus.COMPLETED), m2, AssessmentOutcome.PASSED)
    enrol(s3, "i5", EnrolmentStatus.ENROLLED)
    enrol(s3, "i6", EnrolmentStatus.OFFERED)

    def cert(holder, module, issued, valid_until=None, **kw):
        c = Certificate(
            public_id=f"rep{next(_n)}",
            holder_id=holder.id,
            competence_id=module.competence_id,
            level=2,
            module_id=module.id,
            basis=CertificateBasis.ASSESSMENT,
            facility_id=facility.id,
            issued_at=issued,
            valid_until=valid_until,
            issuer_key="test-reports",
            status_index=next(_n),
            **kw,
        )
        db_session.add(c)
        db_session.flush()
        return c

    first = cert(p["i1"], m1, rome(10, 10))
    cert(p["c1"], m1, rome(10, 11), status=CertificateStatus.REVOKED, revoked_at=rome(10, 25))
    cert(p["i1"], m1, rome(10, 20), NOW + timedelta(days=30), replaces_id=first.id)
    cert(p["x1"], m2, rome(9, 20), NOW + timedelta(days=100))  # September, expires after 90 days
    path = QualificationPath(
        code=f"P{next(_n)}",
        title="Imaging",
        requirements={},
        award_mode=AwardMode.AUTOMATIC,
        created_at=NOW,
        updated_at=NOW,
    )
    db_session.add(path)
    db_session.flush()
    for who, status, at in (
        ("i1", AwardStatus.AWARDED, rome(10, 15)),
        ("c1", AwardStatus.PENDING, rome(10, 16)),
        ("x1", AwardStatus.AWARDED, rome(9, 15)),
    ):
        db_session.add(
            PathAward(path_id=path.id, user_id=p[who].id, status=status, completed_at=at)
        )
    db_session.commit()
    return {"facility": facility, "acme": acme, **p}


def by_key(body):
    return {s["key"]: s for s in body["sections"]}


def figures(section):
    return {f["label"]: f["value"] for f in section["figures"]}


def rows(section, title):
    return {r[0]: r[1:] for t in section["tables"] if t["title"] == title for r in t["rows"]}


def test_facility_training_and_certificates(world, client, api_headers):
    r = client.get(
        f"/api/v1/reports/facilities/{world['facility'].id}?{PERIOD}",
        headers=api_headers(world["manager"]),
    )
    s = by_key(r.json)
    # Three sessions start in October, one cancelled: seats 10 + 4 = 14; taken 4 + 2 = 6 (43 %);
    # waiting: one waitlisted, one holding an offer. Assessments: 3 passed of 4.
    assert figures(s["training"]) == {
        "Sessions": 3,
        "Cancelled sessions": 1,
        "Seats offered": 14,
        "Seats taken": 6,
        "Fill rate": "42.9 %",
        "On waiting lists": 2,
        "Assessments": 4,
        "Pass rate": "75.0 %",
    }
    per = rows(s["training"], "Training by module")
    assert per["Confocal basics"] == [2, 1, 10, 4, 1, 40.0, 3, 66.7]
    assert per["Light sheet"] == [1, 0, 4, 2, 1, 50.0, 1, 100.0]
    # Issued in October: three (a renewal among them); revoked: one; the renewal ends in 30 days.
    # ECTS: the two first certificates of the 2-ECTS module (the renewal is not counted again).
    assert figures(s["certificates"]) == {
        "Certificates issued": 3,
        "Certificates revoked": 1,
        "Active certificates expiring in the next 90 days": 1,
        "ECTS awarded": "4.0",
    }


def test_network_knowledge_transfer(world, client, api_headers):
    r = client.get(f"/api/v1/reports/network?{PERIOD}", headers=api_headers(world["admin"]))
    assert r.status_code == 200, r.json
    s = by_key(r.json)
    side = rows(s["training_by_facility"], "Training by facility")
    assert side["Imaging Rome"] == [3, 14, 6, 42.9, 2, 75.0, 3, 1, 1]
    assert side["Milan Imaging"] == [0, 0, 0, None, 0, None, 0, 0, 0]
    kt = s["knowledge_transfer"]
    # Trained (completed): Ida (internal), Carl (industry), Xena (external academic).
    # Certified in October: Ida (twice, one person) and Carl. Carl's company is the one trained;
    # Carl and Xena trained at a facility of another institution. One path award in October.
    assert rows(kt, "People trained and certified by category") == {
        "Internal": [1, 1],
        "External academic": [1, 0],
        "Industry": [1, 1],
    }
    assert figures(kt) == {
        "Companies whose people were trained": 1,
        "People trained at another institution's facility": 2,
        "Qualification-path completions": 1,
        "ECTS awarded": "4.0",
    }
    narrowed = client.get(
        f"/api/v1/reports/network?{PERIOD}&facility={world['facility'].id}",
        headers=api_headers(world["admin"]),
    )
    assert list(rows(by_key(narrowed.json)["training_by_facility"], "Training by facility")) == [
        "Imaging Rome"
    ]


def test_company_sees_its_people_training(world, client, api_headers):
    r = client.get(
        f"/api/v1/reports/companies/{world['acme'].id}?{PERIOD}",
        headers=api_headers(world["company_admin"]),
    )
    s = by_key(r.json)
    assert rows(s["training"], "By person") == {"Carl Company": [1, 1, 1, 0]}
    assert figures(s["training"])["ECTS awarded"] == "2.0"


def test_network_report_runs_the_same_queries_at_any_size(
    world, client, api_headers, count_queries, make_user, db_session
):
    headers = api_headers(world["admin"])
    url = f"/api/v1/reports/network?{PERIOD}"

    def measure():
        with count_queries() as q:
            assert client.get(url, headers=headers).status_code == 200
        return q.count

    measure()
    db_session.commit()
    before = measure()
    for _ in range(5):
        make_user(organisation=world["acme"])
    db_session.commit()
    assert measure() == before


def test_network_counts_people_by_position_and_facility(world, client, api_headers, db_session):
    from innocore.vocab import Position

    world["i1"].position = Position.DOCTORAL_CANDIDATE
    world["x1"].position = Position.POSTDOC
    world["c1"].position = Position.ACADEMIC_STAFF  # of a company: counted as industry
    db_session.commit()
    r = client.get(f"/api/v1/reports/network?{PERIOD}", headers=api_headers(world["admin"]))
    s = by_key(r.json)["people_by_position"]
    # Trained: Ida (doctoral candidate: student), Xena (postdoc: academic staff), Carl (Acme:
    # industry). Certified in October: Ida and Carl.
    assert rows(s, "People trained and certified by position") == {
        "Students": [1, 1],
        "Academic staff": [1, 0],
        "Technical staff": [0, 0],
        "Industry": [1, 1],
        "Other": [0, 0],
        "Position not stated": [0, 0],
    }
    assert figures(s) == {
        "Students trained": 1,
        "Academic staff trained": 1,
        "Industry people trained": 1,
    }
    # Rome: 3 trained (1/1/1), 2 certified (Ida, Carl), Acme trained, Carl and Xena from
    # another institution, ECTS 2.0 + 2.0 (the renewal not counted again). Milan: nothing.
    side = rows(s, "Knowledge transfer by facility")
    assert side["Imaging Rome"] == [3, 1, 1, 1, 2, 1, 0, 1, 1, 2, "4.0"]
    assert side["Milan Imaging"] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
