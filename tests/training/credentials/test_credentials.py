"""Credentials of real certificates: sign, publish, verify, and fail with a precise reason."""

import json
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from innocore.extensions import db
from training.certification import services
from training.credentials import documents, keys, proof, statuslist
from training.credentials.services import credential_for, refresh_status_lists
from training.credentials.verify import verify_credential
from training.models import Enrolment


def test_a_fresh_credential_verifies_and_carries_the_micro_credential_elements(
    db_session, make_assessment, grant, make_user
):
    assessment = make_assessment(level=2)
    session = db.session.get(Enrolment, assessment.enrolment_id).session
    manager = make_user()
    grant(manager, session.facility, "manager")
    cert = services.issue_from_assessment(manager, assessment.id)
    cred = credential_for(cert)
    achievement = cred["credentialSubject"]["achievement"]
    assert cred["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert achievement["ectsCredits"] == "1.0" and achievement["creditsAvailable"] == 1.0
    assert achievement["eqfLevel"] == "http://data.europa.eu/snb/eqf/6"
    assert achievement["learningOutcome"] == ["Operate the microscope"]
    assert "assessmentType" in achievement and "participationForm" in achievement
    assert "qualityAssurance" in achievement
    assert (
        proof.dropped_terms({k: v for k, v in cred.items() if k != "proof"}, documents.loader())
        == []
    )
    result = verify_credential(json.dumps(cred))
    assert result.valid, result.message
    assert result.checks == ["shape", "issuer key", "proof", "dates", "status list", "record"]


def test_verification_names_each_reason(db_session, make_certificate, clock, make_user):
    cert = make_certificate(valid_days=100)
    cred = credential_for(cert)

    tampered = json.loads(json.dumps(cred))
    tampered["credentialSubject"]["achievement"]["name"] = "Something else"
    assert verify_credential(tampered).code == "tampered"

    forged = {k: v for k, v in cred.items() if k != "proof"}
    other = proof.sign(
        forged,
        Ed25519PrivateKey.generate(),
        proof.ProofOptions(cred["issuer"]["id"] + "#z6MkNotOurs", cred["proof"]["created"]),
        documents.loader(),
    )
    assert verify_credential(other).code == "unknown_key"
    assert verify_credential(b"not json").code == "malformed"

    clock.advance(days=101)
    assert verify_credential(cred).code == "expired"


def test_revocation_shows_in_the_status_list_at_once(db_session, make_certificate, client):
    cert = make_certificate()
    cred = credential_for(cert)
    manager = cert.issued_by
    url = f"/credentials/status/{cert.issuer_key}"
    before = client.get(url).get_json()
    assert not statuslist.is_set(before["credentialSubject"]["encodedList"], cert.status_index)
    services.revoke(manager, cert, "Issued in error")
    db_session.commit()
    after = client.get(url).get_json()
    assert statuslist.is_set(after["credentialSubject"]["encodedList"], cert.status_index)
    public = proof.public_key_from_multibase(keys.public_multibase(cert.issuer_key))
    proof.verify(after, public, documents.loader())
    result = verify_credential(cred)
    assert (result.valid, result.code) == (False, "revoked")
    assert refresh_status_lists() >= 1 and refresh_status_lists() == 0


def test_a_suspended_certificate_fails_as_suspended(db_session, make_certificate):
    cert = make_certificate()
    cred = credential_for(cert)
    services.suspend(cert.issued_by, cert, "Safety incident under review")
    assert verify_credential(cred).code == "suspended"
    services.reinstate(cert.issued_by, cert)
    assert verify_credential(cred).valid


def test_issuer_profile_publishes_the_key_the_proof_names(db_session, make_certificate, client):
    cert = make_certificate()
    cred = credential_for(cert)
    profile = client.get(f"/issuers/{cert.issuer_key}").get_json()
    assert profile["id"] == cred["issuer"]["id"]
    assert profile["assertionMethod"] == [cred["proof"]["verificationMethod"]]
    assert profile["verificationMethod"][0]["publicKeyMultibase"].startswith("z6Mk")
    assert client.get("/issuers/facility-nope").status_code == 404
    ctx = client.get("/credentials/contexts/micro-credential-v1.json")
    assert ctx.status_code == 200 and b"ectsCredits" in ctx.data


def test_key_files_are_private(db_session, make_certificate, app):
    cert = make_certificate()
    credential_for(cert)
    path = keys.key_dir() / f"{cert.issuer_key}.ed25519.pem"
    assert path.exists() and (path.stat().st_mode & 0o777) == 0o600


def test_cli_and_api_verify_a_file(db_session, make_certificate, app, client, tmp_path):
    cert = make_certificate()
    cred = credential_for(cert)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(cred))
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["training", "verify-credential", str(good)])
    assert ok.exit_code == 0 and "VALID" in ok.output
    cred["validFrom"] = "2020-01-01T00:00:00Z"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(cred))
    failed = runner.invoke(args=["training", "verify-credential", str(bad)])
    assert failed.exit_code == 1 and "tampered" in failed.output
    response = client.post("/api/v1/credentials/verify", data=json.dumps(cred))
    assert response.status_code == 200 and response.get_json()["code"] == "tampered"


def test_a_renewed_certificates_credential_names_the_newer_certificate(
    db_session, make_certificate, clock
):
    cert = make_certificate(valid_days=20)
    old = credential_for(cert)
    clock.advance(days=5)
    new = services.renew(cert.issued_by, cert)
    assert new.replaces_id == cert.id and cert.status.value == "expired"
    result = verify_credential(old)
    assert (result.valid, result.code) == (False, "superseded")  # ended, though not revoked
    assert result.message.endswith(f"/verify/{new.public_id}")
    assert result.checks == ["shape", "issuer key", "proof", "dates", "status list"]
    assert verify_credential(credential_for(new)).valid
    assert new.valid_until is None or new.valid_until > cert.valid_until
    assert timedelta(0) < new.issued_at - cert.issued_at
    clock.advance(days=30)  # past the old credential's validUntil: still plainly superseded
    assert verify_credential(old).code == "superseded"


def test_a_renewed_certificate_revoked_later_fails_as_revoked(db_session, make_certificate):
    cert = make_certificate(valid_days=20)
    old = credential_for(cert)
    services.renew(cert.issued_by, cert)
    services.revoke(cert.issued_by, cert, "Issued in error")
    assert verify_credential(old).code == "revoked"
