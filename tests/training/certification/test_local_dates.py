"""Certificate dates in the facility's zone: the booking gate's expiry messages, the holder's page
and the expiry e-mail read a certificate ending 1 Nov 00:30 CET as 1 Nov, never as UTC."""

from datetime import UTC, datetime, timedelta

from training.certification import rules
from training.certification.models import CertificateStatus

ENDS = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)  # 1 Nov 2026, 00:30 CET


def test_the_booking_gate_says_when_a_certificate_ends_in_facility_time():
    fact = rules.CertFact(
        1, 1, 2, None, None, CertificateStatus.ACTIVE, ENDS - timedelta(days=300), ENDS
    )
    [problem] = rules.booking_problems(
        [fact], 1, 2, ENDS - timedelta(hours=2), ENDS + timedelta(hours=2), "Europe/Rome"
    )
    assert "ends on Sun 01 Nov 2026, 00:30 CET" in problem.message and "UTC" not in problem.message


def test_holder_page_shows_the_facility_date(
    client, login_as, db_session, clock, make_certificate, make_facility
):
    clock.set(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    facility = make_facility(timezone="Europe/Rome")
    cert = make_certificate(facility=facility, valid_days=None)
    cert.valid_until = ENDS
    db_session.commit()
    login_as(cert.holder)
    page = client.get("/certificates/").get_data(as_text=True)
    assert "01 Nov 2026" in page and "31 Oct 2026" not in page
