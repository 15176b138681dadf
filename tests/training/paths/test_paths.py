"""Qualification paths: tree validation, evaluation, constant queries, awards."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from innocore.errors import DomainError
from training.certification.models import CertificateStatus as S
from training.certification.rules import CertFact
from training.paths import rules, services
from training.paths.models import AwardMode, AwardStatus

T0 = datetime(2026, 3, 2, tzinfo=UTC)
CAT = rules.Catalog(
    modules={
        1: ("Laser safety", Decimal("0.5")),
        2: ("Confocal", Decimal("2")),
        3: ("FLIM", Decimal("3")),
    },
    competences={10: "Confocal operation"},
    paths={7: "Other path"},
)


def cert(module=None, competence=None, level=None, status=S.ACTIVE, until=None, path=None):
    return CertFact(1, competence, level, module, path, status, T0 - timedelta(days=1), until)


TREE = {
    "kind": "all_of",
    "children": [
        {"kind": "module", "module": 1, "current_only": True},
        {"kind": "competence", "competence": 10, "min_level": 2},
        {
            "kind": "n_of",
            "n": 1,
            "children": [{"kind": "module", "module": 2}, {"kind": "module", "module": 3}],
        },
        {"kind": "min_credits", "credits": 5, "modules": [1, 2, 3]},
    ],
}


@pytest.mark.parametrize(
    ("facts", "met", "percent"),
    [
        ([], False, 0),
        ([cert(module=1), cert(competence=10, level=2), cert(module=3), cert(module=2)], True, 100),
        (
            [
                cert(module=1, until=T0),
                cert(competence=10, level=2),
                cert(module=3),
                cert(module=2),
            ],
            False,
            75,
        ),
        ([cert(module=1), cert(competence=10, level=1), cert(module=3), cert(module=2)], False, 75),
        (
            [cert(module=1, status=S.REVOKED), cert(competence=10, level=3), cert(module=3)],
            False,
            65,
        ),
    ],
)
def test_a_path_counts_only_what_its_tree_allows(facts, met, percent):
    result = rules.evaluate(TREE, facts, CAT, T0)
    assert result.met is met
    assert round(result.fraction * 100) == percent


def test_what_is_missing_names_the_gap_and_the_modules_that_fill_it():
    result = rules.evaluate(TREE, [cert(module=2)], CAT, T0)
    assert "Module Laser safety (a currently valid certificate)" in result.missing
    assert result.gap_modules == {1, 3}
    assert result.gap_competences == {10: 2}


@pytest.mark.parametrize(
    ("tree", "code"),
    [
        ({"kind": "module", "module": 99}, "dangling_reference"),
        ({"kind": "path", "path": 5}, "circular_reference"),
        ({"kind": "path", "path": 7}, "circular_reference"),
        ({"kind": "n_of", "n": 3, "children": [{"kind": "module", "module": 1}]}, "bad_n"),
        ({"kind": "all_of", "children": []}, "empty_group"),
        ({"kind": "min_credits", "credits": 0, "modules": [1]}, "bad_credits"),
        ({"kind": "whatever"}, "bad_node"),
    ],
)
def test_a_circular_or_dangling_tree_is_refused(tree, code):
    catalog = rules.Catalog(CAT.modules, CAT.competences, {5: "This", 7: "Other"})
    problems = rules.tree_problems(tree, catalog=catalog, path_id=5, graph={7: {5}})
    assert code in [p.code for p in problems]


def test_a_well_formed_tree_passes():
    assert rules.tree_problems(TREE, catalog=CAT, path_id=5, graph={}) == []


def _path(admin, module, competence, mode=AwardMode.AUTOMATIC, code="ALM"):
    tree = {
        "kind": "all_of",
        "children": [
            {"kind": "competence", "competence": competence.id, "min_level": 2},
            {"kind": "min_credits", "credits": 1, "modules": [module.id]},
        ],
    }
    return services.save_path(
        admin, services.PathInput(code, "Light microscopy", "", 6, tree, mode)
    )


def test_saving_a_circular_path_writes_nothing(db_session, make_user, make_module):
    admin = make_user(is_network_admin=True)
    module = make_module()
    first = services.save_path(
        admin,
        services.PathInput(
            "A", "A", "", None, {"kind": "module", "module": module.id}, AwardMode.AUTOMATIC
        ),
    )
    second = services.save_path(
        admin,
        services.PathInput(
            "B", "B", "", None, {"kind": "path", "path": first.id}, AwardMode.AUTOMATIC
        ),
    )
    with pytest.raises(DomainError) as err:
        services.save_path(
            admin,
            services.PathInput(
                "A", "A", "", None, {"kind": "path", "path": second.id}, AwardMode.AUTOMATIC
            ),
            first,
        )
    assert err.value.problems[0].code == "circular_reference"
    db_session.refresh(first)
    assert first.requirements == {"kind": "module", "module": module.id}


def test_progress_for_one_user_takes_a_constant_number_of_queries(
    db_session, make_user, make_module, make_session, make_certificate, count_queries
):
    admin, learner = make_user(is_network_admin=True), make_user()
    module = make_module()
    make_session(module=module)
    path = _path(admin, module, module.competence)
    db_session.commit()
    with count_queries() as small:
        services.progress_for(learner.id, path)
    for _ in range(15):
        make_certificate(holder=learner)
        make_session(module=make_module(competence=module.competence))
    make_certificate(holder=learner, competence=module.competence, level=1)
    with count_queries() as large:
        progress = services.progress_for(learner.id, path)
    # 12, plus two for what other facilities recognise (declarations, granted requests)
    assert large.count == small.count <= 14
    assert not progress.result.met and progress.sessions


def test_an_automatic_path_is_awarded_as_its_own_certificate_and_credential(
    db_session, make_user, make_module, make_certificate, make_assessment, grant
):
    from training.credentials.services import credential_for
    from training.credentials.verify import verify_credential

    admin = make_user(is_network_admin=True)
    assessment = make_assessment(level=2)
    from innocore.extensions import db
    from training.certification import services as cert_services
    from training.models import Enrolment, TrainingModule

    facility = db.session.get(Enrolment, assessment.enrolment_id).session.facility
    module = db.session.get(TrainingModule, assessment.module_id)
    manager = make_user()
    grant(manager, facility, "manager")
    cert_services.issue_from_assessment(manager, assessment.id)
    path = _path(admin, module, module.competence)
    assert services.award_completed() == 1
    progress = services.progress_for(assessment.user_id, path)
    assert progress.result.met and progress.award.status == AwardStatus.AWARDED
    award_cert = db.session.get(
        __import__("training.certification.models", fromlist=["C"]).Certificate,
        progress.award.certificate_id,
    )
    assert award_cert.path_id == path.id and award_cert.issuer_key == "network"
    cred = credential_for(award_cert)
    assert cred["credentialSubject"]["achievement"]["achievementType"] == "LearningProgram"
    assert verify_credential(cred).valid
    assert services.award_completed() == 0


def test_a_confirmed_path_waits_for_an_administrator(
    db_session, make_user, make_module, make_certificate
):
    admin = make_user(is_network_admin=True)
    module = make_module()
    learner = make_user()
    make_certificate(holder=learner, competence=module.competence, level=2)
    tree = {"kind": "competence", "competence": module.competence_id, "min_level": 2}
    services.save_path(admin, services.PathInput("C", "C", "", None, tree, AwardMode.CONFIRMED))
    assert services.award_completed() == 1
    from innocore.extensions import db
    from training.paths.models import PathAward

    award = db.session.query(PathAward).filter_by(user_id=learner.id).one()
    assert award.status == AwardStatus.PENDING and award.certificate_id is None
    services.confirm_award(admin, award.id)
    assert award.status == AwardStatus.AWARDED and award.certificate_id
    with pytest.raises(DomainError):
        services.confirm_award(admin, award.id)


def test_path_pages_and_api(db_session, make_user, make_module, login_as, client, api_headers):
    admin = make_user(is_network_admin=True)
    module = make_module()
    db_session.commit()
    tree = {"kind": "module", "module": module.id}
    body = {"code": "P1", "title": "Path one", "requirements": tree}
    created = client.post("/api/v1/paths", json=body, headers=api_headers(admin))
    assert created.status_code == 201
    bad = client.post(
        "/api/v1/paths",
        json=body | {"code": "P2", "requirements": {"kind": "module", "module": 10**6}},
        headers=api_headers(admin),
    )
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["code"] == "dangling_reference"
    path_id = created.get_json()["id"]
    member = make_user()
    progress = client.get(
        f"/api/v1/paths/{path_id}/progress", headers=api_headers(member)
    ).get_json()
    assert progress["percent"] == 0 and progress["missing"]
    login_as(member)
    assert client.get("/paths/").status_code == 200
    assert b"progress" in client.get("/paths/P1").data
