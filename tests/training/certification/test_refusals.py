"""Refused certificate actions render the certificate page with the reason (issue 12, point 9)."""


def test_reinstating_a_valid_certificate_renders_the_page_with_the_reason(
    db_session, make_certificate, login_as
):
    cert = make_certificate()
    client = login_as(cert.issued_by)
    refused = client.post(f"/certificates/{cert.public_id}/reinstate")
    assert refused.status_code == 422
    assert "Location" not in refused.headers
    body = refused.get_data(as_text=True)
    assert "Redirecting" not in body and 'role="alert"' in body
    assert cert.public_id in body  # the certificate's own page, not a bare error page
    no_reason = client.post(f"/certificates/{cert.public_id}/revoke", data={"reason": ""})
    assert no_reason.status_code == 422 and "Location" not in no_reason.headers
