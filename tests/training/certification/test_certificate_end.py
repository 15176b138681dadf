"""A certificate's end reaches what depends on it; an instrument going down reaches its bookings
(issue 12, point 3)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from innocore import clock as clock_module
from innocore.extensions import db
from innocore.notifications.models import Notification
from instruments import services as booking_services
from instruments.models import BookingStatus, FacilityBookingSettings, Severity
from training.certification import services
from training.certification.models import CertificateStatus


@pytest.fixture
def booked(db_session, make_certificate, make_instrument, clock):
    """A holder with a certificate, a booking next week on an instrument that requires it."""
    cert = make_certificate(level=2)
    instrument = make_instrument(
        facility=cert.facility, required_competence_id=cert.competence_id, required_level=2
    )
    start = clock_module.now() + timedelta(days=7)
    booking = booking_services.create_booking(
        cert.holder, instrument.id, booking_services.BookingInput(start, start + timedelta(hours=2))
    )
    db_session.commit()
    assert booking.status == BookingStatus.CONFIRMED
    return cert, booking


def mails_to(address: str) -> list[str]:
    return list(
        db.session.scalars(sa.select(Notification.subject).where(Notification.to_email == address))
    )


def test_revoking_flags_the_holders_bookings_and_tells_holder_and_staff(db_session, booked):
    cert, booking = booked
    services.revoke(cert.issued_by, cert, "Unsafe handling of the laser")
    assert booking.status == BookingStatus.CONFIRMED
    assert "Certificate no longer valid" in booking.flagged
    assert "Unsafe handling" in booking.flagged
    assert any("needs attention" in s for s in mails_to(cert.holder.email))
    assert any("needs attention" in s for s in mails_to(cert.facility.contact_email))


def test_a_facility_may_cancel_them_instead(db_session, booked):
    cert, booking = booked
    db_session.add(
        FacilityBookingSettings(facility_id=cert.facility_id, cancel_on_certificate_end=True)
    )
    services.suspend(cert.issued_by, cert, "Investigation")
    assert booking.status == BookingStatus.CANCELLED and "Investigation" in booking.cancel_reason


def test_lapsing_for_lack_of_use_flags_a_later_booking(
    db_session, make_certificate, make_competence, make_instrument, clock
):
    competence = make_competence(lapse_after_days=30)
    cert = make_certificate(competence=competence, level=2)
    instrument = make_instrument(
        facility=cert.facility, required_competence_id=competence.id, required_level=2
    )
    start = clock_module.now() + timedelta(days=40)  # after the lapse: staff booked it for them
    booking = booking_services.create_booking(
        cert.issued_by,
        instrument.id,
        booking_services.BookingInput(
            start, start + timedelta(hours=1), user_id=cert.holder_id, override_reason="Supervised"
        ),
    )
    clock.advance(days=31)
    assert services.expire_due() == 1 and cert.status == CertificateStatus.EXPIRED
    assert "Lapsed" in booking.flagged


def test_another_valid_certificate_keeps_the_booking(db_session, booked, make_certificate):
    cert, booking = booked
    make_certificate(
        holder=cert.holder, competence=cert.competence, level=3, facility=cert.facility
    )
    services.revoke(cert.issued_by, cert, "Superseded by a higher level")
    assert booking.flagged is None and booking.status == BookingStatus.CONFIRMED


def test_renewing_does_not_flag(db_session, booked, clock):
    cert, booking = booked
    clock.advance(days=3)
    services.renew(cert.issued_by, cert)
    assert booking.flagged is None


def test_a_high_severity_report_flags_the_bookings_of_the_down_period(
    db_session, booked, make_user
):
    _, booking = booked
    booking_services.report_problem(make_user(), booking.instrument_id, Severity.HIGH, "Laser dead")
    assert booking.flagged.startswith("Instrument out of service: Laser dead")
    assert any("needs attention" in s for s in mails_to(booking.user.email))


def test_revoking_through_the_page_flags_the_booking(db_session, booked, login_as):
    cert, booking = booked
    response = login_as(cert.issued_by).post(
        f"/certificates/{cert.public_id}/revoke",
        data={"reason": "Issued by mistake", "confirmed": "1"},
    )
    assert response.status_code == 302
    db_session.refresh(booking)
    assert "Issued by mistake" in booking.flagged
    page = login_as(booking.user).get(f"/instruments/bookings/{booking.id}")
    assert "Certificate no longer valid" in page.get_data(as_text=True)


def test_a_high_severity_report_through_the_page_flags_bookings(
    db_session, booked, login_as, make_user
):
    _, booking = booked
    response = login_as(make_user()).post(
        f"/instruments/{booking.instrument_id}/report",
        data={"severity": "high", "description": "Smoke from the stage"},
    )
    assert response.status_code in (302, 303)
    db_session.refresh(booking)
    assert "Smoke from the stage" in booking.flagged
