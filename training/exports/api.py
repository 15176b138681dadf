"""JSON API for exports: the ELM / EDC document and the share links of a certificate."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user
from pydantic import BaseModel

from innocore.api.core import api_blueprint, operation
from training.exports import services

bp = api_blueprint("exports_api", __name__)


class ShareOut(BaseModel):
    verify_url: str
    linkedin_url: str
    wallet_url: str
    elm_url: str


@operation(
    bp,
    "/certificates/<public_id>/elm",
    "GET",
    tags=["Certificates"],
    summary="The certificate as a European Learning Model (ELM 3) credential, EDC shape, unsealed",
)
def get_elm(public_id: str):
    response = jsonify(services.elm_document(services.viewable(current_user, public_id)))
    response.mimetype = "application/ld+json"
    return response


@operation(
    bp,
    "/certificates/<public_id>/share",
    "GET",
    tags=["Certificates"],
    response=ShareOut,
    summary="Share links: verification, LinkedIn add-to-profile, wallet file, ELM file",
)
def get_share(public_id: str):
    return jsonify(services.share_links(services.viewable(current_user, public_id)))
