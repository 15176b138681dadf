"""Facility documents: a booking is refused until the current version is accepted; a new
version asks again; pages and API."""

import base64
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from innocore.errors import DomainError
from innocore.notifications.models import Notification
from instruments import rules, services
from instruments.documents import services as docs
from instruments.documents.models import DocumentKind
from instruments.services import BookingInput
from tests.instruments.conftest import WEEKDAYS_8_TO_20

ROME = ZoneInfo("Europe/Rome")
SLOT = BookingInput(datetime(2031, 3, 4, 9, tzinfo=ROME), datetime(2031, 3, 4, 10, tzinfo=ROME))
PDF = b"%PDF-1.4\n%test\n"


@pytest.mark.parametrize(
    ("pending", "codes"),
    [
        ([], []),
        ([("Laser safety", 2)], ["document_not_accepted"]),
        ([("A", 1), ("B", 3)], ["document_not_accepted"] * 2),
    ],
)
def test_document_problems(pending, codes):
    problems = rules.document_problems(pending)
    assert [p.code for p in problems] == codes
    assert all(not p.overridable for p in problems)  # staff cannot accept on someone's behalf


@pytest.mark.parametrize(
    ("title", "text", "has_file", "codes"),
    [
        ("Rules", "Be careful", False, []),
        ("Rules", "", True, []),
        ("", "x", False, ["title_required"]),
        ("Rules", "  ", False, ["content_required"]),
        (None, "x" * 100_001, False, ["text_too_long"]),
    ],
)
def test_document_version_problems(title, text, has_file, codes):
    found = rules.document_version_problems(title=title, text=text, has_file=has_file)
    assert [p.code for p in found] == codes


@pytest.fixture
def world(make_facility, make_instrument, make_user, grant):
    facility = make_facility()
    instrument = make_instrument(facility=facility, opening=WEEKDAYS_8_TO_20, slot_minutes=30)
    other = make_instrument(facility=facility, name="Other", opening=WEEKDAYS_8_TO_20)
    manager, user = make_user(), make_user(organisation=facility.institution)
    grant(manager, facility, "manager")
    doc = docs.publish_document(
        manager,
        facility,
        title="Laser safety",
        kind=DocumentKind.SAFETY,
        instrument_id=instrument.id,
        content=docs.Content(text="Wear goggles."),
    )
    return facility, instrument, other, manager, user, doc


def _codes(err) -> list[str]:
    return [p.code for p in err.value.problems]


def test_booking_waits_for_the_current_version_and_a_new_version_asks_again(world, db_session):
    _, instrument, other, manager, user, doc = world
    with pytest.raises(DomainError) as err:
        services.create_booking(user, instrument.id, SLOT)
    assert _codes(err) == ["document_not_accepted"] and "Laser safety" in str(err.value)
    assert services.create_booking(user, other.id, SLOT)  # the document covers one instrument
    row = docs.accept_document(user, doc.id, 1)
    assert row.version.number == 1 and row.accepted_at is not None
    booking = services.create_booking(user, instrument.id, SLOT)
    docs.publish_version(
        manager, doc.id, docs.Content(text="Wear goggles and gloves.", note="Gloves too.")
    )
    db_session.flush()
    note = db_session.scalar(
        sa.select(Notification).where(
            Notification.user_id == user.id, Notification.kind == "documents"
        )
    )
    assert note is not None and "Laser safety" in note.subject
    with pytest.raises(DomainError) as err:  # accepting an old version is not enough
        docs.accept_document(user, doc.id, 1)
    assert _codes(err) == ["not_current"] and err.value.status == 409
    with pytest.raises(DomainError) as err:
        services.move_booking(
            user, booking.id, SLOT.starts_at.replace(hour=11), SLOT.ends_at.replace(hour=12)
        )
    assert "document_not_accepted" in _codes(err)


def test_booking_page_links_the_document_and_refuses_with_its_name(
    world, client, login_as, db_session
):
    _, instrument, _, _, user, doc = world
    db_session.commit()
    login_as(user)
    page = client.get(f"/instruments/{instrument.id}/book").get_data(as_text=True)
    assert f"/instruments/documents/{doc.id}?book={instrument.id}" in page
    refused = client.post(
        f"/instruments/{instrument.id}/book",
        data={"starts_at": "2031-03-04T09:00", "ends_at": "2031-03-04T10:00"},
    )
    assert refused.status_code == 422
    assert "accept “Laser safety” (version 1)" in refused.get_data(as_text=True)
    accepted = client.post(
        f"/instruments/documents/{doc.id}/accept",
        data={"version": 1, "next_booking": instrument.id},
    )
    assert accepted.status_code == 303
    assert accepted.headers["Location"].endswith(f"/instruments/{instrument.id}/book")
    assert docs.pending_for(user.id, instrument) == []


def test_api_publishes_a_pdf_and_accepts_the_current_version(
    world, client, api_headers, db_session, login_as
):
    facility, instrument, _, manager, user, _ = world
    body = {
        "title": "House rules",
        "kind": "rules",
        "file_name": "rules.pdf",
        "file_type": "application/pdf",
        "file_base64": base64.b64encode(PDF).decode(),
    }
    made = client.post(
        f"/api/v1/facilities/{facility.id}/documents", json=body, headers=api_headers(manager)
    )
    assert made.status_code == 201, made.get_json()
    doc = made.get_json()
    assert doc["instrument_id"] is None and doc["current"]["file_url"]
    fake = {**body, "file_base64": base64.b64encode(b"not a pdf").decode()}
    bad = client.post(
        f"/api/v1/facilities/{facility.id}/documents", json=fake, headers=api_headers(manager)
    )
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["code"] == "file_content"
    headers = api_headers(user)
    stale = client.post(
        f"/api/v1/documents/{doc['id']}/accept", json={"version": 2}, headers=headers
    )
    assert stale.status_code == 409
    ok = client.post(f"/api/v1/documents/{doc['id']}/accept", json={"version": 1}, headers=headers)
    assert ok.status_code == 200 and ok.get_json()["current"]["accepted_at"]
    listed = client.get(f"/api/v1/facilities/{facility.id}/documents", headers=headers)
    assert {d["title"]: bool(d["current"]["accepted_at"]) for d in listed.get_json()["items"]} == {
        "House rules": True,
        "Laser safety": False,
    }
    login_as(user)
    file = client.get(f"/instruments/documents/{doc['id']}/versions/1/file")
    assert file.status_code == 200 and file.mimetype == "application/pdf" and file.data == PDF
