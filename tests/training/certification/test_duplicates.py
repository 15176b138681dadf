"""No duplicate standing fact: one standing certificate per person, competence and level."""

import pytest

from innocore.errors import DomainError
from training.certification import rules, services
from training.certification.models import CertificateStatus


def test_a_person_holds_at_most_one_standing_certificate_per_competence_and_level():
    assert rules.duplicate_problems([], 2) == []
    [problem] = rules.duplicate_problems(["abc123"], 2)
    assert problem.code == "already_certified" and "abc123" in problem.message
    assert "Renew" in problem.message


def test_issuing_again_is_refused_with_a_pointer_and_renewing_works(
    db_session, make_certificate, make_competence, make_user
):
    cert = make_certificate(level=2)
    competence, holder, manager = cert.competence, cert.holder, cert.issued_by
    with pytest.raises(DomainError) as err:
        services.issue_prior_learning(
            manager,
            facility=cert.facility,
            holder=holder,
            competence=competence,
            level=2,
            evidence="Again.",
        )
    assert [p.code for p in err.value.problems] == ["already_certified"]
    assert cert.public_id in err.value.problems[0].message
    other_level = services.issue_prior_learning(
        manager,
        facility=cert.facility,
        holder=holder,
        competence=competence,
        level=1,
        evidence="A different level is a different fact.",
    )
    assert other_level.status == CertificateStatus.ACTIVE
    services.suspend(manager, cert, "Investigation")
    with pytest.raises(DomainError):  # a suspended certificate still stands
        services.issue_prior_learning(
            manager,
            facility=cert.facility,
            holder=holder,
            competence=competence,
            level=2,
            evidence="Again.",
        )
    services.revoke(manager, cert, "Wrong person")
    again = services.issue_prior_learning(
        manager,
        facility=cert.facility,
        holder=holder,
        competence=competence,
        level=2,
        evidence="Re-assessed.",
    )
    renewed = services.renew(manager, again)
    assert renewed.replaces_id == again.id and again.status == CertificateStatus.EXPIRED


def test_the_facility_issue_form_refuses_a_duplicate_with_the_pointer(
    db_session, make_certificate, login_as
):
    cert = make_certificate(level=2)
    data = {
        "email": cert.holder.email,
        "competence_id": str(cert.competence_id),
        "level": "2",
        "evidence": "Second time.",
    }
    client = login_as(cert.issued_by)
    page = client.post(f"/certificates/facility/{cert.facility.slug}/issue", data=data)
    assert page.status_code == 422
    assert cert.public_id in page.get_data(as_text=True)


def test_the_api_refuses_a_duplicate(db_session, make_certificate, app, api_headers):
    cert = make_certificate(level=2)
    body = {
        "facility_id": cert.facility_id,
        "holder_id": cert.holder_id,
        "competence_id": cert.competence_id,
        "level": 2,
        "evidence": "Observed again.",
    }
    refused = app.test_client().post(
        "/api/v1/certificates", json=body, headers=api_headers(cert.issued_by)
    )
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["code"] == "already_certified"
