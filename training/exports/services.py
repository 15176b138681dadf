"""Export use cases: the ELM document of a certificate, its wallet file, its LinkedIn link."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import current_app

from innocore.clock import local_date
from innocore.errors import NotFound
from innocore.extensions import db
from innocore.links import absolute_url
from innocore.marks import N_
from training.certification import permissions, queries
from training.certification.models import Certificate
from training.certification.services import _title
from training.credentials.services import credential_for
from training.exports import elm

LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


def viewable(actor, public_id: str) -> Certificate:
    """A certificate the actor may see in full (holder, issuing facility's people); else 404."""
    cert = queries.get_certificate(public_id)
    if not permissions.can_view_certificate(actor, cert):
        raise NotFound(N_("No certificate with this id."))
    return cert


def _sources(cert: Certificate):
    module = path = None
    if cert.module_id is not None:
        from training.models import TrainingModule

        module = db.session.get(TrainingModule, cert.module_id)
    if cert.path_id is not None:
        from training.paths.models import QualificationPath

        path = db.session.get(QualificationPath, cert.path_id)
    return module, path


def elm_document(cert: Certificate) -> dict:
    """The unsealed ELM 3 / EDC credential of a certificate or path award."""
    module, path = _sources(cert)
    title = module.title if module is not None else _title(cert)
    return elm.elm_credential(cert, module=module, path=path, title=title)


def wallet_file(cert: Certificate) -> tuple[bytes, str]:
    """The signed Open Badges 3.0 credential as a file and its download name."""
    import json

    slug = re.sub(r"[^a-z0-9]+", "-", _title(cert).lower()).strip("-")[:60] or "credential"
    return json.dumps(credential_for(cert), indent=2).encode(), f"{slug}.credential.json"


def linkedin_url(cert: Certificate) -> str:
    """LinkedIn's "add to profile" address for a certification: name, organisation, issue and
    expiry year and month, the credential id and the public verification URL."""
    issuer = cert.facility.name if cert.facility else current_app.config["NETWORK_NAME"]
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": _title(cert),
        "organizationName": issuer,
        "issueYear": local_date(cert.issued_at, cert.timezone).year,
        "issueMonth": local_date(cert.issued_at, cert.timezone).month,
        "certId": cert.public_id,
        "certUrl": absolute_url("certification_public.verify_page", public_id=cert.public_id),
    }
    if cert.valid_until is not None:
        until = local_date(cert.valid_until, cert.timezone)  # the date the pages show
        params |= {"expirationYear": until.year, "expirationMonth": until.month}
    return f"{LINKEDIN_ADD}?{urlencode(params)}"


def share_links(cert: Certificate) -> dict:
    return {
        "verify_url": absolute_url("certification_public.verify_page", public_id=cert.public_id),
        "linkedin_url": linkedin_url(cert),
        "wallet_url": absolute_url("exports.wallet", public_id=cert.public_id),
        "elm_url": absolute_url("exports.elm_file", public_id=cert.public_id),
    }
