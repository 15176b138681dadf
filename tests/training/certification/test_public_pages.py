"""The public verification page as an anonymous verifier meets it, and the confirmation step
before revoking for good (issue 13, "Broken today")."""

from __future__ import annotations

import json

import pytest

from training.certification import services
from training.certification.models import CertificateStatus
from training.certification.rules import lookup_candidates


def test_an_anonymous_verifier_gets_the_pdf_and_the_credential(client, make_certificate):
    cert = make_certificate()
    page = client.get(f"/verify/{cert.public_id}").get_data(as_text=True)
    assert f'href="/verify/{cert.public_id}/certificate.pdf"' in page
    assert f'href="/verify/{cert.public_id}/credential.json"' in page
    pdf = client.get(f"/verify/{cert.public_id}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    credential = client.get(f"/verify/{cert.public_id}/credential.json")
    assert credential.status_code == 200
    assert json.loads(credential.data)["id"].endswith(f"/verify/{cert.public_id}")


def test_a_revoked_certificate_reads_revoked_in_its_own_tone_and_its_credential_is_gone(
    client, make_certificate, db_session
):
    cert = make_certificate()
    services.revoke(cert.issued_by, cert, "Issued in error")
    db_session.commit()
    page = client.get(f"/verify/{cert.public_id}").get_data(as_text=True)
    assert "cert-status-revoked" in page and 'status-tone-bad status-large">Revoked<' in page
    assert "credential.json" not in page
    gone = client.get(f"/verify/{cert.public_id}/credential.json")
    assert gone.status_code == 410 and "revoked" in gone.get_data(as_text=True)


def test_an_id_in_capitals_leads_to_the_certificate(client, make_certificate):
    cert = make_certificate()
    answer = client.get(f"/verify/{cert.public_id.upper()}")
    assert answer.status_code == 301
    assert answer.headers["Location"].endswith(f"/verify/{cert.public_id}")


def test_a_truncated_id_is_not_found_with_the_one_it_may_mean(client, make_certificate):
    cert = make_certificate()
    cut = client.get(f"/verify/{cert.public_id[:22]}")
    text = cut.get_data(as_text=True)
    assert cut.status_code == 404 and "Certificate not found" in text
    assert f'href="/verify/{cert.public_id}"' in text and "Did you mean" in text
    assert "This link is not valid" not in text  # not the e-mail confirmation page
    short = client.get(f"/verify/{cert.public_id[:8]}").get_data(as_text=True)
    assert "Certificate not found" in short and cert.public_id not in short  # too short to guess


def test_an_email_confirmation_token_still_reaches_its_page(client):
    answer = client.get("/verify/" + "A" * 43)
    assert answer.status_code == 400 and "not valid" in answer.get_data(as_text=True)


@pytest.mark.parametrize(
    "text, full, prefix",
    [
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz", None),
        ("abcd-efgh-ijkl-mnop-qrst-uvwxyz", "abcdefghijklmnopqrstuvwxyz", None),
        ("abcdefghijklmn0pqrstuvwxyz", "abcdefghijklmnopqrstuvwxyz", None),
        ("abcdefghijklmnopqrst", None, "abcdefghijklmnopqrst"),
        ("abcdefghij", None, None),
        ("not an id!", None, None),
    ],
)
def test_lookup_candidates(text, full, prefix):
    assert lookup_candidates(text) == (full, prefix)


def test_anyone_checks_a_credential_file(client, make_certificate):
    cert = make_certificate()
    document = client.get(f"/verify/{cert.public_id}/credential.json").data
    checked = client.post("/verify/check", data={"credential_text": document.decode()})
    assert (
        checked.status_code == 200
        and 'status-tone-ok status-large">Verified<' in checked.get_data(as_text=True)
    )
    tampered = json.loads(document)
    tampered["name"] = "Something else"
    refused = client.post("/verify/check", data={"credential_text": json.dumps(tampered)})
    assert "Verified<" not in refused.get_data(as_text=True)
    empty = client.post("/verify/check", data={})
    assert empty.status_code == 422 and "Choose a credential file" in empty.get_data(as_text=True)


def test_revoking_for_good_asks_first_with_its_consequences(login_as, make_certificate, db_session):
    cert = make_certificate()
    client = login_as(cert.issued_by)
    first = client.post(f"/certificates/{cert.public_id}/revoke", data={"reason": "Fraud"})
    text = first.get_data(as_text=True)
    assert first.status_code == 200 and "This cannot be undone" in text and "“Fraud”" in text
    db_session.refresh(cert)
    assert cert.status == CertificateStatus.ACTIVE
    done = client.post(
        f"/certificates/{cert.public_id}/revoke",
        data={"reason": "Fraud", "confirmed": "1"},
        follow_redirects=True,
    )
    assert "Certificate revoked for good" in done.get_data(as_text=True)
    db_session.refresh(cert)
    assert cert.status == CertificateStatus.REVOKED
