"""What declarations and granted requests make of certificates (pure, table-driven)."""

from datetime import UTC, datetime, timedelta

import pytest

from training.certification.models import CertificateStatus as S
from training.certification.rules import CertFact
from training.recognition import rules

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SRC, TGT, OTHER = 10, 20, 30


def fact(cid=1, competence=SRC, level=2, status=S.ACTIVE, until=T0 + timedelta(days=30)):
    return CertFact(cid, competence, level, 5, None, status, T0 - timedelta(days=1), until)


EQUIV = rules.Declaration(SRC, 2, TGT, 1, automatic=True)
BRIDGE = rules.Declaration(SRC, 2, TGT, 1, automatic=False)


@pytest.mark.parametrize(
    ("facts", "declarations", "grants", "expected"),
    [
        ([fact()], [EQUIV], [], [(TGT, 1)]),
        ([fact(level=3)], [EQUIV], [], [(TGT, 1)]),
        ([fact(level=1)], [EQUIV], [], []),  # below the declared minimum
        ([fact(competence=OTHER)], [EQUIV], [], []),  # not the declared competence
        ([fact()], [BRIDGE], [], []),  # bridging counts only once granted
        ([fact()], [BRIDGE], [rules.Grant(7, 1, TGT, 1)], [(TGT, 1)]),
        ([fact(cid=2)], [], [rules.Grant(7, 1, TGT, 2)], []),  # a grant names one certificate
        ([fact()], [], [rules.Grant(8, 1, TGT, 2)], []),  # ... of one person
        ([fact()], [], [rules.Grant(7, 1, TGT, 2)], [(TGT, 2)]),
    ],
)
def test_derived_facts(facts, declarations, grants, expected):
    derived = rules.derived_facts({7: facts}, declarations, grants).get(7, [])
    assert [(f.competence_id, f.level) for f in derived] == expected


def test_a_derived_fact_keeps_the_source_status_and_dates():
    source = fact(status=S.SUSPENDED, until=T0 + timedelta(days=3))
    (derived,) = rules.derived_facts({7: [source]}, [EQUIV], [])[7]
    assert (derived.id, derived.status, derived.valid_until, derived.issued_at) == (
        source.id,
        S.SUSPENDED,
        source.valid_until,
        source.issued_at,
    )
    assert derived.module_id is None  # a recognition never completes the source's module


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"source_facility_id": None}, "source_not_foreign"),
        ({"source_facility_id": 1}, "source_not_foreign"),
        ({"target_facility_id": 2}, "target_not_own"),
        ({"source_min_level": 4}, "invalid_level"),
        ({"target_level": None}, "invalid_level"),
        ({"note": "x" * 501}, "note_too_long"),
    ],
)
def test_declaration_problems(overrides, code):
    base = {
        "facility_id": 1,
        "source_facility_id": 2,
        "source_levels": [1, 2, 3],
        "source_min_level": 2,
        "target_facility_id": 1,
        "target_levels": [1, 2, 3],
        "target_level": 1,
        "note": "",
    }
    assert rules.declaration_problems(**base) == []
    assert code in [p.code for p in rules.declaration_problems(**(base | overrides))]


def test_a_decision_needs_a_reason_and_happens_once():
    assert [p.code for p in rules.decision_problems(pending=False, reason=" ")] == [
        "already_decided",
        "reason_missing",
    ]
    assert rules.decision_problems(pending=True, reason="Bridging session passed") == []
