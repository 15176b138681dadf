"""A path credential resting on a certificate that ended is reviewed (issue 12, point 3)."""

import sqlalchemy as sa

from innocore.extensions import db
from tests.training.paths.test_paths import _path
from training.certification import services as cert_services
from training.certification.models import Certificate, CertificateStatus
from training.models import Enrolment, TrainingModule
from training.paths import services


def _awarded(make_user, make_assessment, grant):
    admin = make_user(is_network_admin=True)
    assessment = make_assessment(level=2)
    facility = db.session.get(Enrolment, assessment.enrolment_id).session.facility
    module = db.session.get(TrainingModule, assessment.module_id)
    manager = make_user()
    grant(manager, facility, "manager")
    cert = cert_services.issue_from_assessment(manager, assessment.id)
    path = _path(admin, module, module.competence)
    assert services.award_completed() == 1
    path_cert = db.session.scalar(sa.select(Certificate).where(Certificate.path_id == path.id))
    return cert, path, path_cert, manager


def test_revoking_the_pass_suspends_the_path_credential_for_review(
    db_session, make_user, make_module, make_assessment, grant
):
    cert, path, path_cert, manager = _awarded(make_user, make_assessment, grant)
    cert_services.revoke(manager, cert, "Assessment was invalid")
    assert not services.progress_for(cert.holder_id, path).result.met  # it no longer counts
    assert path_cert.status == CertificateStatus.SUSPENDED
    assert cert.public_id in path_cert.status_reason
    assert services.award_completed() == 0  # and no fresh path credential is made


def test_revoking_through_the_page_suspends_the_path_credential(
    db_session, make_user, make_module, make_assessment, grant, client, login_as
):
    cert, _, path_cert, manager = _awarded(make_user, make_assessment, grant)
    db_session.commit()
    login_as(manager).post(
        f"/certificates/{cert.public_id}/revoke", data={"reason": "Invalid", "confirmed": "1"}
    )
    verify = client.get(f"/api/v1/verify/{path_cert.public_id}").get_json()
    assert verify["status"] == "suspended"
