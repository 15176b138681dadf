"""Pages of facility documents: the facility's list (managers publish), a document (people accept,
managers publish a new version), and a version's file."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from innocore.errors import NotFound
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.forms import attempt_action
from innocore.permissions import can_manage_facility
from instruments import bp
from instruments.documents import services
from instruments.documents.models import DocumentKind, DocumentVersion
from instruments.models import Instrument


def _content() -> services.Content:
    upload = request.files.get("file")
    has_file = upload is not None and bool(upload.filename)
    return services.Content(
        text=request.form.get("text", "")[:200_000],
        file_name=upload.filename if has_file else None,
        file_type=(upload.mimetype or "") if has_file else None,
        file_data=upload.read(services.MAX_BYTES + 1) if has_file else None,
        note=request.form.get("note", "")[:1000],
    )


def _attempt(action):
    """Run one service with ``attempt_action``: ``(result, problems, status)``, the problems
    and status of its refusal (a page of this module shows them) or ``[]`` and 200."""
    result, err = attempt_action(action)
    return (result, [], 200) if err is None else (None, err.problems, err.status)


@bp.route("/facility/<slug>/documents", methods=["GET", "POST"])
@login_required
def facility_documents(slug: str):
    facility = db.session.scalar(sa.select(Facility).where(Facility.slug == slug)) or abort(404)
    problems, status = [], 200
    if request.method == "POST":
        kind = request.form.get("kind", "")
        instrument_id = request.form.get("instrument_id", type=int)
        doc, problems, status = _attempt(
            lambda: services.publish_document(
                current_user,
                facility,
                title=request.form.get("title", "")[:1000],
                kind=DocumentKind(kind) if kind in {k.value for k in DocumentKind} else None,
                instrument_id=instrument_id or None,
                content=_content(),
            )
        )
        if doc is not None:
            flash("Document published.", "success")
            return redirect(url_for("instruments.document_page", document_id=doc.id), 303)
    instruments = db.session.scalars(
        sa.select(Instrument).where(Instrument.facility_id == facility.id).order_by(Instrument.name)
    ).all()
    return render_template(
        "documents/facility.html",
        facility=facility,
        documents=services.list_documents(facility),
        instruments=instruments,
        kinds=list(DocumentKind),
        problems=problems,
        manager=can_manage_facility(current_user, facility),
    ), status


@bp.route("/documents/<int:document_id>")
@login_required
def document_page(document_id: int, problems=(), status=200):
    doc = services.get_document(document_id)
    return render_template(
        "documents/show.html",
        doc=doc,
        problems=problems,
        accepted=services.accepted_by(current_user.id, doc.id),
        manager=can_manage_facility(current_user, doc.facility),
    ), status


@bp.route("/documents/<int:document_id>/accept", methods=["POST"])
@login_required
def accept_document(document_id: int):
    number = request.form.get("version", type=int) or 0
    row, problems, status = _attempt(
        lambda: services.accept_document(current_user, document_id, number)
    )
    if row is None:
        return document_page(document_id, problems, status)
    flash("Accepted. You can book the instruments it covers.", "success")
    return redirect(
        request.form.get("next_booking")
        and url_for(
            "instruments.book", instrument_id=request.form.get("next_booking", type=int) or 0
        )
        or url_for("instruments.document_page", document_id=document_id),
        303,
    )


@bp.route("/documents/<int:document_id>/versions", methods=["POST"])
@login_required
def new_document_version(document_id: int):
    version, problems, status = _attempt(
        lambda: services.publish_version(current_user, document_id, _content())
    )
    if version is None:
        return document_page(document_id, problems, status)
    flash(f"Version {version.number} published; readers are asked to accept it.", "success")
    return redirect(url_for("instruments.document_page", document_id=document_id), 303)


@bp.route("/documents/<int:document_id>/versions/<int:number>/file")
@login_required
def document_file(document_id: int, number: int):
    doc = services.get_document(document_id)
    version = db.session.scalar(
        sa.select(DocumentVersion).where(
            DocumentVersion.document_id == doc.id, DocumentVersion.number == number
        )
    )
    if version is None or version.file_name is None:
        raise NotFound("No such file.")
    return Response(
        version.file_data,
        mimetype=version.file_type,
        headers={
            "Content-Disposition": f'inline; filename="{_safe(version.file_name)}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


def _safe(name: str) -> str:
    return "".join(c for c in name if c.isalnum() or c in "._- ")[:150] or "document"
