"""Credentials in, end to end: two InnoCore deployments on two ports (real gunicorn servers, each
with its own database and signing keys). The verifier trusts the issuer; a person brings a
credential from the issuer and the verifier checks it with its own verifier, fetching the issuer's
key and status list over HTTP. Revoked, tampered, untrusted and someone else's credentials are
refused with their precise reason; an accepted one becomes evidence for prior learning."""

from __future__ import annotations

import copy
import json
import urllib.error
import urllib.request
from datetime import timedelta

import pytest

from innocore import clock
from tests.support.live import LiveServer
from tests.support.members import verified

EMAIL = "mover@example.org"


def _server(label: str, tmp_path_factory) -> LiveServer:
    keys = str(tmp_path_factory.mktemp(f"{label}-keys"))
    server = LiveServer(workers=1, label=label, env={"INNOCORE_CREDENTIAL_KEY_DIR": keys})
    server.app.config["CREDENTIAL_KEY_DIR"] = keys
    return server


def _people(app, *, admin=False, manager_of=None):
    """In ``app``: an organisation, a facility with its own competence, the mover (same e-mail in
    both deployments) and a manager; returns ids and API tokens."""
    from innocore.accounts.models import Organisation, User
    from innocore.accounts.services import hash_password
    from innocore.accounts.tokens import create_token
    from innocore.competences.models import Competence, CompetenceLevel
    from innocore.extensions import db
    from innocore.facilities.models import Facility, FacilityRole
    from innocore.vocab import FacilityRoleKind, OrganisationKind, Technology

    now = clock.now()
    with app.app_context():
        org = Organisation(
            name=f"Univ {manager_of}",
            kind=OrganisationKind.UNIVERSITY,
            country="PT",
            city="Lisboa",
            created_at=now,
        )
        facility = Facility(
            slug=manager_of,
            name=f"{manager_of} core",
            institution=org,
            timezone="Europe/Lisbon",
            contact_email="core@example.org",
            created_at=now,
        )
        competence = Competence(
            code=f"{manager_of}.CONF",
            title=f"Confocal at {manager_of}",
            technology=Technology.LIGHT_MICROSCOPY,
            facility=facility,
            created_at=now,
            levels=[CompetenceLevel(level=1, name="Use"), CompetenceLevel(level=2, name="Own")],
        )
        pw = hash_password("a long enough password")
        mover = User(
            email=EMAIL,
            name="Mo Ver",
            organisation=org,
            password_hash=pw,
            created_at=now,
            email_verified_at=now,
            **verified(now),
        )
        manager = User(
            email=f"manager@{manager_of}.test",
            name="Manny",
            organisation=org,
            password_hash=pw,
            created_at=now,
            email_verified_at=now,
            **verified(now),
            is_network_admin=admin,
        )
        db.session.add_all([org, facility, competence, mover, manager])
        db.session.flush()
        db.session.add(
            FacilityRole(
                user_id=manager.id,
                facility_id=facility.id,
                role=FacilityRoleKind.MANAGER,
                granted_at=now,
            )
        )
        tokens = {"mover": create_token(mover, "t")[1], "manager": create_token(manager, "t")[1]}
        ids = {
            "facility": facility.id,
            "competence": competence.id,
            "mover": mover.id,
            "manager": manager.id,
        }
        db.session.commit()
    return ids, tokens


def _issue(app, ids, level=2) -> tuple[str, dict]:
    from innocore.accounts.models import User
    from innocore.competences.models import Competence
    from innocore.extensions import db
    from innocore.facilities.models import Facility
    from training.certification import services
    from training.credentials.services import credential_for

    with app.app_context():
        cert = services.issue_prior_learning(
            db.session.get(User, ids["manager"]),
            facility=db.session.get(Facility, ids["facility"]),
            holder=db.session.get(User, ids["mover"]),
            competence=db.session.get(Competence, ids["competence"]),
            level=level,
            evidence="Observed",
            valid_until=clock.now() + timedelta(days=200),
        )
        doc = credential_for(cert)
        db.session.commit()
        return cert.public_id, doc


def _revoke(app, public_id):
    from innocore.accounts.models import User
    from innocore.extensions import db
    from training.certification import queries, services

    with app.app_context():
        cert = queries.get_certificate(public_id)
        services.revoke(db.session.get(User, cert.issued_by_id), cert, "Assessed the wrong person")
        db.session.commit()


def _call(server, method, path, token, body=None):
    req = urllib.request.Request(
        server.url + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310 (local test server)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.fixture(scope="module")
def deployments(tmp_path_factory):
    issuer = _server("issuer", tmp_path_factory)
    verifier = _server("verifier", tmp_path_factory)
    try:
        issuer.start()
        verifier.start()
        yield issuer, verifier
    finally:
        issuer.stop()
        verifier.stop()


def test_a_credential_from_a_trusted_deployment_comes_in_and_serves_as_evidence(deployments):
    issuer, verifier = deployments
    issuer_ids, _ = _people(issuer.app, manager_of="lisbon")
    ids, tokens = _people(verifier.app, admin=True, manager_of="valmonte")
    good_id, good = _issue(issuer.app, issuer_ids)
    revoked_id, revoked = _issue(issuer.app, issuer_ids, level=1)
    _revoke(issuer.app, revoked_id)
    mover, admin = tokens["mover"], tokens["manager"]

    # Before the network trusts the issuer, nothing is fetched or accepted.
    status, body = _call(
        verifier, "POST", "/api/v1/recognition/imports", mover, {"credential": good}
    )
    assert (status, body["errors"][0]["code"]) == (422, "untrusted_issuer")
    status, _ = _call(
        verifier,
        "POST",
        "/api/v1/recognition/trusted-issuers",
        mover,
        {"base_url": issuer.url, "name": "Lisbon"},
    )
    assert status == 403
    status, _ = _call(
        verifier,
        "POST",
        "/api/v1/recognition/trusted-issuers",
        admin,
        {"base_url": issuer.url + "/", "name": "Lisbon deployment"},
    )
    assert status == 201

    tampered = copy.deepcopy(good)
    tampered["credentialSubject"]["achievement"]["name"] = "Cryo-EM, can train others"
    cases = [
        (tampered, "tampered"),
        (revoked, "revoked"),
        (good | {"validUntil": "2020-01-01T00:00:00Z"}, "tampered"),
    ]
    for doc, code in cases:
        status, body = _call(
            verifier, "POST", "/api/v1/recognition/imports", mover, {"credential": doc}
        )
        assert (status, body["errors"][0]["code"]) == (422, code), body

    status, body = _call(
        verifier, "POST", "/api/v1/recognition/imports", admin, {"credential": good}
    )
    assert (status, body["errors"][0]["code"]) == (422, "not_yours")
    status, body = _call(
        verifier,
        "POST",
        "/api/v1/recognition/imports",
        mover,
        {"url": "http://127.0.0.1:9/credential.json"},
    )
    assert (status, body["errors"][0]["code"]) == (422, "untrusted_url")
    status, body = _call(
        verifier,
        "POST",
        "/api/v1/recognition/imports",
        mover,
        {"url": issuer.url + "/issuers/network"},
    )
    assert (status, body["errors"][0]["code"]) == (422, "malformed")  # fetched, not a credential

    status, imported = _call(
        verifier, "POST", "/api/v1/recognition/imports", mover, {"credential": good}
    )
    assert status == 201, imported
    assert imported["issuer_id"] == f"{issuer.url}/issuers/facility-lisbon"

    # Staff accept it as evidence for recognition of prior learning.
    status, asked = _call(
        verifier,
        "POST",
        "/api/v1/recognition/requests",
        mover,
        {
            "facility_id": ids["facility"],
            "imported_id": imported["id"],
            "target_competence_id": ids["competence"],
            "target_level": 2,
        },
    )
    assert status == 201, asked
    status, decided = _call(
        verifier,
        "POST",
        f"/api/v1/recognition/requests/{asked['id']}/decide",
        admin,
        {"decision": "grant", "reason": "Same instrument, verified"},
    )
    assert status == 200 and decided["issued_certificate"], decided
    status, cert = _call(
        verifier, "GET", f"/api/v1/certificates/{decided['issued_certificate']}", mover
    )
    assert cert["basis"] == "prior_learning" and "issued by lisbon core" in cert["evidence"]
    # Revocation at the source is seen at once by a later import.
    _revoke(issuer.app, good_id)
    status, body = _call(
        verifier, "POST", "/api/v1/recognition/imports", mover, {"credential": good}
    )
    assert (status, body["errors"][0]["code"]) == (422, "revoked")
