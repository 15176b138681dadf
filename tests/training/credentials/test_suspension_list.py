"""Outsiders see a suspension: a suspension status list beside the revocation list; a revoked
certificate's credential is never signed again (issue 12, point 6)."""

import pytest

from innocore.errors import DomainError
from training.certification import services
from training.credentials import statuslist
from training.credentials.services import credential_for, current_status_list, refresh_status_lists
from training.credentials.verify import verify_credential


def bit(status_list: dict, index: int) -> bool:
    return statuslist.is_set(status_list["credentialSubject"]["encodedList"], index)


def test_new_credentials_reference_both_lists(db_session, make_certificate):
    cert = make_certificate()
    entries = credential_for(cert)["credentialStatus"]
    assert [e["statusPurpose"] for e in entries] == ["revocation", "suspension"]
    assert entries[1]["statusListCredential"].endswith(
        f"/credentials/status/{cert.issuer_key}/suspension"
    )
    assert {e["statusListIndex"] for e in entries} == {str(cert.status_index)}


def test_a_suspension_sets_the_suspension_bit_and_a_reinstatement_clears_it(
    db_session, make_certificate
):
    cert = make_certificate()
    issued = credential_for(cert)
    services.suspend(cert.issued_by, cert, "Investigation")
    assert refresh_status_lists() >= 1
    listed = current_status_list(cert.issuer_key, "suspension")
    assert listed["credentialSubject"]["statusPurpose"] == "suspension"
    assert bit(listed, cert.status_index)
    assert not bit(current_status_list(cert.issuer_key), cert.status_index)  # not revoked
    result = verify_credential(issued)
    assert not result.valid and result.code == "suspended" and "status list" in result.message
    services.reinstate(cert.issued_by, cert)
    assert not bit(current_status_list(cert.issuer_key, "suspension"), cert.status_index)
    assert verify_credential(issued).valid


def test_a_revoked_certificates_credential_is_not_signed_again(db_session, make_certificate):
    cert = make_certificate()
    issued = credential_for(cert)
    services.revoke(cert.issued_by, cert, "Issued in error")
    with pytest.raises(DomainError) as err:
        credential_for(cert)
    assert err.value.status == 410 and err.value.problems[0].code == "revoked"
    assert "Issued in error" in err.value.problems[0].message
    assert verify_credential(issued).code == "revoked"  # what was issued still says so


def test_outsiders_read_the_suspension_list_and_revoked_downloads_are_refused(
    db_session, make_certificate, client, login_as, app, api_headers
):
    cert = make_certificate()
    services.suspend(cert.issued_by, cert, "Investigation")
    db_session.commit()
    response = client.get(f"/credentials/status/{cert.issuer_key}/suspension")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    assert bit(response.get_json(), cert.status_index)
    assert not bit(
        client.get(f"/credentials/status/{cert.issuer_key}").get_json(), cert.status_index
    )
    services.revoke(cert.issued_by, cert, "Issued in error")
    db_session.commit()
    page = login_as(cert.holder).get(f"/certificates/{cert.public_id}/credential.json")
    assert page.status_code == 410 and b"OpenBadgeCredential" not in page.data
    assert b"revoked" in page.data
    api = app.test_client().get(
        f"/api/v1/certificates/{cert.public_id}/credential", headers=api_headers(cert.holder)
    )
    assert api.status_code == 410 and api.get_json()["errors"][0]["code"] == "revoked"
