"""Public credential documents: issuer profiles (public keys), status lists, the extension context."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, jsonify

from innocore.extensions import db
from innocore.facilities.models import Facility
from training.credentials import contexts, documents, keys
from training.credentials.service import current_status_list

bp = Blueprint("credentials_public", __name__)


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
