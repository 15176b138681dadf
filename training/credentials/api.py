"""JSON API: verify a credential file (public: anyone may check a credential)."""

from __future__ import annotations

from flask import jsonify, request

from innocore.api.core import api_blueprint, operation
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
