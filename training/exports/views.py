"""Export pages: share and export a certificate (ELM file, wallet file, LinkedIn)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template
from flask_login import current_user, login_required

from training.certification.services import _title
from training.exports import services

bp = Blueprint("exports", __name__, url_prefix="/certificates", template_folder="templates")


@bp.route("/<public_id>/share")
@login_required
def share(public_id: str):
    cert = services.viewable(current_user, public_id)
    return render_template(
        "exports/share.html", cert=cert, title=_title(cert), links=services.share_links(cert)
    )


@bp.route("/<public_id>/elm.json")
@login_required
def elm_file(public_id: str):
    cert = services.viewable(current_user, public_id)
    body = json.dumps(services.elm_document(cert), indent=2, ensure_ascii=False)
    return Response(
        body,
        mimetype="application/ld+json",
        headers={"Content-Disposition": f'attachment; filename="{cert.public_id}.elm.json"'},
    )


@bp.route("/<public_id>/wallet")
@login_required
def wallet(public_id: str):
    """One click: the signed credential as a file a wallet (or the person) keeps."""
    body, name = services.wallet_file(services.viewable(current_user, public_id))
    return Response(
        body,
        mimetype="application/vc",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
