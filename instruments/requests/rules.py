"""Pure rules of service requests and quotes: no Flask, no session, no clock; facts are parameters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from innocore.errors import Problem
from innocore.marks import N_, T_
from innocore.status import status_word
from innocore.uploads import (  # noqa: F401  (re-exported: the request rules use them)
    ATTACHMENT_TYPES,
    MAX_FILE_BYTES,
    MAX_FILES,
    attachment_problems,
)
from instruments.requests.models import QuoteStatus, RequestStatus, ServiceUnit

S = RequestStatus
STAFF, REQUESTER, SYSTEM = "staff", "requester", "system"

# Who may move a request from one state to the next; anything not listed is out of order.
TRANSITIONS: dict[tuple[RequestStatus, RequestStatus], str] = {
    (S.SUBMITTED, S.QUOTED): STAFF,
    (S.QUOTED, S.QUOTED): STAFF,  # a revised quote supersedes the open one
    (S.DECLINED, S.QUOTED): STAFF,
    (S.LAPSED, S.QUOTED): STAFF,
    (S.QUOTED, S.ACCEPTED): REQUESTER,
    (S.QUOTED, S.DECLINED): REQUESTER,
    (S.QUOTED, S.LAPSED): SYSTEM,
    (S.ACCEPTED, S.IN_PROGRESS): STAFF,
    (S.IN_PROGRESS, S.DELIVERED): STAFF,
    (S.DELIVERED, S.CLOSED): REQUESTER,
    (S.SUBMITTED, S.REJECTED): STAFF,
    (S.QUOTED, S.REJECTED): STAFF,
    (S.DECLINED, S.REJECTED): STAFF,
    (S.LAPSED, S.REJECTED): STAFF,
    (S.SUBMITTED, S.WITHDRAWN): REQUESTER,
    (S.QUOTED, S.WITHDRAWN): REQUESTER,
    (S.DECLINED, S.WITHDRAWN): REQUESTER,
    (S.LAPSED, S.WITHDRAWN): REQUESTER,
}
# Staff may also close a delivered request when the requester does not.
STAFF_ALSO = {(S.DELIVERED, S.CLOSED)}

MAX_TITLE = 200
MAX_TEXT = 20_000
MAX_SAMPLES = 100_000
MAX_QUANTITY = Decimal("100000")
MAX_UNIT_PRICE = Decimal("10000000")
MAX_LINES = 50
MAX_QUOTE_DAYS = 365
QUOTE_VALID_DAYS = 30  # what a new quote offers unless the staff choose another date
CENT = Decimal("0.01")


# A request moves only along TRANSITIONS, and only by the side the transition belongs to.
def transition_problems(current: RequestStatus, target: RequestStatus, side: str) -> list[Problem]:
    owner = TRANSITIONS.get((current, target))
    if owner is None:
        return [
            Problem(
                "out_of_order",
                T_(
                    "A request in the state “%(current)s” cannot move to “%(target)s”.",
                    current=status_word(current),
                    target=status_word(target),
                ),
                "status",
            )
        ]
    if owner != side and not (side == STAFF and (current, target) in STAFF_ALSO):
        who = {STAFF: "the facility", REQUESTER: "the requester", SYSTEM: "the system"}[owner]
        return [Problem("wrong_side", T_("Only %(who)s may do this now.", who=who), "status")]
    return []


# A request has a title and a description within limits, a sane number of samples, and desired
# dates in order and not in the past.
def request_problems(
    *,
    title: str,
    description: str,
    samples: int | None,
    start_on: date | None,
    end_on: date | None,
    today: date,
) -> list[Problem]:
    problems = []
    if not title.strip() or len(title) > MAX_TITLE:
        problems.append(
            Problem(
                "title",
                T_("Give a title of up to %(max_title)s characters.", max_title=MAX_TITLE),
                "title",
            )
        )
    if not description.strip() or len(description) > MAX_TEXT:
        problems.append(
            Problem(
                "description",
                T_("Describe the work (up to %(max_text)s characters).", max_text=MAX_TEXT),
                "description",
            )
        )
    if samples is not None and not 0 <= samples <= MAX_SAMPLES:
        problems.append(
            Problem(
                "samples",
                T_(
                    "The number of samples is between 0 and %(max_samples)s.",
                    max_samples=MAX_SAMPLES,
                ),
                "samples",
            )
        )
    if start_on and start_on < today:
        problems.append(
            Problem(
                "start_past", N_("The desired start cannot be in the past."), "desired_start_on"
            )
        )
    if start_on and end_on and end_on < start_on:
        problems.append(
            Problem(
                "end_before_start",
                N_("The desired end must not be before the start."),
                "desired_end_on",
            )
        )
    return problems


# An attachment is one of the accepted types, its first bytes match the type, it is not empty and
# not larger than the limit, and a request holds a bounded number of files.
# A link deliverable is an absolute http(s) address.
def link_problems(url: str, field: str = "url") -> list[Problem]:
    parsed = urlparse(url or "")
    if parsed.scheme not in ("http", "https") or not parsed.netloc or len(url) > 500:
        return [Problem("url", N_("Give an http(s) address of up to 500 characters."), field)]
    return []


@dataclass(frozen=True)
class LineInput:
    description: str
    unit: str
    quantity: Decimal | str | int | float
    unit_price: Decimal | str | int | float


@dataclass(frozen=True)
class PricedLine:
    description: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


def _decimal(value) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


# Every quote line has a description, a positive quantity and a non-negative unit price, both
# within sane bounds; a quote has between one and MAX_LINES lines.
def quote_line_problems(lines: list[LineInput]) -> list[Problem]:
    problems = []
    if not lines:
        problems.append(Problem("no_lines", N_("A quote needs at least one line."), "lines"))
    if len(lines) > MAX_LINES:
        problems.append(
            Problem(
                "too_many_lines", T_("At most %(max_lines)s lines.", max_lines=MAX_LINES), "lines"
            )
        )
    for i, line in enumerate(lines[:MAX_LINES]):
        field = f"lines.{i}"
        qty, price = _decimal(line.quantity), _decimal(line.unit_price)
        if not line.description.strip() or len(line.description) > 300:
            problems.append(
                Problem("line_description", T_("Line %(i)s: describe it.", i=i + 1), field)
            )
        if qty is None or qty <= 0 or qty > MAX_QUANTITY:
            problems.append(
                Problem(
                    "quantity",
                    T_(
                        "Line %(i)s: the quantity is above 0 and at most %(max_quantity)s.",
                        i=i + 1,
                        max_quantity=MAX_QUANTITY,
                    ),
                    field,
                )
            )
        if price is None or price < 0 or price > MAX_UNIT_PRICE:
            problems.append(
                Problem(
                    "unit_price",
                    T_(
                        "Line %(i)s: the unit price is between 0 and %(max_unit_price)s.",
                        i=i + 1,
                        max_unit_price=MAX_UNIT_PRICE,
                    ),
                    field,
                )
            )
        if len(line.unit) > 40:
            problems.append(
                Problem("unit", T_("Line %(i)s: the unit is too long.", i=i + 1), field)
            )
    return problems


# A line's amount is quantity times unit price, rounded half-up to the cent.
def price_lines(lines: list[LineInput]) -> tuple[list[PricedLine], Decimal]:
    priced = []
    for line in lines:
        qty = Decimal(str(line.quantity)).quantize(CENT)
        price = Decimal(str(line.unit_price)).quantize(CENT)
        amount = (qty * price).quantize(CENT, rounding=ROUND_HALF_UP)
        priced.append(PricedLine(line.description.strip(), line.unit.strip(), qty, price, amount))
    return priced, sum((p.amount for p in priced), Decimal("0.00"))


# The first draft of a quote for a listed service: its price for the requester's category, per
# sample (times the samples), per hour (one hour to adjust) or per project (one).
def draft_lines(
    *,
    service_name: str | None,
    unit: ServiceUnit | None,
    price: Decimal | None,
    samples: int | None,
) -> list[LineInput]:
    if service_name is None or unit is None or price is None:
        return []
    qty = samples if unit == ServiceUnit.SAMPLE and samples else 1
    return [LineInput(service_name, unit.value, Decimal(qty), price)]  # unit stored in English


# A quote stays valid until a date from today up to a year ahead.
# A new quote is offered as valid for QUOTE_VALID_DAYS days from the facility's today.
def default_valid_until(today: date) -> date:
    return today + timedelta(days=QUOTE_VALID_DAYS)


def validity_problems(valid_until_on: date | None, today: date) -> list[Problem]:
    if valid_until_on is None:
        return [
            Problem("valid_until", N_("Give the date the quote is valid until."), "valid_until_on")
        ]
    if valid_until_on < today or valid_until_on > today + timedelta(days=MAX_QUOTE_DAYS):
        return [
            Problem(
                "valid_until",
                T_(
                    "The quote is valid from today up to %(max_quote_days)s days ahead.",
                    max_quote_days=MAX_QUOTE_DAYS,
                ),
                "valid_until_on",
            )
        ]
    return []


# A quote lapses once its validity date has passed in the facility's time zone.
def quote_expired(valid_until_on: date, zone: str, now: datetime) -> bool:
    return now.astimezone(ZoneInfo(zone)).date() > valid_until_on


# Only the open, current quote of a request may be accepted or declined, and only while valid.
def quote_decision_problems(
    status: QuoteStatus, *, expired: bool, is_latest: bool
) -> list[Problem]:
    if status == QuoteStatus.SUPERSEDED or not is_latest:
        return [Problem("quote_superseded", N_("A newer quote replaced this one."), "quote")]
    if status == QuoteStatus.LAPSED or (status == QuoteStatus.OPEN and expired):
        return [
            Problem(
                "quote_lapsed", N_("This quote is no longer valid. Ask for a new one."), "quote"
            )
        ]
    if status != QuoteStatus.OPEN:
        return [
            Problem(
                "quote_decided",
                T_(
                    "This quote is no longer open (status: %(status)s).", status=status_word(status)
                ),
                "quote",
            )
        ]
    return []


# A delivery carries a closing note and at least one deliverable (a file or a link).
def delivery_problems(closing_note: str, deliverables: int) -> list[Problem]:
    problems = []
    if not closing_note.strip() or len(closing_note) > MAX_TEXT:
        problems.append(
            Problem("closing_note", N_("Write a closing note for the requester."), "closing_note")
        )
    if deliverables < 1:
        problems.append(
            Problem(
                "no_deliverables", N_("Add at least one deliverable (a file or a link)."), "file"
            )
        )
    return problems


# Feedback is a rating from 1 to 5 with an optional comment of bounded length.
def feedback_problems(rating: int | None, text: str) -> list[Problem]:
    problems = []
    if rating is None or not 1 <= rating <= 5:
        problems.append(Problem("rating", N_("Rate the service from 1 to 5."), "rating"))
    if len(text) > 5000:
        problems.append(
            Problem("feedback", N_("Keep the comment under 5000 characters."), "comment")
        )
    return problems


# A reason (for rejection or withdrawal) is present when required, and bounded.
def reason_problems(reason: str, *, required: bool) -> list[Problem]:
    if required and not reason.strip():
        return [Problem("reason_required", N_("Give a reason."), "reason")]
    if len(reason) > 5000:
        return [Problem("reason_too_long", N_("Keep the reason under 5000 characters."), "reason")]
    return []


# A message says something, in at most MAX_TEXT characters.
def message_problems(body: str) -> list[Problem]:
    if not body.strip() or len(body) > MAX_TEXT:
        return [
            Problem(
                "body",
                T_("Write a message of up to %(max_text)s characters.", max_text=MAX_TEXT),
                "body",
            )
        ]
    return []


# A service has a name, a unit, prices that are not negative and a sane turnaround.
def service_problems(*, name: str, prices: dict, turnaround_days: int | None) -> list[Problem]:
    problems = []
    if not name.strip() or len(name) > 200:
        problems.append(
            Problem("name", N_("Give the service a name (up to 200 characters)."), "name")
        )
    for category, price in prices.items():
        if price is not None and (price < 0 or price > MAX_UNIT_PRICE):
            problems.append(
                Problem("price", N_("Prices are between 0 and 10,000,000."), f"price_{category}")
            )
    if turnaround_days is not None and not 0 <= turnaround_days <= 3650:
        problems.append(
            Problem("turnaround", N_("Turnaround is between 0 and 3650 days."), "turnaround_days")
        )
    return problems


# The age of a request is the whole days since it was submitted.
def age_days(submitted_at: datetime, now: datetime) -> int:
    return max((now - submitted_at).days, 0)


STEPS = (
    N_("Submitted"),
    N_("Quoted"),
    N_("Accepted"),
    N_("In progress"),
    N_("Delivered"),
    N_("Closed"),
)
_STEP_OF = {
    RequestStatus.SUBMITTED: 0,
    RequestStatus.QUOTED: 1,
    RequestStatus.ACCEPTED: 2,
    RequestStatus.IN_PROGRESS: 3,
    RequestStatus.DELIVERED: 4,
    RequestStatus.CLOSED: 5,
}
# Ends off the main line, and the step where each one stops the request.
_STOPPED_AT = {RequestStatus.DECLINED: 1, RequestStatus.LAPSED: 1, RequestStatus.REJECTED: 0}


def request_steps(status: RequestStatus, *, quoted: bool = False) -> list[tuple[str, str]]:
    """The step tracker of a service request: ``[(label, state), ...]`` for submitted → quoted →
    accepted → in progress → delivered → closed, each state "done", "current", "todo" or
    "stopped". A request that left the line (declined, lapsed, rejected, withdrawn) shows where
    it stopped, labelled with its end; ``quoted`` says whether a withdrawn one had a quote."""
    if status in _STEP_OF:
        at, stopped = _STEP_OF[status], False
    else:
        at = _STOPPED_AT.get(status, 1 if quoted else 0)
        stopped = True
    steps = []
    for i, label in enumerate(STEPS):
        if i < at or (i == at and status == RequestStatus.CLOSED):
            steps.append((label, "done"))
        elif i == at:
            steps.append((status.label if stopped else label, "stopped" if stopped else "current"))
        else:
            steps.append((label, "todo"))
    return steps
