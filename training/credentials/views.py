"""Public credential documents: issuer profiles (public keys), status lists, the extension context."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask_login import login_required

from innocore.extensions import db, limiter
from innocore.facilities.models import Facility
from innocore.forms import attempt_action
from training.certification.views import PUBLIC_LIMIT, _not_found, _public_certificate, _viewable
from training.credentials import contexts, documents, keys
from training.credentials.services import credential_for, current_status_list
from training.credentials.verify import MAX_BYTES, verify_credential

bp = Blueprint("credentials_public", __name__)
holder = Blueprint("credentials", __name__)  # a certificate's own credential, for its viewers


def _facility_of(issuer_key: str):
    """The facility an issuer key names (None for the network); 404 for anything else."""
    if issuer_key == "network":
        return None
    if not keys.ISSUER_KEY.match(issuer_key):
        abort(404)
    slug = issuer_key.removeprefix("facility-")
    facility = db.session.scalar(sa.select(Facility).where(Facility.slug == slug))
    if facility is None:
        abort(404)
    return facility


def _ld(payload: dict, max_age: int) -> Response:
    response = jsonify(payload)
    response.mimetype = "application/ld+json"
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/issuers/<issuer_key>")
def issuer_profile(issuer_key: str):
    """The issuer's Profile and controller document: the key the proofs' verificationMethod names."""
    facility = _facility_of(issuer_key)
    return _ld(documents.issuer_profile(issuer_key, facility), 3600)


@bp.route("/credentials/status/<issuer_key>")
def status_list(issuer_key: str):
    """The signed Bitstring Status List credential: a revocation shows here at once."""
    _facility_of(issuer_key)
    return _ld(current_status_list(issuer_key), 300)


@bp.route("/credentials/status/<issuer_key>/suspension")
def suspension_list(issuer_key: str):
    """The signed Bitstring Status List of purpose ``suspension``: set while suspended."""
    _facility_of(issuer_key)
    return _ld(current_status_list(issuer_key, documents.SUSPENSION), 300)


@bp.route(contexts.EXTENSION_PATH)
def extension_context():
    response = Response(contexts.extension_bytes(), mimetype="application/ld+json")
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@holder.route("/certificates/<public_id>/credential.json")
@login_required
def download(public_id: str):
    """The signed credential of a certificate the user may see, as a file."""
    return _credential_response(_viewable(public_id))


@holder.route("/verify/<cert_id:public_id>/credential.json")
@limiter.limit(PUBLIC_LIMIT)
def public_credential(public_id: str):
    """The signed credential for whoever holds the id (no personal data beyond a salted hash of
    the holder's e-mail, as Open Badges 3.0 asks); a revoked one is refused with 410."""
    cert = _public_certificate(public_id.lower())
    if cert is None:
        return _not_found(public_id)
    return _credential_response(cert)


def _credential_response(cert):
    document, err = attempt_action(lambda: credential_for(cert))
    if err is not None:  # revoked: say so on a page, with the status
        return render_template(
            "certification/verify_missing.html",
            text=cert.public_id,
            candidate=None,
            refused=err.problems,
        ), err.status
    body = json.dumps(document, indent=2, ensure_ascii=False)
    headers = {"Content-Disposition": f'attachment; filename="credential-{cert.public_id}.json"'}
    return Response(body, mimetype="application/vc", headers=headers)


@holder.route("/verify/check", methods=["GET", "POST"])
@limiter.limit(PUBLIC_LIMIT, methods=["POST"])
def check_credential():
    """Anyone checks a credential file (JSON): proof, issuer key, status lists and dates, by the
    same verifier as ``POST /api/v1/credentials/verify`` and ``flask training verify-credential``."""
    result = error = None
    if request.method == "POST":
        upload = request.files.get("credential")
        data = upload.read(MAX_BYTES + 1) if upload else b""
        data = data or (request.form.get("credential_text") or "").encode()
        if not data.strip():
            error = "Choose a credential file (JSON) or paste its text."
        else:
            result = verify_credential(data)
    status = 422 if error else 200
    return render_template("certification/check.html", result=result, error=error), status
