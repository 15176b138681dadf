"""On a phone, a holder shares a certificate; anyone can check it, and a revocation shows at once:
on the public verification page and in the verification of the downloaded credential."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from innocore import clock
from innocore.accounts.models import Organisation, User
from innocore.accounts.services import hash_password
from innocore.competences.models import Competence, CompetenceLevel
from innocore.extensions import db
from innocore.facilities.models import Facility, FacilityRole
from innocore.vocab import FacilityRoleKind, OrganisationKind, Technology
from tests.support.browser import go_by_menu, sign_in
from tests.support.live import LiveServer
from tests.support.members import verified
from training.certification import services
from training.certification.models import Certificate

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "a long enough passphrase"


@pytest.fixture(scope="module")
def live_server(smtp_server, tmp_path_factory):
    """The shared live server, with the issuers' signing keys in a throw-away directory."""
    keys = tmp_path_factory.mktemp("credential-keys")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INNOCORE_CREDENTIAL_KEY_DIR", str(keys))
        server = LiveServer(workers=2, smtp_port=smtp_server.port, label="certbrowser").start()
        yield server
        server.stop()


def seed(app) -> tuple[str, int]:
    """A facility, its manager, and a holder with a level-2 certificate issued by that manager."""
    now = clock.now()
    with app.app_context():
        university = Organisation(
            name="University of Valmonte",
            kind=OrganisationKind.UNIVERSITY,
            country="IT",
            created_at=now,
        )
        facility = Facility(
            slug="imaging",
            name="Imaging Facility",
            institution=university,
            timezone="Europe/Rome",
            contact_email="imaging@valmonte.example",
            created_at=now,
        )
        holder, manager = (
            User(
                email=email,
                name=name,
                password_hash=hash_password(PASSWORD),
                organisation=university,
                created_at=now,
                email_verified_at=now,
                **verified(now),
            )
            for email, name in (
                ("sofia@valmonte.example", "Sofia Student"),
                ("marta@valmonte.example", "Marta Manager"),
            )
        )
        competence = Competence(
            code="IMG.CONFOCAL",
            title="Confocal microscopy",
            technology=Technology.LIGHT_MICROSCOPY,
            created_at=now,
            levels=[
                CompetenceLevel(level=1, name="Assisted use"),
                CompetenceLevel(level=2, name="Independent use"),
            ],
        )
        db.session.add_all([university, facility, holder, manager, competence])
        db.session.flush()
        competence.facility_id = facility.id
        db.session.add(
            FacilityRole(
                user_id=manager.id,
                facility_id=facility.id,
                role=FacilityRoleKind.MANAGER,
                granted_at=now,
            )
        )
        db.session.flush()
        cert = services.issue_prior_learning(
            manager,
            facility=facility,
            holder=holder,
            competence=competence,
            level=2,
            evidence="Ran a three-channel acquisition unsupervised.",
            valid_until=now + timedelta(days=365),
        )
        db.session.commit()
        return cert.public_id, manager.id


def revoke(app, public_id: str, manager_id: int) -> None:
    """The facility manager revokes the certificate (the same service the manager's form calls)."""
    with app.app_context():
        cert = db.session.scalar(db.select(Certificate).where(Certificate.public_id == public_id))
        services.revoke(db.session.get(User, manager_id), cert, "Issued to the wrong person")
        db.session.commit()


def verify_file(page, url: str, body: bytes) -> dict:
    response = page.request.post(
        url + "/api/v1/credentials/verify",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 200
    return response.json()


def details(page) -> dict[str, str]:
    """The verification page's definition list, label -> value."""
    terms = page.locator("dl.details dt").all_inner_texts()
    values = page.locator("dl.details dd").all_inner_texts()
    return dict(zip(terms, values, strict=True))


def test_a_holder_shares_a_certificate_and_its_revocation_shows_everywhere(
    live_server, phone, tmp_path: Path
):
    public_id, manager_id = seed(live_server.app)
    page = phone
    sign_in(page, live_server.url, "sofia@valmonte.example", PASSWORD)
    page.wait_for_url("**/dashboard")

    # The menu is folded away on a phone: open it and go to "My certificates".
    go_by_menu(page, "Learn", "My certificates")
    assert page.get_by_role("heading", level=1).inner_text() == "My certificates"
    page.get_by_role("link", name="Confocal microscopy, level 2", exact=True).click()

    # The holder downloads the credential while it is valid.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download credential (Open Badges 3.0)").click()
    saved = tmp_path / "credential.json"
    download.value.save_as(saved)
    body = saved.read_bytes()
    assert json.loads(body)["credentialSubject"]["achievement"]["name"]
    assert verify_file(page, live_server.url, body)["code"] == "valid"

    # The share link opens the public page: no sign-in is needed to read it.
    share = page.locator("a", has_text="/verify/")
    assert share.get_attribute("href") == f"{live_server.url}/verify/{public_id}"
    share.click()
    page.wait_for_url(f"**/verify/{public_id}")
    assert "Status: Valid" in page.locator(".cert-status").inner_text()
    shown = details(page)
    assert shown["Certifies"] == "Confocal microscopy, level 2"
    assert shown["Level"] == "2: Independent use"
    assert shown["Issued by"] == "Imaging Facility"
    assert shown["Holder"] == "Not disclosed by the holder"

    revoke(live_server.app, public_id, manager_id)

    page.reload()
    status = page.locator(".cert-status").inner_text()
    assert "Status: Revoked" in status and "Issued to the wrong person" in status
    assert details(page)["Certifies"] == "Confocal microscopy, level 2"

    # The file downloaded before the revocation is still authentic, but no longer valid.
    result = verify_file(page, live_server.url, body)
    assert (result["valid"], result["code"]) == (False, "revoked")
