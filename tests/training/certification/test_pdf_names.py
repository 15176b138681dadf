"""The certificate PDF prints the holder's whole name, whatever the script and length."""

from tests.kernel.test_pdf import LONG, NAME, text_of


def test_the_certificate_prints_every_name_whole(db_session, make_certificate, make_user, login_as):
    for name in (NAME, LONG):
        cert = make_certificate(holder=make_user(name=name))
        response = login_as(cert.holder).get(f"/certificates/{cert.public_id}/certificate.pdf")
        assert response.status_code == 200
        text = text_of(response.data)
        assert name in text, text
        assert cert.public_id in text
