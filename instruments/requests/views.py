"""HTML pages of service requests: submit, my requests, the staff inbox, the request page and its
actions, the quote editor, company requests."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from innocore import clock
from innocore.accounts.rules import category_for
from innocore.confirm import Confirmation, irreversible
from innocore.errors import DomainError, Forbidden, NotFound, Problem
from innocore.extensions import db
from innocore.forms import attempt, choices, form_status
from innocore.marks import N_, T_
from innocore.permissions import require
from innocore.template_helpers import money
from instruments import idempotency
from instruments.models import Instrument
from instruments.requests import bp, queries, rules, services
from instruments.requests.forms import (
    AttachForm,
    BookTimeForm,
    DeliverableForm,
    DeliverForm,
    FeedbackForm,
    MessageForm,
    QuoteForm,
    ReasonForm,
    RequestForm,
)
from instruments.requests.models import Quote, RequestStatus
from instruments.requests.offerings import get_facility, get_service
from instruments.requests.permissions import (
    can_act_as_requester,
    can_handle_request,
    is_company_admin_of,
    may_use_inbox,
)

PER_PAGE = 25


def uploads_of(files) -> list[services.Upload]:
    out = []
    for f in files or []:
        if f and f.filename:
            out.append(services.Upload(f.filename, f.mimetype or "", f.read()))
    return out


def _statuses() -> list[RequestStatus]:
    return queries.parse_statuses(request.args.getlist("status"))


@bp.route("/facilities/<int:facility_id>/request", methods=["GET", "POST"])
@login_required
def new(facility_id: int):
    facility = get_facility(facility_id)
    service_id = request.args.get("service", type=int)
    service = get_service(service_id) if service_id else None
    if service is not None and service.facility_id != facility.id:
        raise NotFound(N_("No such service at this facility."))
    form = RequestForm()
    scope = f"requests.new:{facility.id}:{service_id}"
    if request.method == "POST" and (again := idempotency.form_replay(form, scope)) is not None:
        return again  # this form was posted before: show what it created
    if form.validate_on_submit():
        data = services.RequestInput(
            title=form.title.data,
            description=form.description.data,
            samples=form.samples.data,
            desired_start_on=form.desired_start_on.data,
            desired_end_on=form.desired_end_on.data,
            attachments=uploads_of(form.attachments.data),
            account_id=int(form.account.data) if (form.account.data or "").isdigit() else None,
        )

        def create():
            row = services.submit_request(current_user, facility.id, service_id, data)
            where = url_for("requests.show", request_id=row.id)
            idempotency.form_remember(form, scope, where)
            return row

        result = idempotency.once(
            lambda: attempt(form, create), lambda: idempotency.form_replay(form, scope)
        )
        if not isinstance(result, tuple):
            return result
        ok, row = result
        if ok:
            flash(_("Your request is on its way to the facility."), "success")
            return redirect(url_for("requests.show", request_id=row.id))
    status = form_status(form)
    return render_template(
        "requests/new.html",
        facility=facility,
        service=service,
        form=form,
        category=category_for(current_user, facility),
    ), status


@bp.route("/mine")
@login_required
def mine():
    page = db.paginate(queries.mine(current_user, statuses=_statuses()), per_page=PER_PAGE)
    return render_template(
        "requests/list.html",
        page=page,
        title=N_("My requests"),
        endpoint="requests.mine",
        now=clock.now(),
        statuses=list(RequestStatus),
        chosen=_statuses(),
        inbox=False,
    )


@bp.route("/company")
@require(lambda u: u.is_company_admin, N_("Only company administrators see this page."))
def company():
    org_id = current_user.organisation_id
    page = db.paginate(queries.of_organisation(org_id, statuses=_statuses()), per_page=PER_PAGE)
    quotes = db.paginate(
        queries.quotes_of_organisation(org_id), per_page=PER_PAGE, page=1, error_out=False
    )
    return render_template(
        "requests/list.html",
        page=page,
        title=T_("Requests of %(name)s", name=current_user.organisation.name),
        endpoint="requests.company",
        now=clock.now(),
        statuses=list(RequestStatus),
        chosen=_statuses(),
        inbox=False,
        quotes=quotes,
    )


@bp.route("/inbox")
@require(may_use_inbox, N_("Only facility staff have a request inbox."))
def inbox():
    facility_id = request.args.get("facility", type=int)
    sort = request.args.get("sort", "oldest")
    stmt = queries.inbox(current_user, statuses=_statuses(), facility_id=facility_id, sort=sort)
    page = db.paginate(stmt, per_page=PER_PAGE, error_out=False)
    return render_template(
        "requests/list.html",
        page=page,
        title=N_("Request inbox"),
        endpoint="requests.inbox",
        now=clock.now(),
        statuses=list(RequestStatus),
        chosen=_statuses(),
        inbox=True,
        counts=queries.counts_by_status(current_user, facility_id),
        sort=sort,
    )


def _show(request_id: int, forms: dict | None = None, status: int = 200):
    row = services.get_request(current_user, request_id)
    staff = can_handle_request(current_user, row)
    instruments = []
    if staff:
        instruments = db.session.scalars(
            db.select(Instrument).where(Instrument.facility_id == row.facility_id)
        ).all()
    book = (forms or {}).get("book") or BookTimeForm(formdata=None)
    book.instrument_id.choices = choices((i.id, i.name) for i in instruments)
    ctx = {
        "message": MessageForm(formdata=None),
        "reason": ReasonForm(formdata=None),
        "attach": AttachForm(formdata=None),
        "deliverable": DeliverableForm(formdata=None),
        "deliver": DeliverForm(formdata=None),
        "feedback": FeedbackForm(formdata=None),
        "book": book,
    } | (forms or {})
    return render_template(
        "requests/show.html",
        r=row,
        staff=staff,
        requester=can_act_as_requester(current_user, row),
        now=clock.now(),
        age=rules.age_days(row.submitted_at, clock.now()),
        **queries.detail(row.id),
        **ctx,
    ), status


@bp.route("/<int:request_id>")
@login_required
def show(request_id: int):
    return _show(request_id)


def _act(request_id: int, fn, message: str, form_name: str | None = None, form=None):
    """Run one service; on refusal show the request page with the problems (422)."""
    if form is None:
        fn()  # a refusal is the app-wide error page
        db.session.commit()
    else:
        ok, _result = attempt(form, fn, on_form=(422,))
        if not ok:
            return _show(request_id, {form_name: form}, 422)
    flash(message, "success")
    return redirect(url_for("requests.show", request_id=request_id))


@bp.route("/<int:request_id>/messages", methods=["POST"])
@login_required
def message(request_id: int):
    form = MessageForm()
    body = form.body.data or ""
    return _act(
        request_id,
        lambda: services.post_message(current_user, request_id, body),
        N_("Message sent."),
        "message",
        form,
    )


@bp.route("/<int:request_id>/attachments", methods=["POST"])
@login_required
def attach(request_id: int):
    form = AttachForm()
    ups = uploads_of(form.attachments.data)
    return _act(
        request_id,
        lambda: services.add_attachments(current_user, request_id, ups),
        N_("Attachments added."),
        "attach",
        form,
    )


_ENDED = ("declined", "lapsed", "delivered", "closed", "withdrawn", "rejected")


def _as(request_id: int, may, message: str):
    req = services.get_request(current_user, request_id)
    if not may(current_user, req):
        raise Forbidden(message)
    return req


_REQUESTER = N_("Only the requester (or their company's administrator) may do this.")


def _confirm_withdraw(request_id: int) -> Confirmation | None:
    req = _as(request_id, can_act_as_requester, _REQUESTER)
    if req.status.value in _ENDED:
        return None  # the action says why it is refused
    return Confirmation(
        _("Withdraw the request “%(req_title)s”?", req_title=req.title),
        [
            _(
                "The request to %(facility_name)s is withdrawn for good: the "
                "facility stops working on it and any open quote is closed.",
                facility_name=req.facility.name,
            ),
            _("It cannot be reopened; you would submit a new request."),
            _("The facility's staff are told."),
        ],
        _("Withdraw the request"),
        url_for("requests.show", request_id=request_id),
    )


def _confirm_reject(request_id: int) -> Confirmation | None:
    req = _as(request_id, can_handle_request, N_("Only the facility's staff may do this."))
    reason = (request.form.get("reason") or "").strip()
    if req.status.value in _ENDED or not reason:
        return None  # the action says why it is refused
    return Confirmation(
        _("Reject the request “%(req_title)s”?", req_title=req.title),
        [
            _(
                "%(requester_name)s's request is rejected for good and any open quote is closed.",
                requester_name=req.requester.name,
            ),
            _(
                "%(requester_name)s is told by e-mail, with your reason: “%(reason)s”.",
                requester_name=req.requester.name,
                reason=reason,
            ),
            _("It cannot be reopened; they would submit a new request."),
        ],
        _("Reject the request"),
        url_for("requests.show", request_id=request_id),
    )


def _confirm_quote(request_id: int, quote_id: int, decision: str) -> Confirmation | None:
    if decision != "decline":
        return None
    req = _as(request_id, can_act_as_requester, _REQUESTER)
    quote = db.session.get(Quote, quote_id)
    if quote is None or quote.request_id != req.id or quote.status.value != "open":
        return None  # the action says why it is refused
    return Confirmation(
        _("Decline quote r%(revision)s?", revision=quote.revision),
        [
            _(
                "Quote r%(revision)s for “%(req_title)s” (%(money)s) is "
                "declined for good: it can no longer be accepted.",
                revision=quote.revision,
                req_title=req.title,
                money=money(quote.total, quote.currency),
            ),
            _(
                "The request ends as declined; %(facility_name)s is told. "
                "For the work to go ahead you would submit a new request.",
                facility_name=req.facility.name,
            ),
        ],
        _("Decline the quote"),
        url_for("requests.show", request_id=request_id),
    )


@bp.route("/<int:request_id>/withdraw", methods=["POST"])
@login_required
@irreversible(_confirm_withdraw)
def withdraw(request_id: int):
    form = ReasonForm()
    return _act(
        request_id,
        lambda: services.withdraw_request(current_user, request_id, form.reason.data or ""),
        N_("Request withdrawn: the facility stops work on it and is told."),
        "reason",
        form,
    )


@bp.route("/<int:request_id>/reject", methods=["POST"])
@login_required
@irreversible(_confirm_reject)
def reject(request_id: int):
    form = ReasonForm()
    return _act(
        request_id,
        lambda: services.reject_request(current_user, request_id, form.reason.data or ""),
        N_("Request rejected: the requester is told, with your reason."),
        "reason",
        form,
    )


@bp.route("/<int:request_id>/start", methods=["POST"])
@login_required
def start(request_id: int):
    return _act(
        request_id, lambda: services.start_work(current_user, request_id), N_("Work started.")
    )


@bp.route("/<int:request_id>/deliverables", methods=["POST"])
@login_required
def deliverable(request_id: int):
    form = DeliverableForm()
    ups = uploads_of([form.file.data]) if form.file.data else []
    return _act(
        request_id,
        lambda: services.add_deliverable(
            current_user,
            request_id,
            label=form.label.data or "",
            upload=ups[0] if ups else None,
            url=(form.url.data or "").strip(),
        ),
        N_("Deliverable added."),
        "deliverable",
        form,
    )


@bp.route("/<int:request_id>/deliver", methods=["POST"])
@login_required
def deliver(request_id: int):
    form = DeliverForm()
    return _act(
        request_id,
        lambda: services.deliver(current_user, request_id, form.closing_note.data or ""),
        N_("Results delivered; the requester is told."),
        "deliver",
        form,
    )


@bp.route("/<int:request_id>/close", methods=["POST"])
@login_required
def close(request_id: int):
    form = FeedbackForm()
    rating = int(form.rating.data) if (form.rating.data or "").isdigit() else None
    return _act(
        request_id,
        lambda: services.close_request(
            current_user, request_id, rating=rating, comment=form.comment.data or ""
        ),
        N_("Request closed. Thank you for the feedback."),
        "feedback",
        form,
    )


@bp.route(
    "/<int:request_id>/quotes/<int:quote_id>/<any(accept, decline):decision>", methods=["POST"]
)
@login_required
@irreversible(_confirm_quote)
def decide(request_id: int, quote_id: int, decision: str):
    fn = services.accept_quote if decision == "accept" else services.decline_quote
    done = {
        "accept": N_("Quote accepted: the facility can start the work and is told."),
        "decline": N_("Quote declined: the request ends as declined and the facility is told."),
    }[decision]
    return _act(request_id, lambda: fn(current_user, request_id, quote_id), done)


@bp.route("/<int:request_id>/book", methods=["POST"])
@login_required
def book(request_id: int):
    row = services.get_request(current_user, request_id)
    if not can_handle_request(current_user, row):
        raise Forbidden(N_("Only the facility's staff book time for a request."))
    form = BookTimeForm()
    zone = row.facility.timezone
    instrument_id = int(form.instrument_id.data) if (form.instrument_id.data or "").isdigit() else 0

    def act():  # a time the clocks skip or repeat is a problem on its field, shown on the page
        starts, ends = form.starts_at.instant(zone), form.ends_at.instant(zone)
        if starts is None or ends is None:
            raise DomainError(Problem("dates", N_("Give a start and an end."), "starts_at"))
        return services.book_time(current_user, request_id, instrument_id, starts, ends)

    return _act(request_id, act, N_("Instrument time booked for this request."), "book", form)


@bp.route("/files/<int:file_id>")
@login_required
def download(file_id: int):
    row = services.get_file(current_user, file_id)
    if row.url:
        return redirect(row.url)
    safe = "".join(c for c in (row.filename or "file") if c.isalnum() or c in "._- ")[:100]
    return Response(
        row.data,
        mimetype=row.content_type or "application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{safe or "file"}"'},
    )


@bp.route("/<int:request_id>/quotes/<int:quote_id>.pdf")
@login_required
def quote_document(request_id: int, quote_id: int):
    from instruments.requests.pdf import quote_pdf  # fpdf2 and the fonts load with the first PDF

    row = services.get_request(current_user, request_id)
    quote = next((q for q in queries.detail(row.id)["quotes"] if q.id == quote_id), None)
    if quote is None:
        raise NotFound(N_("No such quote."))
    return Response(
        quote_pdf(quote, row),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="quote-{row.id}-r{quote.revision}.pdf"'},
    )


@bp.route("/<int:request_id>/quote", methods=["GET", "POST"])
@login_required
def quote_editor(request_id: int):
    row = services.get_request(current_user, request_id)
    if not can_handle_request(current_user, row):
        raise Forbidden(N_("Only the facility's staff write quotes."))
    form = QuoteForm()
    if request.method == "GET":
        _prefill(form, row)
    elif form.validate():
        lines = [
            rules.LineInput(
                e.description.data or "",
                e.unit.data or "",
                "" if e.quantity.data is None else e.quantity.data,
                "" if e.unit_price.data is None else e.unit_price.data,
            )
            for e in (entry.form for entry in form.lines.entries)
            if (e.description.data or e.quantity.data is not None or e.unit_price.data is not None)
        ]
        ok, _result = attempt(
            form,
            lambda: services.issue_quote(
                current_user,
                row.id,
                lines,
                valid_until_on=form.valid_until_on.data,
                terms=form.terms.data or "",
            ),
        )
        if ok:
            flash(_("Quote sent to the requester."), "success")
            return redirect(url_for("requests.show", request_id=row.id))
    else:
        _line_errors(form)
    return render_template("requests/quote_form.html", r=row, form=form), form_status(form)


def _line_errors(form: QuoteForm) -> None:
    """The quote's lines show no error beside each input: a line's refused number (not a number,
    sub-cent) goes to the top of the form, naming its line."""
    form.form_errors = list(getattr(form, "form_errors", []))
    for i, entry in enumerate(form.lines.entries, start=1):
        for name in ("description", "unit", "quantity", "unit_price"):
            sub = getattr(entry.form, name)
            for error in sub.errors:
                form.form_errors.append(
                    _(
                        "Line %(number)s, %(field)s: %(error)s",
                        number=i,
                        field=sub.label.text,
                        error=error,
                    )
                )


def _prefill(form: QuoteForm, row) -> None:
    """Start from the latest quote, else from the service's price for the requester's category."""

    previous = services.latest_quote(row.id)
    if previous is not None:
        lines = [
            rules.LineInput(x.description, x.unit, x.quantity, x.unit_price) for x in previous.lines
        ]
        form.terms.data = previous.terms
    else:
        service = row.service
        lines = rules.draft_lines(
            service_name=service.name if service else None,
            unit=service.unit if service else None,
            price=service.price_for(row.category) if service else None,
            samples=row.samples,
        )
    for entry, line in zip((x.form for x in form.lines.entries), lines, strict=False):
        entry.description.data, entry.unit.data = line.description, line.unit
        entry.quantity.data, entry.unit_price.data = line.quantity, line.unit_price
    form.valid_until_on.data = services.default_valid_until(row)


def company_admin_predicate(user) -> bool:
    return is_company_admin_of(user, user.organisation_id)
