"""Service request use cases: submit, quote, accept or decline, work, deliver, close; messages.

Services load and lock the request, check permissions (404 for those who may not know it exists,
403 for the wrong side), call the pure rules, change the ORM, record the history and the audit
trail, and notify the other side. They flush; the boundary commits once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from innocore import audit, clock
from innocore.accounts.models import User
from innocore.accounts.rules import category_for
from innocore.errors import DomainError, Forbidden, NotFound, Problem, raise_problems
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.ledger.approvals import AccountApproval
from innocore.ledger.models import Charge, ChargeSource
from innocore.ledger.services import ChargeInput, policy_for, record_charge
from innocore.links import absolute_url
from innocore.marks import N_
from innocore.notifications.kinds import REQUESTS
from innocore.notifications.services import queue_email
from instruments.requests import quote_owner, rules
from instruments.requests.models import (
    FileKind,
    Quote,
    QuoteLine,
    QuoteStatus,
    RequestBooking,
    RequestEvent,
    RequestFile,
    RequestMessage,
    RequestStatus,
    Service,
    ServiceRequest,
)
from instruments.requests.permissions import (
    can_act_as_requester,
    can_handle_request,
    can_see_request,
)


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


@dataclass
class RequestInput:
    title: str
    description: str
    samples: int | None = None
    desired_start_on: date | None = None
    desired_end_on: date | None = None
    attachments: list[Upload] = field(default_factory=list)
    account_id: int | None = None  # the billing account charged (one the requester may charge)


def _today(facility: Facility) -> date:
    from zoneinfo import ZoneInfo

    return clock.now().astimezone(ZoneInfo(facility.timezone)).date()


def default_valid_until(request: ServiceRequest) -> date:
    """The date a new quote for ``request`` is valid until unless the staff choose another:
    ``rules.QUOTE_VALID_DAYS`` days after today at the facility."""
    return rules.default_valid_until(_today(request.facility))


# ---- reading ---------------------------------------------------------------------------------


def get_request(actor: User, request_id: int, *, lock: bool = False) -> ServiceRequest:
    """A request the actor may see; anyone else gets 404 (its existence is not revealed)."""
    stmt = sa.select(ServiceRequest).where(ServiceRequest.id == request_id)
    if lock:
        stmt = stmt.with_for_update(of=ServiceRequest).execution_options(populate_existing=True)
    request = db.session.scalar(stmt)
    if request is None or not can_see_request(actor, request):
        raise NotFound(N_("No such request."))
    return request


def latest_quote(request_id: int) -> Quote | None:
    return db.session.scalar(
        sa.select(Quote).where(Quote.request_id == request_id).order_by(Quote.revision.desc())
    )


def get_file(actor: User, file_id: int) -> RequestFile:
    row = db.session.get(RequestFile, file_id)
    if row is None:
        raise NotFound(N_("No such file."))
    get_request(actor, row.request_id)  # 404 unless the actor may see the request
    return row


# ---- history and notices -----------------------------------------------------------------------


def _event(request: ServiceRequest, actor: User | None, old, new, note: str = "") -> None:
    db.session.add(
        RequestEvent(
            request_id=request.id,
            actor_id=actor.id if actor else None,
            occurred_at=clock.now(),
            from_status=old,
            to_status=new,
            note=note[:5000],
        )
    )


def _notify(request: ServiceRequest, actor: User | None, subject: str, message: str) -> None:
    """Tell the other side: the requester when the facility acts, the facility otherwise."""
    link = absolute_url("requests.show", request_id=request.id)
    ctx = {"request": request, "message": message}
    full = _l("%(subject)s: request #%(id)s", subject=subject, id=request.id)
    if actor is None or actor.id != request.requester_id:
        queue_email(request.requester, full, "request_notice", kind=REQUESTS, link=link, **ctx)
    if actor is None or actor.id == request.requester_id or not can_handle_request(actor, request):
        queue_email(
            request.facility.contact_email, full, "request_notice", kind=REQUESTS, link=link, **ctx
        )


def _move(
    request: ServiceRequest, actor: User | None, target: RequestStatus, side: str, note: str = ""
) -> None:
    raise_problems(rules.transition_problems(request.status, target, side))
    old = request.status
    now = clock.now()
    request.status = target
    request.status_changed_at = request.updated_at = now
    _event(request, actor, old, target, note)
    audit.record(
        actor,
        f"request.{target.value}",
        request,
        {"status": [old.value, target.value]},
        facility_id=request.facility_id,
        organisation_id=request.organisation_id,
    )


def _as_requester(actor: User, request_id: int) -> ServiceRequest:
    request = get_request(actor, request_id, lock=True)
    if not can_act_as_requester(actor, request):
        raise Forbidden(N_("Only the requester (or their company's administrator) may do this."))
    return request


def _as_staff(actor: User, request_id: int) -> ServiceRequest:
    request = get_request(actor, request_id, lock=True)
    if not can_handle_request(actor, request):
        raise Forbidden(N_("Only the facility's staff may do this."))
    return request


# ---- submit ------------------------------------------------------------------------------------


def _store_files(
    request: ServiceRequest, actor: User, uploads: list[Upload], kind: FileKind, existing: int = 0
) -> list[Problem]:
    problems = []
    for i, up in enumerate(uploads):
        problems += rules.attachment_problems(
            up.content_type, len(up.data), up.data[:16], existing=existing + i, field="attachment"
        )
    if problems:
        return problems
    for up in uploads:
        db.session.add(
            RequestFile(
                request_id=request.id,
                kind=kind,
                label=up.filename[:200],
                filename=up.filename[:200],
                content_type=up.content_type,
                size_bytes=len(up.data),
                data=up.data,
                uploaded_by_id=actor.id,
                created_at=clock.now(),
            )
        )
    return []


def submit_request(
    actor: User, facility_id: int, service_id: int | None, data: RequestInput
) -> ServiceRequest:
    """Ask a facility for a listed service, or (without a service) for a collaboration."""
    facility = db.session.get(Facility, facility_id)
    if facility is None or not facility.active:
        raise NotFound(N_("No such facility."))
    service = None
    if service_id is not None:
        service = db.session.get(Service, service_id)
        if service is None or service.facility_id != facility.id or not service.active:
            raise NotFound(N_("No such service at this facility."))
    problems = rules.request_problems(
        title=data.title,
        description=data.description,
        samples=data.samples,
        start_on=data.desired_start_on,
        end_on=data.desired_end_on,
        today=_today(facility),
    )
    for i, up in enumerate(data.attachments):
        problems += rules.attachment_problems(
            up.content_type, len(up.data), up.data[:16], existing=i, field="attachment"
        )
    from innocore.ledger.accounts import check_account

    problems += check_account(actor, data.account_id, _today(facility))
    raise_problems(problems)
    now = clock.now()
    request = ServiceRequest(
        facility=facility,
        service=service,
        requester=actor,
        organisation_id=actor.organisation_id,
        account_id=data.account_id,
        category=category_for(actor, facility),
        title=data.title.strip(),
        description=data.description.strip(),
        samples=data.samples,
        desired_start_on=data.desired_start_on,
        desired_end_on=data.desired_end_on,
        status=RequestStatus.SUBMITTED,
        submitted_at=now,
        status_changed_at=now,
        updated_at=now,
    )
    db.session.add(request)
    db.session.flush()
    _store_files(request, actor, data.attachments, FileKind.ATTACHMENT)
    _event(request, actor, None, RequestStatus.SUBMITTED)
    audit.record(
        actor,
        "request.submitted",
        request,
        {"facility_id": [None, facility.id], "service_id": [None, service_id]},
        facility_id=facility.id,
        organisation_id=request.organisation_id,
    )
    _notify(
        request,
        actor,
        _l("New request"),
        _l(
            "%(actor_name)s sent a request: %(request_title)s.",
            actor_name=actor.name,
            request_title=request.title,
        ),
    )
    return request


def add_attachments(actor: User, request_id: int, uploads: list[Upload]) -> list[RequestFile]:
    """The requester adds attachments while the request is open."""
    request = _as_requester(actor, request_id)
    if request.status not in (RequestStatus.SUBMITTED, RequestStatus.QUOTED):
        raise DomainError(Problem("closed", N_("Attachments can be added before acceptance only.")))
    existing = _count_files(request.id, FileKind.ATTACHMENT)
    raise_problems(_store_files(request, actor, uploads, FileKind.ATTACHMENT, existing))
    db.session.flush()
    return list(request_files(request.id, FileKind.ATTACHMENT))


def _count_files(request_id: int, kind: FileKind) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(RequestFile)
            .where(RequestFile.request_id == request_id, RequestFile.kind == kind)
        )
        or 0
    )


def request_files(request_id: int, kind: FileKind | None = None):
    stmt = sa.select(RequestFile).where(RequestFile.request_id == request_id)
    if kind is not None:
        stmt = stmt.where(RequestFile.kind == kind)
    return db.session.scalars(stmt.order_by(RequestFile.id)).all()


# ---- quotes ------------------------------------------------------------------------------------


def issue_quote(
    actor: User,
    request_id: int,
    lines: list[rules.LineInput],
    *,
    valid_until_on: date | None,
    terms: str = "",
) -> Quote:
    """Staff quote a request; a new revision supersedes the open one. Prices come from the lines,
    which the editor pre-fills from the facility's rates for the requester's category."""
    request = _as_staff(actor, request_id)
    problems = rules.transition_problems(request.status, RequestStatus.QUOTED, rules.STAFF)
    problems += rules.quote_line_problems(lines)
    problems += rules.validity_problems(valid_until_on, _today(request.facility))
    if len(terms) > rules.MAX_TEXT:
        problems.append(Problem("terms", N_("The terms are too long."), "terms"))
    raise_problems(problems)
    priced, total = rules.price_lines(lines)
    previous = latest_quote(request.id)
    if previous is not None and previous.status == QuoteStatus.OPEN:
        previous.status = QuoteStatus.SUPERSEDED
    quote = Quote(
        request_id=request.id,
        revision=(previous.revision + 1) if previous else 1,
        status=QuoteStatus.OPEN,
        category=request.category,
        currency=policy_for(request.facility_id).currency,
        valid_until_on=valid_until_on,
        terms=terms.strip(),
        total=total,
        created_by_id=actor.id,
        created_at=clock.now(),
        lines=[
            QuoteLine(
                position=i,
                description=p.description,
                unit=p.unit,
                quantity=p.quantity,
                unit_price=p.unit_price,
                amount=p.amount,
            )
            for i, p in enumerate(priced, 1)
        ],
    )
    db.session.add(quote)
    db.session.flush()
    _move(request, actor, RequestStatus.QUOTED, rules.STAFF, f"Quote r{quote.revision}")
    _notify(
        request,
        actor,
        _l("Quote ready"),
        _l(
            "The facility sent quote r%(revision)s: %(total)s %(currency)s, valid until %(isoformat)s.",
            revision=quote.revision,
            total=total,
            currency=quote.currency,
            isoformat=valid_until_on.isoformat(),
        ),
    )
    return quote


def _decide_quote(actor: User, request_id: int, quote_id: int, target: QuoteStatus) -> Quote:
    request = _as_requester(actor, request_id)
    quote = db.session.get(Quote, quote_id)
    if quote is None or quote.request_id != request.id:
        raise NotFound(N_("No such quote."))
    latest = latest_quote(request.id)
    expired = rules.quote_expired(quote.valid_until_on, request.facility.timezone, clock.now())
    problems = rules.quote_decision_problems(
        quote.status, expired=expired, is_latest=latest is not None and latest.id == quote.id
    )
    new_status = RequestStatus(target.value)
    if not problems:
        problems = rules.transition_problems(request.status, new_status, rules.REQUESTER)
    raise_problems(problems)
    # Compare-and-set: a quote is decided once, whatever the number of clicks.
    now = clock.now()
    won = db.session.execute(
        sa.update(Quote)
        .where(Quote.id == quote.id, Quote.status == QuoteStatus.OPEN)
        .values(status=target, decided_by_id=actor.id, decided_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        raise DomainError(Problem("quote_decided", N_("This quote was already decided."), "quote"))
    db.session.refresh(quote)
    _move(request, actor, new_status, rules.REQUESTER, f"Quote r{quote.revision}")
    return quote


def accept_quote(actor: User, request_id: int, quote_id: int) -> Quote:
    """The requester accepts the current, valid quote; it becomes a charge at its total. A total
    above the approval threshold of the request's account waits for the account's owner first
    (``quote_approvals``): nothing is charged and no work starts until they approve."""
    quote = _decide_quote(actor, request_id, quote_id, QuoteStatus.ACCEPTED)
    request = quote.request
    quote.account_approval = quote_owner.approval_for(actor, request, quote)
    awaiting = quote.account_approval == AccountApproval.AWAITING
    if awaiting:
        quote_owner.ask_owner(quote)
    else:
        charge_accepted_quote(quote, request)
    message = _l(
        "%(actor_name)s accepted quote r%(revision)s.",
        actor_name=actor.name,
        revision=quote.revision,
    )
    if awaiting:
        message = _l(
            "%(actor_name)s accepted quote r%(revision)s. It is awaiting the account owner's "
            "approval: nothing is charged and work waits until they approve.",
            actor_name=actor.name,
            revision=quote.revision,
        )
    _notify(request, None if awaiting else actor, _l("Quote accepted"), message)
    return quote


def decline_quote(actor: User, request_id: int, quote_id: int) -> Quote:
    quote = _decide_quote(actor, request_id, quote_id, QuoteStatus.DECLINED)
    _notify(
        quote.request,
        actor,
        _l("Quote declined"),
        _l(
            "%(actor_name)s declined r%(revision)s.", actor_name=actor.name, revision=quote.revision
        ),
    )
    return quote


def lapse_quotes(now: datetime | None = None, limit: int = 500) -> int:
    """Job: open quotes past their validity lapse, and their requests with them."""
    now = now or clock.now()
    candidates = db.session.scalars(
        sa.select(Quote)
        # The facility's date decides (rules.quote_expired); the newest date anywhere on Earth
        # (UTC+14) bounds the candidates, where UTC's date would lapse Europe's quotes late.
        .where(
            Quote.status == QuoteStatus.OPEN,
            Quote.valid_until_on < (now + timedelta(hours=14)).date(),
        )
        .order_by(Quote.id)
        .limit(limit)
    ).all()
    lapsed = 0
    for quote in candidates:
        request = quote.request
        if not rules.quote_expired(quote.valid_until_on, request.facility.timezone, now):
            continue
        won = db.session.execute(
            sa.update(Quote)
            .where(Quote.id == quote.id, Quote.status == QuoteStatus.OPEN)
            .values(status=QuoteStatus.LAPSED)
            .execution_options(synchronize_session=False)
        ).rowcount
        if won != 1:
            continue
        if request.status == RequestStatus.QUOTED:
            _move(request, None, RequestStatus.LAPSED, rules.SYSTEM, f"Quote r{quote.revision}")
            _notify(request, None, _l("Quote lapsed"), _l("The quote passed its validity date."))
        lapsed += 1
    return lapsed


# ---- the other transitions ---------------------------------------------------------------------


def reject_request(actor: User, request_id: int, reason: str) -> ServiceRequest:
    """Staff turn a request down, with a reason the requester reads."""
    request = _as_staff(actor, request_id)
    raise_problems(rules.reason_problems(reason or "", required=True))
    _move(request, actor, RequestStatus.REJECTED, rules.STAFF, reason.strip())
    request.reason = reason.strip()
    _close_open_quote(request.id)
    _notify(
        request,
        actor,
        _l("Request rejected"),
        _l("The facility rejected the request: %(reason)s", reason=reason),
    )
    return request


def withdraw_request(actor: User, request_id: int, reason: str = "") -> ServiceRequest:
    """The requester withdraws a request that has not been accepted."""
    request = _as_requester(actor, request_id)
    raise_problems(rules.reason_problems(reason or "", required=False))
    _move(request, actor, RequestStatus.WITHDRAWN, rules.REQUESTER, (reason or "").strip())
    request.reason = (reason or "").strip() or None
    _close_open_quote(request.id)
    _notify(
        request,
        actor,
        _l("Request withdrawn"),
        _l("%(actor_name)s withdrew the request.", actor_name=actor.name),
    )
    return request


def _close_open_quote(request_id: int) -> None:
    db.session.execute(
        sa.update(Quote)
        .where(Quote.request_id == request_id, Quote.status == QuoteStatus.OPEN)
        .values(status=QuoteStatus.SUPERSEDED)
        .execution_options(synchronize_session=False)
    )


def start_work(actor: User, request_id: int) -> ServiceRequest:
    request = _as_staff(actor, request_id)
    raise_problems(quote_owner.work_problems(request.id))
    _move(request, actor, RequestStatus.IN_PROGRESS, rules.STAFF)
    _notify(request, actor, _l("Work started"), _l("The facility started work on the request."))
    return request


def add_deliverable(
    actor: User, request_id: int, *, label: str, upload: Upload | None = None, url: str = ""
) -> RequestFile:
    """Staff attach a deliverable (a file or a link) while the work is in progress."""
    request = _as_staff(actor, request_id)
    if request.status != RequestStatus.IN_PROGRESS:
        raise DomainError(
            Problem("not_in_progress", N_("Deliverables are added while the work is in progress."))
        )
    label = (label or "").strip() or (upload.filename if upload else url)
    if upload is not None:
        existing = _count_files(request.id, FileKind.DELIVERABLE)
        raise_problems(_store_files(request, actor, [upload], FileKind.DELIVERABLE, existing))
        db.session.flush()
        return request_files(request.id, FileKind.DELIVERABLE)[-1]
    raise_problems(rules.link_problems(url))
    row = RequestFile(
        request_id=request.id,
        kind=FileKind.DELIVERABLE,
        label=label[:200],
        url=url,
        uploaded_by_id=actor.id,
        created_at=clock.now(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def deliver(actor: User, request_id: int, closing_note: str) -> ServiceRequest:
    """Staff hand over the results: deliverables plus a closing note; the requester is told."""
    request = _as_staff(actor, request_id)
    problems = rules.transition_problems(request.status, RequestStatus.DELIVERED, rules.STAFF)
    if not problems:
        problems = rules.delivery_problems(
            closing_note or "", _count_files(request.id, FileKind.DELIVERABLE)
        )
    raise_problems(problems)
    request.closing_note = closing_note.strip()
    _move(request, actor, RequestStatus.DELIVERED, rules.STAFF)
    _notify(request, actor, _l("Results delivered"), _l("The facility delivered the results."))
    return request


def close_request(
    actor: User, request_id: int, *, rating: int | None = None, comment: str = ""
) -> ServiceRequest:
    """The requester closes a delivered request with feedback; staff may close it without."""
    request = get_request(actor, request_id, lock=True)
    if can_act_as_requester(actor, request):
        raise_problems(
            rules.transition_problems(request.status, RequestStatus.CLOSED, rules.REQUESTER)
            or rules.feedback_problems(rating, comment or "")
        )
        request.feedback_rating, request.feedback_text = rating, (comment or "").strip() or None
        _move(request, actor, RequestStatus.CLOSED, rules.REQUESTER, f"Rating {rating}/5")
    elif can_handle_request(actor, request):
        _move(request, actor, RequestStatus.CLOSED, rules.STAFF)
    else:
        raise Forbidden(N_("You may not close this request."))
    _notify(request, actor, _l("Request closed"), _l("The request is closed."))
    return request


def post_message(actor: User, request_id: int, body: str) -> RequestMessage:
    """Either side writes in the request's thread; the other side is told."""
    request = get_request(actor, request_id)
    raise_problems(rules.message_problems(body or ""))
    message = RequestMessage(
        request_id=request.id, author_id=actor.id, body=body.strip(), created_at=clock.now()
    )
    db.session.add(message)
    db.session.flush()
    _notify(
        request,
        actor,
        _l("New message"),
        _l("%(actor_name)s wrote: %(body)s", actor_name=actor.name, body=body.strip()[:500]),
    )
    return message


def book_time(
    actor: User, request_id: int, instrument_id: int, starts_at: datetime, ends_at: datetime
):
    """Staff reserve instrument time to carry out an accepted request (booked to the staff member,
    with every rule checked and the overridable ones overridden with the request as reason).
    The quote covers this time, so the booking itself is not charged."""
    from instruments.models import Instrument
    from instruments.services import BookingInput, create_booking

    request = _as_staff(actor, request_id)
    if request.status not in (RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS):
        raise DomainError(
            Problem("not_accepted", N_("Book time once the requester accepted the quote."))
        )
    raise_problems(quote_owner.work_problems(request.id))
    instrument = db.session.get(Instrument, instrument_id)
    if instrument is None or instrument.facility_id != request.facility_id:
        raise DomainError(
            Problem("instrument", N_("Pick an instrument of this facility."), "instrument_id")
        )
    booking = create_booking(
        actor,
        instrument_id,
        BookingInput(
            starts_at=starts_at,
            ends_at=ends_at,
            purpose=f"Service request #{request.id}: {request.title}"[:1000],
            project=f"request-{request.id}",
            override_reason=f"Service request #{request.id}",
        ),
    )
    db.session.add(RequestBooking(request_id=request.id, booking_id=booking.id))
    db.session.flush()
    _event(request, actor, request.status, request.status, f"Booked {instrument.name}")
    return booking


def charge_accepted_quote(quote, request) -> Charge | None:
    """An accepted quote becomes one charge of its total, in the quote's currency and category."""
    return record_charge(
        ChargeInput(
            source=ChargeSource.QUOTE,
            source_id=quote.id,
            user=request.requester,
            facility=request.facility,
            category=quote.category,
            description=f"Request #{request.id}: {request.title} (quote r{quote.revision})",
            unit="quote",
            rate=quote.total,
            quantity=Decimal("1"),
            incurred_at=quote.decided_at or clock.now(),
            currency=quote.currency,
            service_id=request.service_id,
            organisation_id=request.organisation_id,
            account_id=request.account_id,
        )
    )
