"""JSON API: verify a credential file (public: anyone may check a credential) and fetch the signed
credential of a certificate one may see."""

from __future__ import annotations

from flask import jsonify, request

from innocore.api.core import api_blueprint, operation
from training.certification.api import _viewable
from training.credentials.services import credential_for
from training.credentials.verify import MAX_BYTES, verify_credential

bp = api_blueprint("credentials_api", __name__)


@operation(
    bp,
    "/credentials/verify",
    "POST",
    summary="Verify an Open Badges 3.0 credential: proof, issuer key, status list, dates",
    tags=["Certificates"],
    public=True,
    description="Send the credential JSON as the body. Answers 200 with valid true/false and a "
    "reason code (tampered, unknown_key, revoked, suspended, expired, superseded, ...).",
)
def verify():
    data = request.get_data(cache=False)[: MAX_BYTES + 1]
    return jsonify(verify_credential(data).as_json())


@operation(
    bp,
    "/certificates/<public_id>/credential",
    "GET",
    summary="The signed Open Badges 3.0 credential of a certificate",
    tags=["Certificates"],
)
def get_credential(public_id: str):
    response = jsonify(credential_for(_viewable(public_id)))
    response.mimetype = "application/vc"
    return response
